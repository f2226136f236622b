/**
 * Transformer layers as PyTorch's (`torch.nn.TransformerEncoderLayer`, `TransformerDecoderLayer`,
 * `TransformerEncoder`, `TransformerDecoder`, `Transformer`), with PyTorch's field names
 * (`self_attn`, `linear1`, `norm1`, `layers.0`, `encoder.norm`, ...) so state dicts load by name.
 * Masks follow MultiheadAttention: int32 masks are boolean with nonzero where attention is not
 * allowed, float32 masks are added to the scores.
 */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { Linear } from "./linear.ts";
import { Dropout, LayerNorm } from "./normalization.ts";
import { MultiheadAttention } from "./attention.ts";
import { parameter } from "./parameter.ts";
import { moduleFromConfig, registerModule } from "./registry.ts";
import { add } from "../ops/arithmetic.ts";
import { gelu, relu } from "../ops/activation.ts";
import { uniform } from "../ops/creation.ts";
import { where } from "../ops/compare.ts";
import { causalMask } from "../ops/attention.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import type { AttentionCache } from "./attention_cache.ts";

/** Options shared by the transformer layers (PyTorch's defaults). */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block. Default 2048. */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block. Default 0.1. */
  dropout?: number;
  /** Activation of the feed-forward block: "relu" (default) or "gelu" (exact erf form). */
  activation?: "relu" | "gelu";
  /** Layer-norm epsilon. Default 1e-5. */
  layerNormEps?: number;
  /** Inputs as [batch, length, dModel] instead of [length, batch, dModel]. Default false. */
  batchFirst?: boolean;
  /** Normalise before each block (pre-norm) instead of after the residual sum. Default false. */
  normFirst?: boolean;
}

const LAYER_KEYS: OptionKeys<TransformerLayerOptions> = {
  dimFeedforward: true,
  dropout: true,
  activation: true,
  layerNormEps: true,
  batchFirst: true,
  normFirst: true,
};

interface ResolvedLayerOptions {
  dimFeedforward: number;
  dropout: number;
  activation: "relu" | "gelu";
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
}

function resolve(
  where: string,
  options: TransformerLayerOptions | undefined,
): ResolvedLayerOptions {
  const o = checkOptions(where, options, LAYER_KEYS);
  const activation = o.activation ?? "relu";
  if (activation !== "relu" && activation !== "gelu") {
    throw new Error(
      `${where}: activation must be "relu" or "gelu", got ${JSON.stringify(activation)}`,
    );
  }
  return {
    dimFeedforward: o.dimFeedforward ?? 2048,
    dropout: o.dropout ?? 0.1,
    activation,
    layerNormEps: o.layerNormEps ?? 1e-5,
    batchFirst: o.batchFirst ?? false,
    normFirst: o.normFirst ?? false,
  };
}

/** The feed-forward block's activation. */
function activate(kind: "relu" | "gelu", x: Tensor): Tensor {
  return kind === "relu" ? relu(x) : gelu(x);
}

