/** Shape arithmetic shared by the ops: sizes, strides, broadcasting, dim normalisation. */

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major element strides of a contiguous tensor. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** `[2, 3]` as text, for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The numpy broadcast of two shapes; throws naming the op and both shapes when they don't fit. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together ` +
          `(dimension ${i} of the result: ${da} vs ${db}; sizes must match or one must be 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `target` (0 on broadcast dims), aligned right. */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  return target.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

/** Normalises a possibly negative dim for a tensor of rank `rank`; throws naming the op when out of range. */
export function normalizeDim(op: string, dim: number, rank: number): number {
  const lo = -Math.max(rank, 1), hi = Math.max(rank, 1) - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(
      `${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${lo}..${hi})`,
    );
  }
  return dim < 0 ? dim + Math.max(rank, 1) : dim;
}

/**
 * Merges adjacent dims that are contiguous in every operand, to cut the rank kernels iterate over.
 * `strides` holds one stride array per operand, each aligned with `shape`.
 */
export function collapseDims(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 &&
      strides.every((s, k) => outStrides[k][last] === s[i] * shape[i]);
    if (mergeable) {
      outShape[last] *= shape[i];
      strides.forEach((s, k) => (outStrides[k][last] = s[i]));
    } else {
      outShape.push(shape[i]);
      strides.forEach((s, k) => outStrides[k].push(s[i]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}

/**
 * A shape given as PyTorch takes it: as numbers (`reshape(4, 6)`) or as one array
 * (`reshape([4, 6])`).
 */
export type ShapeArgs = number[] | [readonly number[]];

/** The shape from `ShapeArgs`; throws naming the op when the arguments mix the two forms. */
export function shapeFromArgs(op: string, args: ShapeArgs): readonly number[] {
  if (args.length === 1 && Array.isArray(args[0])) return args[0];
  if (!args.every((d) => typeof d === "number")) {
    throw new TypeError(
      `${op}: give the sizes as numbers (${op}(4, 6)) or as one array (${op}([4, 6])), got ` +
        JSON.stringify(args),
    );
  }
  return args as number[];
}

/** Views `shape` around `dim` as [outer, size, inner]. */
export function splitAt(shape: readonly number[], dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim], sizeOf(shape.slice(dim + 1))];
}
