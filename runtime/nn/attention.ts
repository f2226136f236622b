/**
 * `MultiheadAttention` as PyTorch's: parameters `in_proj_weight` [3E, E], `in_proj_bias` [3E] and
 * `out_proj` (a Linear), so a PyTorch state dict loads by name; the heads run through the batched
 * attention of ops/attention.ts.
 */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { Linear } from "./linear.ts";
import { full, uniform } from "../ops/creation.ts";
import { linear } from "../ops/matmul.ts";
import { mean } from "../ops/reduce.ts";
import { narrow, permute, reshape, squeeze, transpose, unsqueeze } from "../ops/shape_ops.ts";
import { add } from "../ops/arithmetic.ts";
import { additiveMask, attention } from "../ops/attention.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { registerModule } from "./registry.ts";
import type { AttentionCache } from "./attention_cache.ts";
import { formatShape } from "../shape.ts";

/** Options of nn.MultiheadAttention (PyTorch's, camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training. Default 0. */
  dropout?: number;
  /** Biases on the input and output projections. Default true. */
  bias?: boolean;
  /** Inputs and output as [batch, length, E] instead of [length, batch, E]. Default false. */
  batchFirst?: boolean;
}

const MODULE_KEYS: OptionKeys<MultiheadAttentionOptions> = {
  dropout: true,
  bias: true,
  batchFirst: true,
};

/**
 * Masks of a forward pass, as PyTorch 1.13's MultiheadAttention takes them: an int32 mask is
 * boolean with nonzero where attention is NOT allowed (PyTorch's `True`); a float32 mask is added
 * to the scores.
 */
export interface AttentionMasks {
  /** [batch, S] (or [S] unbatched): keys to ignore per batch element (padding). */
  keyPaddingMask?: Tensor | null;
  /** [L, S], or [batch·heads, L, S] for a mask per batch element and head. */
  attnMask?: Tensor | null;
  /**
   * Keys and values of earlier positions (inference): this call's are appended to it and the
   * queries attend to all of them, so S counts the cached positions too.
   */
  cache?: AttentionCache | null;
}

/** Options of `forwardWithWeights`. */
export interface AttentionWeightsOptions extends AttentionMasks {
  /** Return the attention weights. Default true. */
  needWeights?: boolean;
  /** Weights averaged over the heads [batch, L, S] (default), or per head [batch, heads, L, S]. */
  averageAttnWeights?: boolean;
}

const WEIGHTS_KEYS: OptionKeys<AttentionWeightsOptions> = {
  keyPaddingMask: true,
  attnMask: true,
  cache: true,
  needWeights: true,
  averageAttnWeights: true,
};

/**
 * Multi-head attention: each of `numHeads` heads attends with its slice of the projected query,
 * key and value; the heads are concatenated and projected. Query [L, batch, E], key and value
 * [S, batch, E] ([batch, L, E] with batchFirst; [L, E] unbatched) → output shaped as the query.
 * @example
 * const mha = new nn.MultiheadAttention(64, 4, { batchFirst: true });
 * const { output, weights } = mha.forwardWithWeights(x, x, x, { attnMask });
 */