/**
 * Self-attention and a feed-forward block, each with a residual connection and layer norm (after
 * the sum, or before the block with normFirst). src [length, batch, dModel] ([batch, length,
 * dModel] with batchFirst) → same shape.
 * @example
 * const layer = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true });
 * const y = layer.forward(x, nn.Transformer.generateSquareSubsequentMask(x.shape[1]));
 */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  private readonly settings: ResolvedLayerOptions;

  constructor(readonly dModel: number, readonly nhead: number, options?: TransformerLayerOptions) {
    super();
    const o = resolve("TransformerEncoderLayer", options);
    this.settings = o;
    this.self_attn = new MultiheadAttention(dModel, nhead, {
      dropout: o.dropout,
      batchFirst: o.batchFirst,
    });
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
  }

  /** src with the optional srcMask [L, L] (or [batch·heads, L, L]) and srcKeyPaddingMask [batch, L]. */
  forward(src: Tensor, srcMask?: Tensor | null, srcKeyPaddingMask?: Tensor | null): Tensor {
    return this.forwardCached(src, null, srcMask, srcKeyPaddingMask);
  }

  /**
   * As `forward`, with the self-attention's keys and values of earlier positions in `cache`
   * (inference; this call's are appended): the masks then cover the cached positions too,
   * [L, cached + L].
   */
  forwardCached(
    src: Tensor,
    cache: AttentionCache | null,
    srcMask?: Tensor | null,
    srcKeyPaddingMask?: Tensor | null,
  ): Tensor {
    const selfAttention = (x: Tensor) =>
      this.dropout1.forward(
        this.self_attn.forwardWithWeights(x, x, x, {
          keyPaddingMask: srcKeyPaddingMask,
          attnMask: srcMask,
          needWeights: false,
          cache,
        }).output,
      );
    const feedForward = (x: Tensor) =>
      this.dropout2.forward(
        this.linear2.forward(
          this.dropout.forward(activate(this.settings.activation, this.linear1.forward(x))),
        ),
      );
    let x = src;
    if (this.settings.normFirst) {
      x = add(x, selfAttention(this.norm1.forward(x)));
      return add(x, feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(add(x, selfAttention(x)));
    return this.norm2.forward(add(x, feedForward(x)));
  }

  override toConfig(): ModuleConfig {
    return {
      type: "TransformerEncoderLayer",
      options: { dModel: this.dModel, nhead: this.nhead, ...this.settings },
    };
  }
}

/**
 * Self-attention over the target, attention to the encoder's memory, and a feed-forward block,
 * each with a residual connection and layer norm. tgt [T, batch, dModel], memory [S, batch,
 * dModel] ([batch, ...] with batchFirst) → shaped as tgt.
 */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  private readonly settings: ResolvedLayerOptions;

  constructor(readonly dModel: number, readonly nhead: number, options?: TransformerLayerOptions) {
    super();
    const o = resolve("TransformerDecoderLayer", options);
    this.settings = o;
    const attentionOptions = { dropout: o.dropout, batchFirst: o.batchFirst };
    this.self_attn = new MultiheadAttention(dModel, nhead, attentionOptions);
    this.multihead_attn = new MultiheadAttention(dModel, nhead, attentionOptions);
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm3 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
  }

  /** The masks in PyTorch's positional order; see TransformerEncoderLayer for their shapes. */
  forward(
    tgt: Tensor,
    memory: Tensor,
    tgtMask?: Tensor | null,
    memoryMask?: Tensor | null,
    tgtKeyPaddingMask?: Tensor | null,
    memoryKeyPaddingMask?: Tensor | null,
  ): Tensor {
    const selfAttention = (x: Tensor) =>
      this.dropout1.forward(this.self_attn.forward(x, x, x, tgtKeyPaddingMask, tgtMask));
    const crossAttention = (x: Tensor) =>
      this.dropout2.forward(
        this.multihead_attn.forward(x, memory, memory, memoryKeyPaddingMask, memoryMask),
      );
    const feedForward = (x: Tensor) =>
      this.dropout3.forward(
        this.linear2.forward(
          this.dropout.forward(activate(this.settings.activation, this.linear1.forward(x))),
        ),
      );
    let x = tgt;
    if (this.settings.normFirst) {
      x = add(x, selfAttention(this.norm1.forward(x)));
      x = add(x, crossAttention(this.norm2.forward(x)));
      return add(x, feedForward(this.norm3.forward(x)));
    }
    x = this.norm1.forward(add(x, selfAttention(x)));
    x = this.norm2.forward(add(x, crossAttention(x)));
    return this.norm3.forward(add(x, feedForward(x)));
  }

  override toConfig(): ModuleConfig {
    return {
      type: "TransformerDecoderLayer",
      options: { dModel: this.dModel, nhead: this.nhead, ...this.settings },
    };
  }
}

for (
  const [name, Type] of [
    ["TransformerEncoderLayer", TransformerEncoderLayer],
    ["TransformerDecoderLayer", TransformerDecoderLayer],
  ] as const
) {
  registerModule(
    name,
    ({ options: { dModel, nhead, ...rest } = {} }) =>
      new Type(dModel as number, nhead as number, rest as TransformerLayerOptions),
  );
}

