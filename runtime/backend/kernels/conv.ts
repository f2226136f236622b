/**
 * Tensor-level convolution kernels: the conv2d map, its adjoint (conv2d's input gradient and the
 * transposed conv's forward) and the weight gradient, each as im2col/col2im around the packed
 * GEMM. All three take the geometry of the forward conv (input side [inChannels, inH, inW], output
 * side [outChannels, outH, outW]) and the weight as conv2d stores it,
 * [outChannels, inChannels/groups, kH, kW]; the transposed conv passes its own output side as `in`.
 *
 * Small images are taken a chunk at a time: the cols of several images sit side by side in one
 * matrix [depth, chunk·pixels], so that each GEMM has about COLUMNS columns (forward and input
 * gradient) or that much depth (weight gradient) whatever the image size. The output side of the
 * chunk is then copied between the tensor's [images, channels, pixels] layout and the GEMM's
 * [channels, images·pixels]; that copy is small beside the GEMM. Measured on one thread (relaxed
 * build, batch 64): one image at a time, the GEMMs of the DCGAN's 7x7 layers are 49 columns wide
 * and their forward and input-gradient passes ran at 34-38 GFLOP/s; in chunks of 5 images, 39-46.
 */
import { backend } from "../backend.ts";
import { callKernel } from "../dispatch.ts";
import { ReduceOp } from "../bindings/reduce.ts";
import { Tensor } from "../../tensor.ts";
import { copyStridedKernel } from "./copy.ts";
import { filled } from "./fill.ts";
import { gemmKernel } from "./gemm.ts";
import { reduceDim } from "./reduce.ts";

/** Sizes of one conv (stride, padding and dilation per axis; padding is the top/left amount). */
export interface ConvGeometry {
  batch: number;
  groups: number;
  inChannels: number;
  inH: number;
  inW: number;
  outChannels: number;
  outH: number;
  outW: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
}

/** Columns (pixels of the output side, over a chunk of images) each GEMM aims for. */
const COLUMNS = 256;

/** How the conv is cut into GEMMs: per group, cols is [depth, chunk·pixels]; a group's weight is [outGroup, depth]. */
interface Plan {
  inGroup: number;
  outGroup: number;
  depth: number;
  pixels: number;
  inPixels: number;
  /** Images per GEMM. */
  chunk: number;
  /** A 1x1 kernel with stride 1 and no padding: the image itself is cols, no im2col needed. */
  pointwise: boolean;
}

function plan(g: ConvGeometry): Plan {
  const inGroup = g.inChannels / g.groups;
  const pixels = g.outH * g.outW;
  const pointwise = g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1 &&
    g.padH === 0 && g.padW === 0 && g.outH === g.inH && g.outW === g.inW;
  return {
    inGroup,
    outGroup: g.outChannels / g.groups,
    depth: inGroup * g.kernelH * g.kernelW,
    pixels,
    inPixels: g.inH * g.inW,
    chunk: pointwise ? 1 : Math.max(1, Math.min(g.batch, Math.floor(COLUMNS / pixels))),
    pointwise,
  };
}

/**
 * Runs `body` with scratch for one chunk: cols [depth, chunk·pixels] (0 when pointwise) and, when
 * chunks hold several images, the output side [outGroup, chunk·pixels] (else 0).
 */
function withScratch<T>(p: Plan, body: (cols: number, side: number) => T): T {
  const allocator = backend().allocator;
  const columns = p.chunk * p.pixels;
  const cols = p.pointwise ? 0 : allocator.alloc(p.depth * columns * 4);
  let side = 0;
  try {
    if (p.chunk > 1) side = allocator.alloc(p.outGroup * columns * 4);
    return body(cols, side);
  } finally {
    if (cols !== 0) allocator.free(cols);
    if (side !== 0) allocator.free(side);
  }
}

/**
 * Runs `body` with each group's weight as the GEMM's A operand (Wᵀ when `transposed`, for the
 * adjoint): when the batch takes more than one chunk, every group's operand is packed once here
 * (gemmPackA) and `packed` is true; otherwise it is the weight itself, which the GEMM packs. W3's
 * second conv at batch 32 packed its 64×800 weight once per image before (about 2% of its time).
 */
