/** Helpers for ops that broadcast: scalars as tensors, and reducing a gradient to an input's shape. */
import { Tensor } from "../tensor.ts";
import { ReduceOp } from "../backend/kernels/reduce.ts";
import { filled } from "../backend/kernels/fill.ts";
import { reduceDim } from "../backend/kernels/reduce.ts";
import { sameShape } from "../shape.ts";

/** A tensor operand from a tensor or a number (a 0-d constant). */
export function toTensor(value: Tensor | number): Tensor {
  return value instanceof Tensor ? value : filled([], value);
}

/** Checks that an op got float32 tensors, naming the op and the offender. */
export function expectFloat(op: string, ...tensors: Tensor[]): void {
  for (const t of tensors) {
    if (t.dtype !== "float32") {
      throw new TypeError(
        `${op}: expected a float32 tensor, got ${t.dtype}; convert it with .float() first`,
      );
    }
  }
}

/**
 * Sums a gradient of the broadcast shape down to `shape` (the adjoint of broadcasting): leading
 * dims are summed away, and dims where `shape` has 1 are summed with keepdim. Returns g itself
 * when nothing needs summing.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  let current = g;
  for (let dim = g.ndim - 1; dim >= 0; dim--) {
    const target = dim < lead ? 1 : shape[dim - lead];
    if (target === 1 && g.shape[dim] !== 1) {
      const next = reduceDim(ReduceOp.Sum, current, dim, true);
      if (current !== g) current.dispose();
      current = next;
    }
  }
  const result = current.alias(shape);
  if (current !== g) current.dispose();
  return result;
}
