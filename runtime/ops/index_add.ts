/** `indexAdd` (torch.index_add): adding slices of a source into the entries of a dim that an index lists. */
import type { Tensor } from "../tensor.ts";
import { BinaryOp } from "../backend/kernels/elementwise.ts";
import { binary } from "../backend/kernels/elementwise.ts";
import { indexAddKernel, indexSelectKernel } from "../backend/kernels/gather.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat } from "./broadcast.ts";
import { formatShape, normalizeDim } from "../shape.ts";

/**
 * x with source's slices added along `dim`: out[..., index[j], ...] += source[..., j, ...], for a
 * 1-D int32 index (repeats add up). `source` has x's shape except along `dim`, where its size is
 * the index's length. The gradient is g for x and g's slices picked by the index for source.
 * @example indexAdd(zeros([3, 2]), 0, tensor([0, 2, 0], { dtype: "int32" }), ones([3, 2]))
 * // [[2, 2], [0, 0], [1, 1]]
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  expectFloat("indexAdd", x, source);
  if (index.dtype !== "int32" || index.ndim !== 1) {
    throw new TypeError(
      `indexAdd: the index must be a 1-D int32 tensor, got ${index.dtype} of shape ` +
        `${formatShape(index.shape)}; create it with { dtype: "int32" } or convert it with .int()`,
    );
  }
  const d = normalizeDim("indexAdd", dim, x.ndim);
  const fits = source.ndim === x.ndim &&
    source.shape.every((s, k) => s === (k === d ? index.size : x.shape[k]));
  if (!fits) {
    throw new Error(
      `indexAdd: the source has shape ${formatShape(source.shape)} but must have x's shape ` +
        `${formatShape(x.shape)} with ${index.size} (the index's length) in dim ${d}`,
    );
  }
  const out = indexAddKernel(source, d, index, x.shape);
  binary("indexAdd", BinaryOp.Add, out, x, 0, 0, out);
  return record(out, "indexAdd", [x, source], (g) => [
    x.requiresGrad ? g : null,
    source.requiresGrad ? indexSelectKernel(g, d, index) : null,
  ]);
}
