/**
 * Pooling over the last two dims of [N, C, H, W] (or [C, H, W]) inputs, as PyTorch computes it:
 * maxPool2d, avgPool2d and adaptiveAvgPool2d, each beside its gradient.
 */
import type { Tensor } from "../tensor.ts";
import {
  adaptiveAvgPool2dBackwardKernel,
  adaptiveAvgPool2dKernel,
  type AvgDivisor,
  avgPool2dBackwardKernel,
  avgPool2dKernel,
  maxPool2dBackwardKernel,
  maxPool2dKernel,
  type PoolGeometry,
} from "../backend/kernels/pool.ts";
import { record } from "../autograd/engine.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { expectFloat } from "./broadcast.ts";
import { formatShape } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** A size given for both spatial dims, or as [h, w]. */
export type PoolSize = number | readonly [number, number];

/** Options of maxPool2d (PyTorch's meaning). */
export interface MaxPool2dOptions {
  /** Step between windows; the kernel size when omitted. */
  stride?: PoolSize;
  /** Implicit −∞ border on each side, at most half the kernel size. Default 0. */
  padding?: PoolSize;
  /** Spacing between the taps of a window. Default 1. */
  dilation?: PoolSize;
  /**
   * Round the output size up instead of down, so the last window may hang over the input's end
   * (it must still start inside the input or its left padding). Default false.
   */
  ceilMode?: boolean;
}

/** Options of avgPool2d (PyTorch's meaning). */
export interface AvgPool2dOptions {
  /** Step between windows; the kernel size when omitted. */
  stride?: PoolSize;
  /** Implicit zero border on each side, at most half the kernel size. Default 0. */
  padding?: PoolSize;
  /** Round the output size up instead of down (see MaxPool2dOptions.ceilMode). Default false. */
  ceilMode?: boolean;
  /**
   * Count padded taps in a window's divisor. Default true. Either way, the part of a ceilMode
   * window that hangs over the padded input never counts.
   */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead (a nonzero integer). */
  divisorOverride?: number;
}

/** The keys of MaxPool2dOptions (for the modules' checks). */
export const MAX_POOL2D_KEYS: OptionKeys<MaxPool2dOptions> = {
  stride: true,
  padding: true,
  dilation: true,
  ceilMode: true,
};
/** The keys of AvgPool2dOptions. */
export const AVG_POOL2D_KEYS: OptionKeys<AvgPool2dOptions> = {
  stride: true,
  padding: true,
  ceilMode: true,
  countIncludePad: true,
  divisorOverride: true,
};

/** [h, w] from a number or a pair; every entry must be an integer ≥ min. */
function pair(op: string, name: string, value: PoolSize, min: number): [number, number] {
  const values = typeof value === "number" ? [value, value] : [...value];
  if (values.length === 1) values.push(values[0]);
  if (values.length !== 2 || !values.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(
      `${op}: ${name} must be an integer ≥ ${min} or a pair [h, w] of them, got ` +
        JSON.stringify(value),
    );
  }
  return [values[0], values[1]];
}

/** The output length along one dim, as PyTorch's pooling_output_shape. */
function pooledLength(
  input: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const span = input + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let length = Math.floor(span / stride) + 1;
  // The last window must start inside the input or the left padding.
  if (ceilMode && (length - 1) * stride >= input + padding) length--;
  return length;
}

/** Checks a pooling input: float32, [C, H, W] or [N, C, H, W], only the batch may be empty. */
function checkInput(op: string, x: Tensor): void {
  expectFloat(op, x);
  const ok = (x.ndim === 3 || x.ndim === 4) && x.shape.slice(x.ndim - 3).every((d) => d > 0);
  if (!ok) {
    throw new Error(
      `${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input with nonzero C, H and W ` +
        `(the batch may be 0), got shape ${formatShape(x.shape)}`,
    );
  }
}

