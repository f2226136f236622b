/**
 * A series of points in bounded memory: past `maxPoints`, neighbouring points are merged in pairs
 * (so the series halves and keeps its shape), which is what lets a live page hold a run of
 * millions of steps.
 */

export { mergeValues, type PointValues } from "./merge_values.js";

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
