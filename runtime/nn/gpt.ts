/**
 * `GPT`: a decoder-only transformer language model (token and learned position embeddings,
 * pre-norm GELU blocks with causal self-attention, a final LayerNorm and a linear head), with a
 * cached forward pass for generation.
 */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { Embedding, LayerNorm } from "./normalization.ts";
import { Linear } from "./linear.ts";
import { LearnedPositionalEmbedding } from "./positional.ts";
import { TransformerEncoderLayer } from "./transformer.ts";
import { AttentionCache } from "./attention_cache.ts";
import { registerModule } from "./registry.ts";
import { add } from "../ops/arithmetic.ts";
import { where } from "../ops/compare.ts";
import { arange } from "../ops/creation.ts";
import { causalMask } from "../ops/attention.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { formatShape } from "../shape.ts";

/** Options of nn.GPT. */
export interface GPTOptions {
  /** Tokens in the vocabulary. Required. */
  vocabSize: number;
  /** Longest sequence (positions of the position table). Required. */
  contextLength: number;
  /** Width of the model. Default 128. */
  dModel?: number;
  /** Attention heads. Default 4. */
  nhead?: number;
  /** Transformer blocks. Default 4. */
  numLayers?: number;
  /** Width of the feed-forward blocks. Default 4·dModel. */
  dimFeedforward?: number;
  /** Dropout in the blocks. Default 0.1. */
  dropout?: number;
}

const KEYS: OptionKeys<GPTOptions> = {
  vocabSize: true,
  contextLength: true,
  dModel: true,
  nhead: true,
  numLayers: true,
  dimFeedforward: true,
  dropout: true,
};

/** What `generate` needs of a causal language model. */
export interface CausalLanguageModel {
  /** Longest sequence the model takes. */
  readonly contextLength: number;
  /** Logits [batch, steps, vocab] of int32 tokens [batch, steps], each seeing only earlier ones. */
  forward(tokens: Tensor): Tensor;
  /** As forward for the tokens that follow those already in `caches`, which it extends. */
  forwardCached(tokens: Tensor, caches: AttentionCache[]): Tensor;
  /** An empty cache, one entry per attention layer. */
  newCache(): AttentionCache[];
}

/**
 * Decoder-only transformer LM. Tokens int32 [batch, steps] (steps ≤ contextLength) → logits
 * [batch, steps, vocabSize].
 * @example
 * const model = new nn.GPT({ vocabSize: 65, contextLength: 128, dModel: 128, numLayers: 4 });
 * const loss = F.crossEntropy(model.forward(x).reshape(-1, 65), y.reshape(-1));
 */
export class GPT extends Module implements CausalLanguageModel {
  token_embedding: Embedding;
  position_embedding: LearnedPositionalEmbedding;
  layers: TransformerEncoderLayer[];
  norm: LayerNorm;
  head: Linear;
  readonly contextLength: number;
  private readonly settings: Required<GPTOptions>;

  constructor(options: GPTOptions) {
    super();
    const o = checkOptions("GPT", options, KEYS);
    for (const key of ["vocabSize", "contextLength"] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) {
        throw new RangeError(`GPT: ${key} must be a positive integer, got ${o[key]}`);
      }
    }
    const dModel = o.dModel ?? 128;
    this.settings = {
      vocabSize: o.vocabSize,
      contextLength: o.contextLength,
      dModel,
      nhead: o.nhead ?? 4,
      numLayers: o.numLayers ?? 4,
      dimFeedforward: o.dimFeedforward ?? 4 * dModel,
      dropout: o.dropout ?? 0.1,
    };
    const s = this.settings;
    this.contextLength = s.contextLength;
    this.token_embedding = new Embedding(s.vocabSize, dModel);
    this.position_embedding = new LearnedPositionalEmbedding(s.contextLength, dModel);
    this.layers = Array.from(
      { length: s.numLayers },
      () =>
        new TransformerEncoderLayer(dModel, s.nhead, {
          dimFeedforward: s.dimFeedforward,
          dropout: s.dropout,
          activation: "gelu",
          normFirst: true,
          batchFirst: true,
        }),
    );
    this.norm = new LayerNorm(dModel);
    this.head = new Linear(dModel, s.vocabSize, { bias: false });
  }

  forward(tokens: Tensor): Tensor {
    return this.run(tokens, null);
  }

  forwardCached(tokens: Tensor, caches: AttentionCache[]): Tensor {
    if (caches.length !== this.layers.length) {
      throw new Error(
        `GPT: expected a cache per layer (${this.layers.length}), got ${caches.length}; make it ` +
          "with newCache()",
      );
    }
    return this.run(tokens, caches);
  }

  newCache(): AttentionCache[] {
    return this.layers.map(() => new AttentionCache());
  }

  private run(tokens: Tensor, caches: AttentionCache[] | null): Tensor {
    if (tokens.ndim !== 2 || tokens.dtype !== "int32") {
      throw new Error(
        `GPT: expected int32 tokens [batch, steps], got ${
          formatShape(tokens.shape)
        } ${tokens.dtype}`,
      );
    }
    const steps = tokens.shape[1];
    const past = caches ? caches[0].length : 0;
    if (past + steps > this.contextLength) {
      throw new RangeError(
        `GPT: ${past + steps} positions (${past} cached + ${steps} new) exceed the context ` +
          `length ${this.contextLength}`,
      );
    }
    const positions = arange(past, past + steps, 1, { dtype: "int32" });
    let x = add(this.token_embedding.forward(tokens), this.position_embedding.forward(positions));
    const mask = where(causalMask(steps, past + steps, past), 0, -Infinity);
    this.layers.forEach((layer, i) => {
      x = layer.forwardCached(x, caches ? caches[i] : null, mask);
    });
    return this.head.forward(this.norm.forward(x));
  }

  override toConfig(): ModuleConfig {
    return { type: "GPT", options: { ...this.settings } };
  }
}

registerModule("GPT", ({ options = {} }) => new GPT(options as unknown as GPTOptions));
