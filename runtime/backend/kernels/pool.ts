/**
 * Tensor-level calls of the pooling kernels (assembly/pool.ts): each allocates its outputs and runs
 * one kernel over all planes.
 */
import { callKernel } from "../dispatch.ts";
import type { PoolExports } from "../bindings/pool.ts";
import { Tensor } from "../../tensor.ts";

/** A pooling window's geometry along H and W (PyTorch's meaning), with the output size it gives. */
export interface PoolGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  /** Output height and width. */
  output: [number, number];
}

/** The shape of a pooled tensor: x's leading dims with the last two replaced by [outH, outW]. */
function pooledShape(shape: readonly number[], output: readonly [number, number]): number[] {
  return [...shape.slice(0, -2), ...output];
}

/** Planes [H, W] of a tensor whose last two dims are H and W. */
function planesOf(shape: readonly number[]): { planes: number; H: number; W: number } {
  const H = shape[shape.length - 2], W = shape[shape.length - 1];
  let planes = 1;
  for (let d = 0; d < shape.length - 2; d++) planes *= shape[d];
  return { planes, H, W };
}

/**
 * Max pooling over the last two dims: the output and, when `withIndices`, the int32 argmax
 * (h·W + w) of every window, which the backward pass needs.
 */
export function maxPool2dKernel(
  x: Tensor,
  geometry: PoolGeometry,
  withIndices: boolean,
): { out: Tensor; indices: Tensor | null } {
  const shape = pooledShape(x.shape, geometry.output);
  const out = Tensor.empty(shape);
  const indices = withIndices ? Tensor.empty(shape, "int32") : null;
  const { planes, H, W } = planesOf(x.shape);
  const { kernel, stride, padding, dilation, output } = geometry;
  if (out.size > 0) {
    callKernel(
      "maxPool2dF32",
      x.ptr,
      out.ptr,
      indices?.ptr ?? 0,
      H,
      W,
      output[0],
      output[1],
      kernel[0],
      kernel[1],
      stride[0],
      stride[1],
      padding[0],
      padding[1],
      dilation[0],
      dilation[1],
      0,
      planes,
    );
  }
  return { out, indices };
}

/** The input gradient of max pooling: g routed to the argmax of its window. */
export function maxPool2dBackwardKernel(
  g: Tensor,
  indices: Tensor,
  inputShape: readonly number[],
): Tensor {
  const gradInput = Tensor.empty(inputShape);
  const { planes, H, W } = planesOf(inputShape);
  if (gradInput.size > 0) {
    const outputPlane = g.shape[g.ndim - 2] * g.shape[g.ndim - 1];
    callKernel(
      "maxPool2dBackwardF32",
      g.ptr,
      indices.ptr,
      gradInput.ptr,
      H * W,
      outputPlane,
      0,
      planes,
    );
  }
  return gradInput;
}

/** How average pooling divides: by the padded window (countIncludePad), the real one, or a constant. */
export interface AvgDivisor {
  countIncludePad: boolean;
  /** 0 for none. */
  divisorOverride: number;
}

/**
 * The arguments avgPool2dF32 and avgPool2dBackwardF32 share after their two pointers: the input
 * plane size, the window geometry, the divisor rule, and the plane range (all planes).
 */
function avgPoolArguments(
  inputShape: readonly number[],
  geometry: PoolGeometry,
  divisor: AvgDivisor,
): AvgPoolArguments {
  const { planes, H, W } = planesOf(inputShape);
  const { kernel, stride, padding, output } = geometry;
  return [
    H,
    W,
    output[0],
    output[1],
    kernel[0],
    kernel[1],
    stride[0],
    stride[1],
    padding[0],
    padding[1],
    divisor.countIncludePad ? 1 : 0,
    divisor.divisorOverride,
    0,
    planes,
  ];
}

/** avgPool2dF32's parameters after its two pointers, taken from the kernel contract. */
type AvgPoolArguments = Parameters<PoolExports["avgPool2dF32"]> extends
  [number, number, ...infer Rest] ? Rest
  : never;

/** Average pooling over the last two dims (the geometry's dilation is ignored: it must be 1). */
export function avgPool2dKernel(x: Tensor, geometry: PoolGeometry, divisor: AvgDivisor): Tensor {
  const out = Tensor.empty(pooledShape(x.shape, geometry.output));
  if (out.size > 0) {
    callKernel("avgPool2dF32", x.ptr, out.ptr, ...avgPoolArguments(x.shape, geometry, divisor));
  }
  return out;
}

/** The input gradient of average pooling, with the forward's windows and divisors. */
export function avgPool2dBackwardKernel(
  g: Tensor,
  inputShape: readonly number[],
  geometry: PoolGeometry,
  divisor: AvgDivisor,
): Tensor {
  const gradInput = Tensor.empty(inputShape);
  if (gradInput.size > 0) {
    const args = avgPoolArguments(inputShape, geometry, divisor);
    callKernel("avgPool2dBackwardF32", g.ptr, gradInput.ptr, ...args);
  }
  return gradInput;
}

/** Adaptive average pooling of the last two dims to [outH, outW]. */
export function adaptiveAvgPool2dKernel(x: Tensor, output: [number, number]): Tensor {
  const out = Tensor.empty(pooledShape(x.shape, output));
  const { planes, H, W } = planesOf(x.shape);
  if (out.size > 0) {
    callKernel("adaptiveAvgPool2dF32", x.ptr, out.ptr, H, W, output[0], output[1], 0, planes);
  }
  return out;
}

/** The input gradient of adaptive average pooling. */
export function adaptiveAvgPool2dBackwardKernel(g: Tensor, inputShape: readonly number[]): Tensor {
  const gradInput = Tensor.empty(inputShape);
  const { planes, H, W } = planesOf(inputShape);
  if (gradInput.size > 0) {
    const outH = g.shape[g.ndim - 2], outW = g.shape[g.ndim - 1];
    callKernel("adaptiveAvgPool2dBackwardF32", g.ptr, gradInput.ptr, H, W, outH, outW, 0, planes);
  }
  return gradInput;
}
