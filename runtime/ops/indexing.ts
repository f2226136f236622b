/** Indexing with int32 index tensors: gather (as torch.gather) and indexSelect, with their adjoints. */
import type { Tensor } from "../tensor.ts";
import {
  gatherKernel,
  indexAddKernel,
  indexSelectKernel,
  scatterAddKernel,
} from "../backend/kernels/gather.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat } from "./broadcast.ts";
import { formatShape, normalizeDim } from "../shape.ts";

function expectIndex(op: string, index: Tensor): void {
  if (index.dtype !== "int32") {
    throw new TypeError(
      `${op}: the index must be an int32 tensor, got ${index.dtype}; create it with ` +
        '{ dtype: "int32" } or convert it with .int()',
    );
  }
}

/**
 * out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (and likewise for other dims). The index has
 * x's rank and x's sizes in every dim but `dim`.
 * @example gather(logProbs, 1, labels.unsqueeze(1)) // [n, 1]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  expectFloat("gather", x);
  expectIndex("gather", index);
  const d = normalizeDim("gather", dim, x.ndim);
  const fits = index.ndim === x.ndim && index.shape.every((s, k) => k === d || s === x.shape[k]);
  if (!fits) {
    throw new Error(
      `gather: the index has shape ${formatShape(index.shape)} but the input has ` +
        `${formatShape(x.shape)}; they must agree in every dim except ${d}`,
    );
  }
  const out = gatherKernel(x, d, index);
  return record(out, "gather", [x], (g) => [scatterAddKernel(g, d, index, x.shape)]);
}

/**
 * The entries of `dim` listed by a 1-D int32 index, in its order (repeats allowed).
 * @example indexSelect(embeddings, 0, tokenIds)
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  expectFloat("indexSelect", x);
  expectIndex("indexSelect", index);
  if (index.ndim !== 1) {
    throw new Error(`indexSelect: the index must be 1-D, got shape ${formatShape(index.shape)}`);
  }
  const d = normalizeDim("indexSelect", dim, x.ndim);
  const out = indexSelectKernel(x, d, index);
  return record(out, "indexSelect", [x], (g) => [indexAddKernel(g, d, index, x.shape)]);
}
