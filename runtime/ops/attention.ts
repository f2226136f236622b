/**
 * Scaled dot-product attention, composed from the batched matmul, softmax and dropout ops (their
 * gradients carry it). It materialises the [.., L, S] score matrix; a tiled online-softmax kernel
 * that does not is a later step.
 */
import type { Tensor } from "../tensor.ts";
import { add, mul } from "./arithmetic.ts";
import { matmul } from "./matmul.ts";
import { softmax } from "./activation.ts";
import { le, where } from "./compare.ts";
import { dropout } from "./dropout_impl.ts";
import { arange } from "./creation.ts";
import { reshape, transpose } from "./shape_ops.ts";
import { expectFloat } from "./broadcast.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { broadcastShapes, formatShape } from "../shape.ts";

/** Options of scaledDotProductAttention (PyTorch 2's meaning). */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [.., L, S]. An int32 mask is boolean: nonzero where a query may attend to a
   * key (PyTorch's `True`), zero where not. A float32 mask is added to the scores (−Infinity
   * blocks).
   */
  attnMask?: Tensor | null;
  /** Each query i attends to keys j ≤ i only (with S ≠ L, the top-left-aligned triangle). */
  isCausal?: boolean;
  /** Dropout probability on the attention weights; pass 0 at evaluation. Default 0. */
  dropoutP?: number;
  /** Multiplies the scores; default 1/√E. */
  scale?: number | null;
}

const KEYS: OptionKeys<ScaledDotProductAttentionOptions> = {
  attnMask: true,
  isCausal: true,
  dropoutP: true,
  scale: true,
};

/**
 * The causal mask [L, S] as 1 where key j ≤ query i + offset, else 0 (float32), from arange and
 * `le`. The offset is the number of earlier positions (held in a key/value cache) before query 0.
 */
export function causalMask(queries: number, keys: number, offset = 0): Tensor {
  return le(
    reshape(arange(keys), [1, keys]),
    reshape(arange(offset, offset + queries), [queries, 1]),
  );
}

/** A mask as an additive float32 bias: int32 masks give 0 where allowed, −Infinity elsewhere. */
function additive(mask: Tensor, allowedWhereNonzero: boolean): Tensor {
  if (mask.dtype === "float32") return mask;
  const nonzero = mask.float();
  return allowedWhereNonzero ? where(nonzero, 0, -Infinity) : where(nonzero, -Infinity, 0);
}

/**
 * The attention weights and output: softmax(q·kᵀ·scale + mask) with dropout, and weights·v.
 * `mask` is an additive float32 bias or null. Shapes as scaledDotProductAttention.
 */
export function attention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  mask: Tensor | null,
  scale: number,
  dropoutP: number,
): { output: Tensor; weights: Tensor } {
  const scores = mul(matmul(query, transpose(key, -2, -1)), scale);
  const biased = mask === null ? scores : add(scores, mask);
  const weights = dropoutP > 0
    ? dropout(softmax(biased, -1), { p: dropoutP })
    : softmax(biased, -1);
  return { output: matmul(weights, value), weights };
}

/** Turns an options mask (int32 boolean or float32 additive) into an additive bias. */
export function additiveMask(
  op: string,
  mask: Tensor | null | undefined,
  allowedWhereNonzero: boolean,
  scoresShape: readonly number[],
): Tensor | null {
  if (mask === null || mask === undefined) return null;
  const fits = mask.ndim <= scoresShape.length &&
    mask.shape.every((n, i) => n === 1 || n === scoresShape[scoresShape.length - mask.ndim + i]);
  if (!fits) {
    throw new Error(
      `${op}: the mask of shape ${formatShape(mask.shape)} does not broadcast to the attention ` +
        `scores ${formatShape(scoresShape)}`,
    );
  }
  return additive(mask, allowedWhereNonzero);
}

/**
 * softmax(q·kᵀ·scale + mask)·v over the last two dims, with batch dims broadcast as in matmul:
 * query [.., L, E], key [.., S, E], value [.., S, Ev] → [.., L, Ev].
 * @example
 * const y = F.scaledDotProductAttention(q, k, v, { isCausal: true }); // [B, H, T, D]
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options?: ScaledDotProductAttentionOptions,
): Tensor {
  const o = checkOptions("scaledDotProductAttention", options, KEYS);
  expectFloat("scaledDotProductAttention", query, key, value);
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new Error(
      "scaledDotProductAttention: query, key and value need at least 2 dims ([.., L, E]), got " +
        `${formatShape(query.shape)}, ${formatShape(key.shape)} and ${formatShape(value.shape)}`,
    );
  }
  const [L, E] = query.shape.slice(-2), [S, Ek] = key.shape.slice(-2);
  if (E !== Ek || value.shape[value.ndim - 2] !== S) {
    throw new Error(
      `scaledDotProductAttention: query ${formatShape(query.shape)}, key ${
        formatShape(key.shape)
      } and value ${formatShape(value.shape)} do not fit: query and key need the same last dim, ` +
        "key and value the same number of positions",
    );
  }
  const dropoutP = o.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP <= 1)) {
    throw new RangeError(`scaledDotProductAttention: dropoutP must be in [0, 1], got ${dropoutP}`);
  }
  if (o.isCausal && o.attnMask) {
    throw new Error(
      "scaledDotProductAttention: pass either attnMask or isCausal, not both (fold the causal " +
        "mask into attnMask)",
    );
  }
  const batch = broadcastShapes(
    "scaledDotProductAttention",
    query.shape.slice(0, -2),
    key.shape.slice(0, -2),
  );
  const scoresShape = [...batch, L, S];
  const mask = o.isCausal
    ? where(causalMask(L, S), 0, -Infinity)
    : additiveMask("scaledDotProductAttention", o.attnMask, true, scoresShape);
  const scale = o.scale ?? 1 / Math.sqrt(E);
  return attention(query, key, value, mask, scale, dropoutP).output;
}
