/** BatchNorm1d/2d, LayerNorm, Dropout and Embedding modules. */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { buffer, parameter } from "./parameter.ts";
import { full, randn, tensor } from "../ops/creation.ts";
import { batchNorm, dropout, embedding, layerNorm } from "../ops/norm.ts";
import { EMBEDDING_KEYS, type EmbeddingOptions } from "../ops/embedding_impl.ts";
import { registerModule } from "./registry.ts";
import { formatShape } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of the batch-norm modules (PyTorch's defaults). */
export interface BatchNormModuleOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

const BATCH_NORM_MODULE_KEYS: OptionKeys<BatchNormModuleOptions> = {
  eps: true,
  momentum: true,
  affine: true,
  trackRunningStats: true,
};

/** Options of LayerNorm (PyTorch's defaults). */
export interface LayerNormModuleOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Learn a per-element scale and shift. Default true. */
  elementwiseAffine?: boolean;
}

const LAYER_NORM_MODULE_KEYS: OptionKeys<LayerNormModuleOptions> = {
  eps: true,
  elementwiseAffine: true,
};

abstract class BatchNormBase extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  constructor(
    readonly numFeatures: number,
    options: BatchNormModuleOptions,
    private readonly ranks: number[],
  ) {
    super();
    checkOptions(this.constructor.name, options, BATCH_NORM_MODULE_KEYS);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? parameter(full([numFeatures], 1)) : null;
    this.bias = affine ? parameter(full([numFeatures], 0)) : null;
    this.runningMean = trackRunningStats ? buffer(full([numFeatures], 0)) : null;
    this.runningVar = trackRunningStats ? buffer(full([numFeatures], 1)) : null;
  }
  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim)) {
      throw new Error(
        `${this.constructor.name}: expected an input of rank ${
          this.ranks.join(" or ")
        }, got shape ` +
          formatShape(x.shape),
      );
    }
    const useBatchStats = this.training || this.runningMean === null;
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: useBatchStats,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
  /** 2 per output element: a scale and a shift, the statistics folded in as at inference. */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return 2 * output.size;
  }
  override toConfig(): ModuleConfig {
    return {
      type: this.constructor.name,
      options: {
        numFeatures: this.numFeatures,
        eps: this.eps,
        momentum: this.momentum,
        affine: this.weight !== null,
        trackRunningStats: this.runningMean !== null,
      },
    };
  }
}

/**
 * Batch norm over [N, C] or [N, C, L]: per-feature statistics of the batch in training (running
 * statistics updated with `momentum`), the running statistics in eval mode.
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/** Batch norm over [N, C, H, W], per channel. @example new nn.BatchNorm2d(64) */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [4]);
  }
}

for (const [name, Type] of [["BatchNorm1d", BatchNorm1d], ["BatchNorm2d", BatchNorm2d]] as const) {
  registerModule(
    name,
    ({ options: { numFeatures, ...rest } = {} }) =>
      new Type(numFeatures as number, rest as BatchNormModuleOptions),
  );
}

/** Layer norm over the trailing `normalizedShape` dims, with a learned scale and shift. */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: number[];
  constructor(
    normalizedShape: number | number[],
    readonly options: LayerNormModuleOptions = {},
  ) {
    super();
    checkOptions("LayerNorm", options, LAYER_NORM_MODULE_KEYS);
    this.normalizedShape = typeof normalizedShape === "number"
      ? [normalizedShape]
      : [...normalizedShape];
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? parameter(full(this.normalizedShape, 1)) : null;
    this.bias = affine ? parameter(full(this.normalizedShape, 0)) : null;
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.options.eps });
  }
  /** 2 per output element, as batch norm. */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return 2 * output.size;
  }
  override toConfig(): ModuleConfig {
    return {
      type: "LayerNorm",
      options: { normalizedShape: this.normalizedShape, ...this.options },
    };
  }
}
registerModule(
  "LayerNorm",
  ({ options: { normalizedShape, ...rest } = {} }) =>
    new LayerNorm(normalizedShape as number[], rest),
);

/** Zeroes elements with probability p in training (survivors scaled by 1/(1−p)); identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }
  /** None: the identity in evaluation mode, where summary runs. */
  override flops(): number {
    return 0;
  }
  override toConfig(): ModuleConfig {
    return { type: "Dropout", options: { p: this.p } };
  }
}
registerModule("Dropout", ({ options: o = {} }) => new Dropout(o.p as number));

/** A lookup table: int32 indices [*] → rows of weight [numEmbeddings, embeddingDim], N(0, 1) at start. */
export class Embedding extends Module {
  weight: Tensor;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    readonly options: EmbeddingOptions = {},
  ) {
    super();
    checkOptions("Embedding", options, EMBEDDING_KEYS);
    const initial = randn([numEmbeddings, embeddingDim]);
    const padding = options.paddingIdx;
    if (padding !== undefined && padding !== null) {
      // PyTorch zeroes the padding row at start; it then never gets a gradient.
      const row = padding < 0 ? padding + numEmbeddings : padding;
      const values = initial.data() as Float32Array;
      values.fill(0, row * embeddingDim, (row + 1) * embeddingDim);
      initial.dispose();
      this.weight = parameter(tensor(values, { shape: [numEmbeddings, embeddingDim] }));
    } else {
      this.weight = parameter(initial);
    }
  }
  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, this.options);
  }
  /** None: a lookup. */
  override flops(): number {
    return 0;
  }
  override toConfig(): ModuleConfig {
    return {
      type: "Embedding",
      options: {
        numEmbeddings: this.numEmbeddings,
        embeddingDim: this.embeddingDim,
        ...this.options,
      },
    };
  }
}
registerModule(
  "Embedding",
  ({ options: { numEmbeddings, embeddingDim, ...rest } = {} }) =>
    new Embedding(numEmbeddings as number, embeddingDim as number, rest),
);
