/**
 * A series of points in bounded memory: past `maxPoints`, neighbouring points are merged in pairs
 * (so the series halves and keeps its shape), which is what lets a live page hold a run of
 * millions of steps.
 */

/** Values of a point: numbers, or null where a value was NaN or infinite. */
export type PointValues = Record<string, number | null>;

/**
 * The count-weighted mean of two points' values, key by key; a key only one of them has keeps its
 * value, and null (not finite) wins over a number so that a divergence stays visible.
 */
export function mergeValues(
  a: PointValues,
  countA: number,
  b: PointValues,
  countB: number,
): PointValues {
  const merged: PointValues = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key], y = b[key];
    if (x === undefined) merged[key] = y;
    else if (y === undefined) merged[key] = x;
    else if (x === null || y === null) merged[key] = null;
    else merged[key] = (x * countA + y * countB) / (countA + countB);
  }
  return merged;
}

/** Points in order, at most `maxPoints` of them. */
export class BoundedSeries<T> {
  readonly points: T[] = [];
  /**
   * @param maxPoints the most points kept (at least 2)
   * @param merge one point standing for two neighbours (the earlier first)
   */
  constructor(readonly maxPoints: number, private readonly merge: (earlier: T, later: T) => T) {
    if (!Number.isInteger(maxPoints) || maxPoints < 2) {
      throw new RangeError(`live: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
    }
  }

  /** Appends a point; past the limit, halves the series by merging neighbours. */
  push(point: T): void {
    this.points.push(point);
    if (this.points.length <= this.maxPoints) return;
    const halved: T[] = [];
    for (let i = 0; i + 1 < this.points.length; i += 2) {
      halved.push(this.merge(this.points[i], this.points[i + 1]));
    }
    if (this.points.length % 2 === 1) halved.push(this.points[this.points.length - 1]);
    this.points.splice(0, this.points.length, ...halved);
  }

  /** The last point, if any. */
  last(): T | undefined {
    return this.points[this.points.length - 1];
  }

  /** Forgets every point. */
  clear(): void {
    this.points.length = 0;
  }
}
