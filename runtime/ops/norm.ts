/**
 * Normalisation and the other layers of the convolution family that are not convolutions:
 * batchNorm and layerNorm beside their gradients here; dropout and embedding in their own files,
 * re-exported.
 */
import type { Tensor } from "../tensor.ts";
import { cast } from "../backend/kernels/fill.ts";
import {
  batchNormBackwardKernel,
  batchNormForwardKernel,
  batchNormStatsKernel,
  type ChannelLayout,
} from "../backend/kernels/norm.ts";
import { record } from "../autograd/engine.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { expectFloat } from "./broadcast.ts";
import { add, mul } from "./arithmetic.ts";
import { formatShape, sameShape, sizeOf } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

export { dropout, type DropoutOptions } from "./dropout_impl.ts";
export { embedding, type EmbeddingOptions } from "./embedding_impl.ts";

/** Options of batchNorm (PyTorch's meaning). */
export interface BatchNormOptions {
  /**
   * Normalise with the batch's statistics and update the running ones (true), or with the
   * running statistics (false, the default).
   */
  training?: boolean;
  /** Weight of the batch statistics in the running update. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

/** Options of layerNorm. */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

const BATCH_NORM_KEYS: OptionKeys<BatchNormOptions> = { training: true, momentum: true, eps: true };
const LAYER_NORM_KEYS: OptionKeys<LayerNormOptions> = { eps: true };

/** Checks a per-channel tensor (running stats, weight, bias): float32 with C elements. */
function checkChannels(name: string, t: Tensor | null, channels: number, x: Tensor): void {
  if (t === null) return;
  expectFloat("batchNorm", t);
  if (t.size !== channels) {
    throw new Error(
      `batchNorm: ${name} should have ${channels} elements (one per channel of the input of ` +
        `shape ${formatShape(x.shape)}), got shape ${formatShape(t.shape)}`,
    );
  }
}

/**
 * Batch normalisation over the channel dim 1 of [N, C], [N, C, L] or [N, C, H, W] inputs:
 * y = (x − mean) / sqrt(var + eps) · weight + bias per channel. In training the mean and biased
 * variance are the batch's (over N and the spatial dims) and the running statistics, when given,
 * are updated in place: running = (1 − momentum)·running + momentum·batch, with the unbiased
 * batch variance. In evaluation the running statistics are used. Gradients for x, weight and bias
 * (through the batch statistics in training).
 * @example
 * const y = batchNorm(x, runningMean, runningVar, gamma, beta, { training: true });
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: BatchNormOptions = {},
): Tensor {
  checkOptions("batchNorm", options, BATCH_NORM_KEYS);
  expectFloat("batchNorm", x);
  if (x.ndim < 2) {
    throw new Error(
      `batchNorm: expected an input [N, C, *] of rank 2 or more, got shape ${formatShape(x.shape)}`,
    );
  }
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const [N, C] = x.shape;
  const layout: ChannelLayout = [N, C, sizeOf(x.shape.slice(2))];
  checkChannels("runningMean", runningMean, C, x);
  checkChannels("runningVar", runningVar, C, x);
  checkChannels("weight", weight, C, x);
  checkChannels("bias", bias, C, x);
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  const recording = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  let stats: { mean: Tensor; variance: Tensor };
  if (training) {
    if (N * layout[2] <= 1) {
      throw new Error(
        "batchNorm: expected more than 1 value per channel when training, got an input of " +
          `shape ${formatShape(x.shape)}`,
      );
    }
    stats = batchNormStatsKernel(x, layout, { mean: runningMean, variance: runningVar, momentum });
  } else {
    if (runningMean === null || runningVar === null) {
      throw new Error(
        "batchNorm: runningMean and runningVar are required in evaluation mode " +
          "(pass { training: true } to normalise with the batch's statistics)",
      );
    }
    // Copies, so that a later in-place update of the running statistics leaves this gradient be.
    stats = recording
      ? { mean: cast(runningMean, "float32"), variance: cast(runningVar, "float32") }
      : { mean: runningMean, variance: runningVar };
  }
  const out = batchNormForwardKernel(x, layout, stats.mean, stats.variance, weight, bias, eps);
  if (!recording) {
    if (training) {
      stats.mean.dispose();
      stats.variance.dispose();
    }
    return out;
  }
  // d/dx through the batch statistics (training):
  // dx = w/σ · (g − mean(g) − x̂·mean(g·x̂)); with fixed statistics dx = w/σ · g.
  return record(out, "batchNorm", inputs, (g) => {
    const { gradInput, sumG, sumGXhat } = batchNormBackwardKernel(g, x, layout, stats, weight, {
      eps,
      training,
      withInput: x.requiresGrad,
    });
    const gradWeight = weight?.requiresGrad ? sumGXhat.alias(weight.shape) : null;
    const gradBias = bias?.requiresGrad ? sumG.alias(bias.shape) : null;
    sumG.dispose();
    sumGXhat.dispose();
    const grads = [gradInput];
    if (weight !== null) grads.push(gradWeight);
    if (bias !== null) grads.push(gradBias);
    return grads;
  });
}

/**
 * Normalises x over its last dims (those of normalizedShape), without affine parameters: the
 * statistics of a row are those of a batch-norm channel of x viewed as [1, rows, D], so the
 * batch-norm kernels serve (training mode: the gradient flows through the row statistics).
 */
function normalizeRows(x: Tensor, rows: number, size: number, eps: number): Tensor {
  const layout: ChannelLayout = [1, rows, size];
  const stats = batchNormStatsKernel(x, layout, { mean: null, variance: null, momentum: 0 });
  const out = batchNormForwardKernel(x, layout, stats.mean, stats.variance, null, null, eps);
  if (!(isGradEnabled() && x.requiresGrad)) {
    stats.mean.dispose();
    stats.variance.dispose();
    return out;
  }
  return record(out, "layerNorm", [x], (g) => {
    const { gradInput, sumG, sumGXhat } = batchNormBackwardKernel(g, x, layout, stats, null, {
      eps,
      training: true,
      withInput: true,
    });
    sumG.dispose();
    sumGXhat.dispose();
    return [gradInput];
  });
}

/**
 * Layer normalisation over the trailing dims given by normalizedShape:
 * y = (x − mean) / sqrt(var + eps) · weight + bias, with the mean and biased variance of each
 * slice x[..., *normalizedShape]; weight and bias (optional) have shape normalizedShape.
 * @example layerNorm(x, [512], gamma, beta) // x [batch, tokens, 512]
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: LayerNormOptions = {},
): Tensor {
  checkOptions("layerNorm", options, LAYER_NORM_KEYS);
  expectFloat("layerNorm", x);
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const trailing = x.shape.slice(x.ndim - shape.length);
  if (shape.length === 0 || shape.length > x.ndim || !sameShape(trailing, shape)) {
    throw new Error(
      `layerNorm: normalizedShape ${formatShape(shape)} must be the last dims of the input, ` +
        `expected an input of shape [*, ${shape.join(", ")}], got ${formatShape(x.shape)}`,
    );
  }
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t === null) continue;
    expectFloat("layerNorm", t);
    if (!sameShape(t.shape, shape)) {
      throw new Error(
        `layerNorm: ${name} should have shape ${formatShape(shape)} (normalizedShape), got ` +
          formatShape(t.shape),
      );
    }
  }
  const size = sizeOf(shape);
  const normalized = normalizeRows(x, size === 0 ? 0 : x.size / size, size, options.eps ?? 1e-5);
  // The affine part composes from mul and add, whose gradients sum over the rows.
  const scaled = weight === null ? normalized : mul(normalized, weight);
  return bias === null ? scaled : add(scaled, bias);
}