/** Copies of a layer with the same values (PyTorch deep-copies the layer it is given). */
function clones<T extends Module>(layer: T, count: number): T[] {
  return Array.from({ length: count }, () => {
    const copy = moduleFromConfig(layer.toConfig()) as T;
    copy.loadStateDict(layer.stateDict());
    return copy;
  });
}

function checkCount(where: string, numLayers: number): void {
  if (!Number.isInteger(numLayers) || numLayers < 1) {
    throw new RangeError(`${where}: numLayers must be a positive integer, got ${numLayers}`);
  }
}

/** Options of TransformerEncoder / TransformerDecoder. */
export interface TransformerStackOptions {
  /** A final normalisation after the last layer (e.g. a LayerNorm). Default none. */
  norm?: Module | null;
}

const STACK_KEYS: OptionKeys<TransformerStackOptions> = { norm: true };

/**
 * `numLayers` copies of an encoder layer, applied in turn, then the optional norm. Shapes as the
 * layer's.
 * @example const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(64, 4), 2);
 */
export class TransformerEncoder extends Module {
  layers: TransformerEncoderLayer[];
  norm: Module | null;
  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    options?: TransformerStackOptions,
  ) {
    super();
    checkCount("TransformerEncoder", numLayers);
    this.layers = clones(encoderLayer, numLayers);
    this.norm = checkOptions("TransformerEncoder", options, STACK_KEYS).norm ?? null;
  }
  /** src through every layer with the same masks (PyTorch's mask and src_key_padding_mask). */
  forward(src: Tensor, mask?: Tensor | null, srcKeyPaddingMask?: Tensor | null): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, mask, srcKeyPaddingMask);
    return this.norm ? this.norm.forward(x) : x;
  }
  override toConfig(): ModuleConfig {
    return stackConfig("TransformerEncoder", this.numLayers, this.layers[0], this.norm);
  }
}

