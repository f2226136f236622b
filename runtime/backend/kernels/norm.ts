/**
 * Tensor-level calls of the batch-norm and dropout kernels (assembly/norm.ts): each allocates its
 * outputs and runs one kernel over all channels.
 */
import { callKernel } from "../dispatch.ts";
import { Tensor } from "../../tensor.ts";

/** x viewed as [N, C, L]: N, C and L. */
export type ChannelLayout = [number, number, number];

/**
 * Per-channel batch mean and biased variance of x viewed as [N, C, L], each a new [C] tensor.
 * runningMean / runningVar, when given, are updated in place with `momentum` (unbiased variance).
 */
export function batchNormStatsKernel(
  x: Tensor,
  layout: ChannelLayout,
  running: { mean: Tensor | null; variance: Tensor | null; momentum: number },
): { mean: Tensor; variance: Tensor } {
  const [N, C, L] = layout;
  const mean = Tensor.empty([C]);
  const variance = Tensor.empty([C]);
  if (C > 0) {
    callKernel(
      "batchNormStatsF32",
      x.ptr,
      mean.ptr,
      variance.ptr,
      running.mean?.ptr ?? 0,
      running.variance?.ptr ?? 0,
      running.momentum,
      N,
      C,
      L,
      0,
      C,
    );
  }
  return { mean, variance };
}

/** (x − mean)/sqrt(variance + eps)·weight + bias per channel of x viewed as [N, C, L]. */
export function batchNormForwardKernel(
  x: Tensor,
  layout: ChannelLayout,
  mean: Tensor,
  variance: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor {
  const [N, C, L] = layout;
  const out = Tensor.empty(x.shape);
  if (out.size > 0) {
    callKernel(
      "batchNormForwardF32",
      x.ptr,
      mean.ptr,
      variance.ptr,
      weight?.ptr ?? 0,
      bias?.ptr ?? 0,
      out.ptr,
      eps,
      N,
      C,
      L,
      0,
      C,
    );
  }
  return out;
}

/**
 * Batch norm's backward over x and g viewed as [N, C, L]: sumG = Σ g and sumGXhat = Σ g·x̂ per
 * channel ([C] tensors: the bias and weight gradients) and, when `withInput`, the input gradient
 * (through the batch statistics when `training`, else with them fixed).
 */
export function batchNormBackwardKernel(
  g: Tensor,
  x: Tensor,
  layout: ChannelLayout,
  stats: { mean: Tensor; variance: Tensor },
  weight: Tensor | null,
  options: { eps: number; training: boolean; withInput: boolean },
): { gradInput: Tensor | null; sumG: Tensor; sumGXhat: Tensor } {
  const [N, C, L] = layout;
  const gradInput = options.withInput ? Tensor.empty(x.shape) : null;
  const sumG = Tensor.empty([C]);
  const sumGXhat = Tensor.empty([C]);
  if (C > 0) {
    callKernel(
      "batchNormBackwardF32",
      g.ptr,
      x.ptr,
      stats.mean.ptr,
      stats.variance.ptr,
      weight?.ptr ?? 0,
      gradInput?.ptr ?? 0,
      sumG.ptr,
      sumGXhat.ptr,
      options.eps,
      options.training ? 1 : 0,
      N,
      C,
      L,
      0,
      C,
    );
  }
  return { gradInput, sumG, sumGXhat };
}

/**
 * Dropout's mask of `shape`: scale with probability 1 − p, else 0, from the module's seeded
 * generator (one uniform draw per element, turned into the mask in place).
 */
export function dropoutMaskKernel(shape: readonly number[], p: number, scale: number): Tensor {
  const mask = Tensor.empty(shape);
  if (mask.size > 0) {
    callKernel("randomUniformF32", mask.ptr, mask.size, 0, 1);
    callKernel("dropoutMaskF32", mask.ptr, mask.ptr, mask.size, p, scale);
  }
  return mask;
}