/** Validates kernel, stride, padding and dilation, and computes the output size. */
function geometryOf(
  op: string,
  x: Tensor,
  kernelSize: PoolSize,
  options: { stride?: PoolSize; padding?: PoolSize; dilation?: PoolSize; ceilMode?: boolean },
): PoolGeometry {
  checkInput(op, x);
  const kernel = pair(op, "kernelSize", kernelSize, 1);
  const stride = options.stride === undefined ? kernel : pair(op, "stride", options.stride, 1);
  const padding = pair(op, "padding", options.padding ?? 0, 0);
  const dilation = pair(op, "dilation", options.dilation ?? 1, 1);
  if (padding[0] > Math.floor(kernel[0] / 2) || padding[1] > Math.floor(kernel[1] / 2)) {
    throw new RangeError(
      `${op}: padding should be at most half of the kernel size, but got padding ` +
        `${formatShape(padding)} for kernel size ${formatShape(kernel)}`,
    );
  }
  const [H, W] = x.shape.slice(-2);
  const ceilMode = options.ceilMode ?? false;
  const output: [number, number] = [
    pooledLength(H, kernel[0], stride[0], padding[0], dilation[0], ceilMode),
    pooledLength(W, kernel[1], stride[1], padding[1], dilation[1], ceilMode),
  ];
  if (output[0] < 1 || output[1] < 1) {
    throw new RangeError(
      `${op}: input of spatial size ${H}x${W} gives an output of size ` +
        `${output[0]}x${output[1]}, which is too small (kernel ${formatShape(kernel)}, stride ` +
        `${formatShape(stride)}, padding ${formatShape(padding)}, dilation ` +
        `${formatShape(dilation)})`,
    );
  }
  return { kernel, stride, padding, dilation, output };
}

/**
 * Max over sliding windows of the last two dims. Input [N, C, H, W] (or [C, H, W]), output
 * [N, C, outH, outW] with outH = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1
 * (⌈⌉ with ceilMode). The gradient goes to the first maximum of each window in scan order;
 * padding counts as −∞.
 * @example maxPool2d(x, 2) // [64, 32, 28, 28] → [64, 32, 14, 14]
 */
export function maxPool2d(
  x: Tensor,
  kernelSize: PoolSize,
  options: MaxPool2dOptions = {},
): Tensor {
  checkOptions("maxPool2d", options, MAX_POOL2D_KEYS);
  const geometry = geometryOf("maxPool2d", x, kernelSize, options);
  // The argmax of each window is only worth its memory (and time) when a gradient will flow.
  const { out, indices } = maxPool2dKernel(x, geometry, isGradEnabled() && x.requiresGrad);
  if (indices === null) return out;
  return record(out, "maxPool2d", [x], (g) => [maxPool2dBackwardKernel(g, indices, x.shape)]);
}

/**
 * Mean over sliding windows of the last two dims (shapes as maxPool2d, without dilation).
 * A window's divisor: divisorOverride if given, else its size within the padded input
 * (countIncludePad, the default) or within the input itself.
 * @example avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })
 */
export function avgPool2d(
  x: Tensor,
  kernelSize: PoolSize,
  options: AvgPool2dOptions = {},
): Tensor {
  checkOptions("avgPool2d", options, AVG_POOL2D_KEYS);
  const geometry = geometryOf("avgPool2d", x, kernelSize, options);
  const override = options.divisorOverride ?? 0;
  if (options.divisorOverride !== undefined && (!Number.isInteger(override) || override === 0)) {
    throw new RangeError(
      `avgPool2d: divisorOverride must be a nonzero integer, got ${options.divisorOverride}`,
    );
  }
  const divisor: AvgDivisor = {
    countIncludePad: options.countIncludePad ?? true,
    divisorOverride: override,
  };
  const out = avgPool2dKernel(x, geometry, divisor);
  return record(out, "avgPool2d", [x], (g) => [
    avgPool2dBackwardKernel(g, x.shape, geometry, divisor),
  ]);
}

/**
 * Average pooling to a fixed output size [outH, outW] whatever the input size (PyTorch's windows:
 * rows ⌊i·H/outH⌋ .. ⌈(i+1)·H/outH⌉ − 1). A null entry keeps that input dim.
 * @example adaptiveAvgPool2d(features, 1) // global average pooling: [N, C, H, W] → [N, C, 1, 1]
 */
export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number | null, number | null],
): Tensor {
  checkInput("adaptiveAvgPool2d", x);
  const [H, W] = x.shape.slice(-2);
  const sizes = typeof outputSize === "number" ? [outputSize, outputSize] : [...outputSize];
  const output: [number, number] = [sizes[0] ?? H, sizes[1] ?? W];
  if (sizes.length !== 2 || !output.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(
      "adaptiveAvgPool2d: outputSize must be an integer ≥ 0 or a pair [h, w] of them (null " +
        `keeps the input's size), got ${JSON.stringify(outputSize)}`,
    );
  }
  const out = adaptiveAvgPool2dKernel(x, output);
  return record(out, "adaptiveAvgPool2d", [x], (g) => [
    adaptiveAvgPool2dBackwardKernel(g, x.shape),
  ]);
}