function withWeightOperand<T>(
  g: ConvGeometry,
  p: Plan,
  weight: Tensor,
  transposed: boolean,
  body: (operand: (group: number) => number, packed: boolean) => T,
): T {
  const groupWeight = (group: number) => weight.ptr + group * p.outGroup * p.depth * 4;
  if (g.batch <= p.chunk) return body(groupWeight, false);
  const b = backend();
  const [M, K] = transposed ? [p.depth, p.outGroup] : [p.outGroup, p.depth];
  const groupBytes = callKernel("gemmPackedABytes", M, K);
  const packed = b.allocator.alloc(groupBytes * g.groups);
  try {
    for (let group = 0; group < g.groups; group++) {
      callKernel(
        "gemmPackA",
        transposed ? 1 : 0,
        M,
        K,
        groupWeight(group),
        p.depth,
        packed + group * groupBytes,
      );
    }
    return body((group) => packed + group * groupBytes, true);
  } finally {
    b.allocator.free(packed);
  }
}

/** Byte pointer of channel `channel` of image `image` in a [batch, channels, pixels] tensor. */
function planePtr(t: Tensor, image: number, channels: number, channel: number, pixels: number) {
  return t.ptr + (image * channels + channel) * pixels * 4;
}

/** im2col of images first..first+count of group `group` of x, side by side in cols. */
function im2colChunk(
  g: ConvGeometry,
  p: Plan,
  x: Tensor,
  first: number,
  count: number,
  group: number,
  cols: number,
): void {
  for (let i = 0; i < count; i++) {
    callKernel(
      "im2colF32",
      planePtr(x, first + i, g.inChannels, group * p.inGroup, p.inPixels),
      p.inGroup,
      g.inH,
      g.inW,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      g.dilationH,
      g.dilationW,
      g.outH,
      g.outW,
      cols + i * p.pixels * 4,
      count * p.pixels,
      0,
      p.depth,
    );
  }
}

/**
 * Copies group `group`'s channels of images first..first+count of an output-side tensor
 * [batch, outChannels, pixels] to (toSide) or from the GEMM layout [outGroup, count·pixels].
 */
function copySide(
  g: ConvGeometry,
  p: Plan,
  t: Tensor,
  first: number,
  count: number,
  group: number,
  side: number,
  toSide: boolean,
): void {
  const tensorPtr = planePtr(t, first, g.outChannels, group * p.outGroup, p.pixels);
  const shape = [p.outGroup, count, p.pixels];
  const tensorStrides = [p.pixels, g.outChannels * p.pixels, 1];
  const sideStrides = [count * p.pixels, p.pixels, 1];
  if (toSide) copyStridedKernel(tensorPtr, side, shape, tensorStrides, sideStrides);
  else copyStridedKernel(side, tensorPtr, shape, sideStrides, tensorStrides);
}

/**
 * y = conv2d(x, weight) + bias: x [batch, inChannels, inH, inW] → [batch, outChannels, outH, outW].
 * Per chunk of images and group, Y = W·cols on the GEMM, accumulating onto the bias. With `relu`,
 * the GEMM stores max(y, 0) instead (its epilogue), exactly what a ReLU after it would compute.
 */
export function conv2dKernel(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
  relu = false,
): Tensor {
  const out = Tensor.empty([g.batch, g.outChannels, g.outH, g.outW]);
  if (out.size === 0) return out;
  const p = plan(g);
  if (bias !== null && p.chunk === 1) {
    callKernel(
      "broadcastChannelsF32",
      bias.ptr,
      g.outChannels,
      p.pixels,
      out.ptr,
      0,
      out.size / p.pixels,
    );
  }
  withWeightOperand(g, p, weight, false, (operand, packedA) =>
    withScratch(p, (cols, side) => {
      for (let first = 0; first < g.batch; first += p.chunk) {
        const count = Math.min(p.chunk, g.batch - first);
        const columns = count * p.pixels;
        for (let group = 0; group < g.groups; group++) {
          const image = planePtr(x, first, g.inChannels, group * p.inGroup, p.inPixels);
          if (!p.pointwise) im2colChunk(g, p, x, first, count, group, cols);
          const target = side !== 0
            ? side
            : planePtr(out, first, g.outChannels, group * p.outGroup, p.pixels);
          if (bias !== null && side !== 0) {
            callKernel(
              "broadcastChannelsF32",
              bias.ptr + group * p.outGroup * 4,
              p.outGroup,
              columns,
              side,
              0,
              p.outGroup,
            );
          }
          gemmKernel(
            false,
            false,
            p.outGroup,
            columns,
            p.depth,
            operand(group),
            p.pointwise ? image : cols,
            target,
            { accumulate: bias !== null, relu, packedA },
          );
          if (side !== 0) copySide(g, p, out, first, count, group, side, false);
        }
      }
    }));
  return out;
}