/** `numLayers` copies of a decoder layer, applied in turn, then the optional norm. */
export class TransformerDecoder extends Module {
  layers: TransformerDecoderLayer[];
  norm: Module | null;
  constructor(
    decoderLayer: TransformerDecoderLayer,
    readonly numLayers: number,
    options?: TransformerStackOptions,
  ) {
    super();
    checkCount("TransformerDecoder", numLayers);
    this.layers = clones(decoderLayer, numLayers);
    this.norm = checkOptions("TransformerDecoder", options, STACK_KEYS).norm ?? null;
  }
  /** tgt through every layer, each attending to memory; masks as TransformerDecoderLayer's. */
  forward(
    tgt: Tensor,
    memory: Tensor,
    tgtMask?: Tensor | null,
    memoryMask?: Tensor | null,
    tgtKeyPaddingMask?: Tensor | null,
    memoryKeyPaddingMask?: Tensor | null,
  ): Tensor {
    let x = tgt;
    for (const layer of this.layers) {
      x = layer.forward(x, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
    }
    return this.norm ? this.norm.forward(x) : x;
  }
  override toConfig(): ModuleConfig {
    return stackConfig("TransformerDecoder", this.numLayers, this.layers[0], this.norm);
  }
}

/** A stack's config: the layer (and the norm) as children. */
function stackConfig(
  type: string,
  numLayers: number,
  layer: Module,
  norm: Module | null,
): ModuleConfig {
  const children = norm ? [layer.toConfig(), norm.toConfig()] : [layer.toConfig()];
  return { type, options: { numLayers }, children };
}

registerModule("TransformerEncoder", ({ options = {}, children = [] }) =>
  new TransformerEncoder(
    moduleFromConfig(children[0]) as TransformerEncoderLayer,
    options.numLayers as number,
    { norm: children[1] ? moduleFromConfig(children[1]) : null },
  ));
registerModule("TransformerDecoder", ({ options = {}, children = [] }) =>
  new TransformerDecoder(
    moduleFromConfig(children[0]) as TransformerDecoderLayer,
    options.numLayers as number,
    { norm: children[1] ? moduleFromConfig(children[1]) : null },
  ));

/** Options of nn.Transformer: the layer options and the sizes (PyTorch's defaults). */
export interface TransformerOptions extends TransformerLayerOptions {
  /** Width of the model. Default 512. */
  dModel?: number;
  /** Attention heads. Default 8. */
  nhead?: number;
  /** Encoder layers. Default 6. */
  numEncoderLayers?: number;
  /** Decoder layers. Default 6. */
  numDecoderLayers?: number;
}

const TRANSFORMER_KEYS: OptionKeys<TransformerOptions> = {
  ...LAYER_KEYS,
  dModel: true,
  nhead: true,
  numEncoderLayers: true,
  numDecoderLayers: true,
};

/**
 * The encoder-decoder transformer of "Attention is all you need", as torch.nn.Transformer: an
 * encoder and a decoder stack, each closed by a LayerNorm; every weight matrix starts
 * Xavier-uniform. src [S, batch, dModel], tgt [T, batch, dModel] ([batch, ...] with batchFirst)
 * → [T, batch, dModel].
 * @example
 * const model = new nn.Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, batchFirst: true });
 * const y = model.forward(src, tgt, null, nn.Transformer.generateSquareSubsequentMask(tgt.shape[1]));
 */
export class Transformer extends Module {
  encoder: TransformerEncoder;
  decoder: TransformerDecoder;
  private readonly settings: Required<TransformerOptions>;
  constructor(options?: TransformerOptions) {
    super();
    const o = checkOptions("Transformer", options, TRANSFORMER_KEYS);
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, ...rest } = o;
    const layer = resolve("Transformer", rest);
    this.settings = { dModel, nhead, numEncoderLayers, numDecoderLayers, ...layer };
    const norm = () => new LayerNorm(dModel, { eps: layer.layerNormEps });
    this.encoder = new TransformerEncoder(
      new TransformerEncoderLayer(dModel, nhead, layer),
      numEncoderLayers,
      { norm: norm() },
    );
    this.decoder = new TransformerDecoder(
      new TransformerDecoderLayer(dModel, nhead, layer),
      numDecoderLayers,
      { norm: norm() },
    );
    // PyTorch's _reset_parameters: Xavier-uniform for every parameter of two or more dims.
    for (const [, module] of this.namedModules()) {
      const fields = module as unknown as Record<string, unknown>;
      for (const [name, p] of module.namedParameters()) {
        if (name.includes(".") || p.ndim < 2) continue;
        const shape = [...p.shape], [fanOut, fanIn] = shape;
        const bound = Math.sqrt(6 / (fanIn + fanOut));
        p.dispose();
        fields[name] = parameter(uniform(shape, -bound, bound));
      }
    }
  }

  /** The masks in PyTorch's positional order; memory is the encoder's output. */
  forward(
    src: Tensor,
    tgt: Tensor,
    srcMask?: Tensor | null,
    tgtMask?: Tensor | null,
    memoryMask?: Tensor | null,
    srcKeyPaddingMask?: Tensor | null,
    tgtKeyPaddingMask?: Tensor | null,
    memoryKeyPaddingMask?: Tensor | null,
  ): Tensor {
    const memory = this.encoder.forward(src, srcMask, srcKeyPaddingMask);
    return this.decoder.forward(
      tgt,
      memory,
      tgtMask,
      memoryMask,
      tgtKeyPaddingMask,
      memoryKeyPaddingMask,
    );
  }

  /** [size, size] float mask: 0 where key j ≤ query i, −Infinity above the diagonal. */
  static generateSquareSubsequentMask(size: number): Tensor {
    return where(causalMask(size, size), 0, -Infinity);
  }

  override toConfig(): ModuleConfig {
    return { type: "Transformer", options: { ...this.settings } };
  }
}

registerModule("Transformer", ({ options = {} }) => new Transformer(options as TransformerOptions));