export class MultiheadAttention extends Module {
  in_proj_weight: Tensor;
  in_proj_bias: Tensor | null;
  out_proj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options?: MultiheadAttentionOptions,
  ) {
    super();
    const o = checkOptions("MultiheadAttention", options, MODULE_KEYS);
    if (
      !Number.isInteger(embedDim) || embedDim < 1 || !Number.isInteger(numHeads) || numHeads < 1
    ) {
      throw new RangeError(
        `MultiheadAttention: embedDim and numHeads must be positive integers, got ${embedDim} and ${numHeads}`,
      );
    }
    if (embedDim % numHeads !== 0) {
      throw new RangeError(
        `MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`,
      );
    }
    this.headDim = embedDim / numHeads;
    this.dropout = o.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new RangeError(`MultiheadAttention: dropout must be in [0, 1], got ${this.dropout}`);
    }
    this.batchFirst = o.batchFirst ?? false;
    const bias = o.bias ?? true;
    // PyTorch: Xavier-uniform in-projection, zero biases, out_proj as a Linear with zero bias.
    const bound = Math.sqrt(6 / (embedDim + 3 * embedDim));
    this.in_proj_weight = parameter(uniform([3 * embedDim, embedDim], -bound, bound));
    this.in_proj_bias = bias ? parameter(full([3 * embedDim], 0)) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias });
    if (this.out_proj.bias) {
      this.out_proj.bias.dispose();
      this.out_proj.bias = parameter(full([embedDim], 0));
    }
  }

  /**
   * The attention output alone, with the masks in PyTorch's positional order (key padding
   * first); `forwardWithWeights` takes them by name and gives the weights too.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    keyPaddingMask?: Tensor | null,
    attnMask?: Tensor | null,
  ): Tensor {
    return this.forwardWithWeights(query, key, value, {
      keyPaddingMask,
      attnMask,
      needWeights: false,
    }).output;
  }

  /** The output and (with needWeights, the default) the attention weights. */
  forwardWithWeights(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options?: AttentionWeightsOptions,
  ): { output: Tensor; weights: Tensor | null } {
    const o = checkOptions("MultiheadAttention.forwardWithWeights", options, WEIGHTS_KEYS);
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    for (const [name, t] of [["query", query], ["key", key], ["value", value]] as const) {
      if ((t.ndim !== 3 && t.ndim !== 2) || t.shape[t.ndim - 1] !== E || t.ndim !== query.ndim) {
        throw new Error(
          `MultiheadAttention: expected ${name} ${
            this.batchFirst ? "[batch, length" : "[length, batch"
          }, ${E}] (or unbatched [length, ${E}], like the query), got ${formatShape(t.shape)}`,
        );
      }
    }
    const batched = query.ndim === 3;
    // To [length, batch, E].
    const toSequenceFirst = (t: Tensor) =>
      !batched ? unsqueeze(t, 1) : this.batchFirst ? transpose(t, 0, 1) : t;
    const q = toSequenceFirst(query), k = toSequenceFirst(key), v = toSequenceFirst(value);
    const [L, N] = q.shape, newKeys = k.shape[0];
    if (v.shape[0] !== newKeys || k.shape[1] !== N || v.shape[1] !== N) {
      throw new Error(
        `MultiheadAttention: key ${formatShape(key.shape)} and value ${
          formatShape(value.shape)
        } must have the same length, and the batch of the query ${formatShape(query.shape)}`,
      );
    }
    const [qp, kp, vp] = this.project(query, key, value, q, k, v);
    // [length, batch, E] → [batch, heads, length, D]
    const heads = (t: Tensor, length: number) =>
      permute(reshape(t, [length, N, H, D]), [1, 2, 0, 3]);
    let keys = heads(kp, newKeys), values = heads(vp, newKeys);
    if (o.cache) ({ key: keys, value: values } = o.cache.append(keys, values));
    const S = keys.shape[2];
    const scoresShape = [N, H, L, S];
    let mask = this.attnMask(o.attnMask, scoresShape);
    const padding = o.keyPaddingMask;
    if (padding !== null && padding !== undefined) {
      const expected = batched ? [N, S] : [S];
      if (formatShape(padding.shape) !== formatShape(expected)) {
        throw new Error(
          `MultiheadAttention: keyPaddingMask should be ${formatShape(expected)} (batch, key ` +
            `positions), got ${formatShape(padding.shape)}`,
        );
      }
      const bias = additiveMask(
        "MultiheadAttention",
        reshape(padding, [N, 1, 1, S]),
        false,
        scoresShape,
      )!;
      mask = mask === null ? bias : add(mask, bias);
    }
    const p = this.training ? this.dropout : 0;
    const result = attention(heads(qp, L), keys, values, mask, 1 / Math.sqrt(D), p);
    // [batch, heads, L, D] → [L, batch, E]
    const merged = reshape(permute(result.output, [2, 0, 1, 3]), [L, N, E]);
    const projected = this.out_proj.forward(merged);
    const output = !batched
      ? squeeze(projected, 1)
      : this.batchFirst
      ? transpose(projected, 0, 1)
      : projected;
    if (!(o.needWeights ?? true)) return { output, weights: null };
    const perHead = (o.averageAttnWeights ?? true) ? mean(result.weights, 1) : result.weights;
    return { output, weights: batched ? perHead : squeeze(perHead, 0) };
  }

  /**
   * The products of a call with query, key and value: the input projections (2·E² per query, key
   * and value row), the scores and the weighted sum of the values (2·E per query-key pair each),
   * and `out_proj` (2·E² per query row; it runs inside this call, not as a call of its own). The
   * softmax, masks and scaling are not counted.
   */
  override flops(inputs: readonly Tensor[]): number {
    const [query, key] = inputs;
    const E = this.embedDim;
    const queryRows = query.size / E, keyRows = key.size / E;
    const keyLength = key.ndim === 2 ? key.shape[0] : key.shape[this.batchFirst ? 1 : 0];
    return 2 * E * E * (queryRows + 2 * keyRows) + 4 * E * queryRows * keyLength +
      2 * E * E * queryRows;
  }

  /** Input projections; self-attention (one tensor as query, key and value) takes one GEMM. */
  private project(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    q: Tensor,
    k: Tensor,
    v: Tensor,
  ): Tensor[] {
    const E = this.embedDim;
    if (query === key && key === value) {
      const all = linear(q, this.in_proj_weight, this.in_proj_bias);
      return [0, 1, 2].map((i) => narrow(all, 2, i * E, E));
    }
    return [q, k, v].map((t, i) =>
      linear(
        t,
        narrow(this.in_proj_weight, 0, i * E, E),
        this.in_proj_bias ? narrow(this.in_proj_bias, 0, i * E, E) : null,
      )
    );
  }

  /** attnMask [L, S] or [batch·heads, L, S] as an additive bias broadcasting to [N, H, L, S]. */
  private attnMask(mask: Tensor | null | undefined, scoresShape: number[]): Tensor | null {
    if (mask === null || mask === undefined) return null;
    const [N, H, L, S] = scoresShape;
    if (mask.ndim === 2 && mask.shape[0] === L && mask.shape[1] === S) {
      return additiveMask("MultiheadAttention", mask, false, scoresShape);
    }
    if (mask.ndim === 3 && mask.shape[0] === N * H && mask.shape[1] === L && mask.shape[2] === S) {
      return additiveMask("MultiheadAttention", reshape(mask, scoresShape), false, scoresShape);
    }
    throw new Error(
      `MultiheadAttention: attnMask should be [${L}, ${S}] or [${
        N * H
      }, ${L}, ${S}] (batch·heads, ` +
        `target, source), got ${formatShape(mask.shape)}`,
    );
  }

  override toConfig(): ModuleConfig {
    return {
      type: "MultiheadAttention",
      options: {
        embedDim: this.embedDim,
        numHeads: this.numHeads,
        dropout: this.dropout,
        bias: this.in_proj_bias !== null,
        batchFirst: this.batchFirst,
      },
    };
  }
}

registerModule(
  "MultiheadAttention",
  ({ options: { embedDim, numHeads, ...rest } = {} }) =>
    new MultiheadAttention(embedDim as number, numHeads as number, rest),
);
