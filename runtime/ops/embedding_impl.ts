/**
 * Embedding lookup, re-exported by norm.ts (the private file keeps the op beside its gradient).
 * A lookup is indexSelect along the rows and its gradient indexAdd: the existing kernels do both
 * (with their bounds check), so no embedding kernel of its own.
 */
import type { Tensor } from "../tensor.ts";
import { zeroRowKernel } from "../backend/kernels/fill.ts";
import { indexAddKernel, IndexOutOfRange, indexSelectKernel } from "../backend/kernels/gather.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat } from "./broadcast.ts";
import { formatShape } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of embedding. */
export interface EmbeddingOptions {
  /** A row (negative counts from the end) that gets no gradient, e.g. for a padding token. */
  paddingIdx?: number | null;
}

/** The keys of EmbeddingOptions (nn.Embedding takes the same). */
export const EMBEDDING_KEYS: OptionKeys<EmbeddingOptions> = { paddingIdx: true };

/**
 * Rows of `weight` [numEmbeddings, dim] picked by int32 `indices` of any shape: output
 * [...indices.shape, dim]. The gradient adds each output row's gradient into the weight row it
 * came from (summing repeats), except for the paddingIdx row, which gets none.
 * @example embedding(tensor([[1, 4], [4, 0]], { dtype: "int32" }), table) // [2, 2, dim]
 */
export function embedding(
  indices: Tensor,
  weight: Tensor,
  options: EmbeddingOptions = {},
): Tensor {
  checkOptions("embedding", options, EMBEDDING_KEYS);
  if (indices.dtype !== "int32") {
    throw new TypeError(
      `embedding: the indices must be an int32 tensor, got ${indices.dtype}; create them with ` +
        '{ dtype: "int32" } or convert them with .int()',
    );
  }
  expectFloat("embedding", weight);
  if (weight.ndim !== 2) {
    throw new Error(
      `embedding: the weight must be 2-D [numEmbeddings, dim], got shape ${
        formatShape(weight.shape)
      }`,
    );
  }
  const [rows, dim] = weight.shape;
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
      throw new RangeError(
        `embedding: paddingIdx must be an integer in ${-rows}..${rows - 1} (the weight has ` +
          `${rows} rows), got ${paddingIdx}`,
      );
    }
    if (paddingIdx < 0) paddingIdx += rows;
  }
  const flat = indices.alias([indices.size]);
  let picked: Tensor;
  try {
    picked = indexSelectKernel(weight, 0, flat);
  } catch (error) {
    if (!(error instanceof IndexOutOfRange)) throw error;
    throw new IndexOutOfRange("embedding", error.position, error.value, error.bound);
  } finally {
    flat.dispose();
  }
  const out = picked.alias([...indices.shape, dim]);
  picked.dispose();
  const padding = paddingIdx;
  return record(out, "embedding", [weight], (g) => {
    const index = indices.alias([indices.size]);
    const rowsOfG = g.alias([indices.size, dim]);
    const grad = indexAddKernel(rowsOfG, 0, index, weight.shape);
    index.dispose();
    rowsOfG.dispose();
    if (padding !== null) zeroRowKernel(grad, padding);
    return [grad];
  });
}