/**
 * The adjoint of conv2dKernel's linear map, plus bias: y [batch, outChannels, outH, outW] →
 * [batch, inChannels, inH, inW]. It is conv2d's input gradient and the transposed conv's forward.
 * Per chunk of images and group, cols = Wᵀ·y on the GEMM (transposed A, no copy), then col2im.
 */
export function conv2dAdjointKernel(
  y: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
): Tensor {
  const out = Tensor.empty([g.batch, g.inChannels, g.inH, g.inW]);
  if (out.size === 0) return out;
  const p = plan(g);
  if (p.pointwise && bias !== null) {
    callKernel(
      "broadcastChannelsF32",
      bias.ptr,
      g.inChannels,
      p.inPixels,
      out.ptr,
      0,
      out.size / p.inPixels,
    );
  }
  withWeightOperand(g, p, weight, true, (operand, packedA) =>
    withScratch(p, (cols, side) => {
      for (let first = 0; first < g.batch; first += p.chunk) {
        const count = Math.min(p.chunk, g.batch - first);
        const columns = count * p.pixels;
        for (let group = 0; group < g.groups; group++) {
          if (side !== 0) copySide(g, p, y, first, count, group, side, true);
          const image = planePtr(out, first, g.inChannels, group * p.inGroup, p.inPixels);
          gemmKernel(
            true,
            false,
            p.depth,
            columns,
            p.outGroup,
            operand(group),
            side !== 0 ? side : planePtr(y, first, g.outChannels, group * p.outGroup, p.pixels),
            p.pointwise ? image : cols,
            { accumulate: p.pointwise && bias !== null, packedA },
          );
          if (p.pointwise) continue;
          for (let i = 0; i < count; i++) {
            callKernel(
              "col2imF32",
              cols + i * p.pixels * 4,
              columns,
              p.inGroup,
              g.inH,
              g.inW,
              g.kernelH,
              g.kernelW,
              g.strideH,
              g.strideW,
              g.padH,
              g.padW,
              g.dilationH,
              g.dilationW,
              g.outH,
              g.outW,
              planePtr(out, first + i, g.inChannels, group * p.inGroup, p.inPixels),
              bias === null ? 0 : bias.ptr + group * p.inGroup * 4,
              0,
              p.inGroup,
            );
          }
        }
      }
    }));
  return out;
}

/**
 * The weight gradient of conv2dKernel: Σ over images of y·colsᵀ per group, where cols is the
 * im2col of x and y the gradient on the output side → [outChannels, inChannels/groups, kH, kW].
 * The GEMM reads cols transposed where it lies, and accumulates chunk after chunk into the result.
 */
export function conv2dWeightGradKernel(x: Tensor, y: Tensor, g: ConvGeometry): Tensor {
  const p = plan(g);
  const shape = [g.outChannels, p.inGroup, g.kernelH, g.kernelW];
  if (g.batch === 0 || p.pixels === 0) return filled(shape, 0);
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  withScratch(p, (cols, side) => {
    for (let first = 0; first < g.batch; first += p.chunk) {
      const count = Math.min(p.chunk, g.batch - first);
      const columns = count * p.pixels;
      for (let group = 0; group < g.groups; group++) {
        if (!p.pointwise) im2colChunk(g, p, x, first, count, group, cols);
        if (side !== 0) copySide(g, p, y, first, count, group, side, true);
        gemmKernel(
          false,
          true,
          p.outGroup,
          p.depth,
          columns,
          side !== 0 ? side : planePtr(y, first, g.outChannels, group * p.outGroup, p.pixels),
          p.pointwise ? planePtr(x, first, g.inChannels, group * p.inGroup, p.inPixels) : cols,
          out.ptr + group * p.outGroup * p.depth * 4,
          { accumulate: first > 0 },
        );
      }
    }
  });
  return out;
}

/**
 * Σ over images and pixels of each channel of x, whose memory is [batch, channels, pixels]
 * (the bias gradient) → [channels].
 */
export function channelSumKernel(x: Tensor, batch: number, channels: number): Tensor {
  if (x.size === 0) return filled([channels], 0);
  const flat = x.alias([batch, channels, x.size / (batch * channels)]);
  const perImage = reduceDim(ReduceOp.Sum, flat, 2, false);
  flat.dispose();
  const total = reduceDim(ReduceOp.Sum, perImage, 0, false);
  perImage.dispose();
  return total;
}
