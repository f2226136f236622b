/**
 * 2-D convolution and transposed convolution (PyTorch semantics, NCHW), each beside its gradients.
 * The two are adjoint linear maps: conv2d's input gradient is the transposed conv of the output
 * gradient, and the transposed conv's input gradient is the conv2d of its output gradient, both
 * with the same weight; no zero-stuffed copies are ever made (see runtime/backend/kernels/conv.ts).
 */
import type { Tensor } from "../tensor.ts";
import {
  channelSumKernel,
  conv2dAdjointKernel,
  conv2dKernel,
  conv2dWeightGradKernel,
  type ConvGeometry,
} from "../backend/kernels/conv.ts";
import { record } from "../autograd/engine.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { expectFloat } from "./broadcast.ts";
import { relu } from "./activation.ts";
import { formatShape } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of conv2d; numbers apply to both axes, pairs are [height, width]. */
export interface Conv2dOptions {
  /** Step between kernel applications. Default 1. */
  stride?: number | readonly [number, number];
  /**
   * Zeros added on each side, or "valid" (none), or "same" (output as large as the input; stride
   * 1 only; an odd total goes one more on the bottom/right, as in PyTorch). Default 0.
   */
  padding?: number | readonly [number, number] | "same" | "valid";
  /** Spacing between kernel taps. Default 1. */
  dilation?: number | readonly [number, number];
  /** Channels are split into this many independent groups. Default 1. */
  groups?: number;
}

/** The keys of Conv2dOptions (for the modules' checks). */
export const CONV2D_KEYS: OptionKeys<Conv2dOptions> = {
  stride: true,
  padding: true,
  dilation: true,
  groups: true,
};

/** Options of convTranspose2d; numbers apply to both axes, pairs are [height, width]. */
export interface ConvTranspose2dOptions {
  /** Stride of the conv this op transposes (the upsampling factor). Default 1. */
  stride?: number | readonly [number, number];
  /** Padding of the conv this op transposes: removed from each side of the output. Default 0. */
  padding?: number | readonly [number, number];
  /** Extra rows/columns on the bottom/right of the output; less than the stride or the dilation. */
  outputPadding?: number | readonly [number, number];
  /** Spacing between kernel taps. Default 1. */
  dilation?: number | readonly [number, number];
  /** Channels are split into this many independent groups. Default 1. */
  groups?: number;
}

/** The keys of ConvTranspose2dOptions. */
export const CONV_TRANSPOSE2D_KEYS: OptionKeys<ConvTranspose2dOptions> = {
  stride: true,
  padding: true,
  outputPadding: true,
  dilation: true,
  groups: true,
};

/**
 * 2-D convolution (cross-correlation, as PyTorch): input [N, Cin, H, W] (or unbatched
 * [Cin, H, W]), weight [Cout, Cin/groups, kH, kW], bias [Cout] → [N, Cout, Hout, Wout] with
 * Hout = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (likewise Wout).
 * @example
 * const x = randn([64, 1, 28, 28]);
 * const w = randn([32, 1, 5, 5], { requiresGrad: true });
 * conv2d(x, w, null, { padding: "same" }); // [64, 32, 28, 28]
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  checkOptions("conv2d", options, CONV2D_KEYS);
  expectFloat("conv2d", input, weight, ...(bias ? [bias] : []));
  const g = conv2dGeometry(input, weight, bias, options);
  const out = unbatchedLike(conv2dKernel(input, weight, bias, g), input);
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return record(out, "conv2d", inputs, (gradOut) => {
    // The conv is linear in x: dx = Convᵀ(dy), the transposed conv of dy with the same weight.
    const gradInput = input.requiresGrad
      ? unbatchedLike(conv2dAdjointKernel(gradOut, weight, null, g), input)
      : null;
    // dW[co, ci, i, j] = Σ_n Σ_p dy[n, co, p] · x[n, ci, p shifted by the tap (i, j)]
    const gradWeight = weight.requiresGrad ? conv2dWeightGradKernel(input, gradOut, g) : null;
    const gradBias = bias?.requiresGrad ? channelSumKernel(gradOut, g.batch, g.outChannels) : null;
    return bias ? [gradInput, gradWeight, gradBias] : [gradInput, gradWeight];
  });
}

/**
 * relu(conv2d(input, weight, bias, options)). When no gradient is recorded (inference), the GEMM
 * applies the ReLU as it stores the conv's output, which saves a pass over it and a tensor; the
 * result has the same bits as the two ops one after the other, which is what runs otherwise.
 * `nn.fuse` uses it for a Conv2d followed by a ReLU.
 */
export function conv2dRelu(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  checkOptions("conv2d", options, CONV2D_KEYS);
  const recording = isGradEnabled() &&
    (input.requiresGrad || weight.requiresGrad || bias?.requiresGrad === true);
  if (recording) return relu(conv2d(input, weight, bias, options));
  expectFloat("conv2d", input, weight, ...(bias ? [bias] : []));
  const g = conv2dGeometry(input, weight, bias, options);
  return unbatchedLike(conv2dKernel(input, weight, bias, g, true), input);
}

/**
 * 2-D transposed convolution (PyTorch's conv_transpose2d, the gradient of conv2d with respect to
 * its input): input [N, Cin, H, W] (or unbatched [Cin, H, W]), weight [Cin, Cout/groups, kH, kW],
 * bias [Cout] → [N, Cout, Hout, Wout] with
 * Hout = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1 (likewise Wout).
 * @example
 * const z = randn([64, 128, 7, 7]);
 * const w = randn([128, 64, 5, 5], { requiresGrad: true });
 * convTranspose2d(z, w, null, { stride: 2, padding: 2, outputPadding: 1 }); // [64, 64, 14, 14]
 */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  checkOptions("convTranspose2d", options, CONV_TRANSPOSE2D_KEYS);
  expectFloat("convTranspose2d", input, weight, ...(bias ? [bias] : []));
  // The geometry of the conv that this op transposes: its input side is our output.
  const g = convTranspose2dGeometry(input, weight, bias, options);
  const out = unbatchedLike(conv2dAdjointKernel(input, weight, bias, g), input);
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return record(out, "convTranspose2d", inputs, (gradOut) => {
    // The adjoint of the adjoint: dx = Conv(dy) with the same weight.
    const gradInput = input.requiresGrad
      ? unbatchedLike(conv2dKernel(gradOut, weight, null, g), input)
      : null;
    // dW[ci, co, i, j] = Σ_n Σ_p x[n, ci, p] · dy[n, co, p shifted by the tap (i, j)]
    const gradWeight = weight.requiresGrad ? conv2dWeightGradKernel(gradOut, input, g) : null;
    const gradBias = bias?.requiresGrad ? channelSumKernel(gradOut, g.batch, g.inChannels) : null;
    return bias ? [gradInput, gradWeight, gradBias] : [gradInput, gradWeight];
  });
}

type Pair = readonly [number, number];

/**
 * The kernels see an unbatched [C, H, W] input as a batch of one (same memory); this drops that
 * batch dim from a kernel result when `like` is unbatched, and returns the result as is otherwise.
 */
function unbatchedLike(result: Tensor, like: Tensor): Tensor {
  if (like.ndim === 4) return result;
  const unbatched = result.alias(result.shape.slice(1));
  result.dispose();
  return unbatched;
}

/** A number or [h, w] as [h, w], checked to be integers ≥ `least`. */
function pairOf(
  op: string,
  name: string,
  value: number | Pair,
  least: number,
): [number, number] {
  const pair: [number, number] = typeof value === "number" ? [value, value] : [value[0], value[1]];
  const ok = (typeof value === "number" || value.length === 2) &&
    pair.every((v) => Number.isInteger(v) && v >= least);
  if (!ok) {
    const what = least > 0 ? "a positive integer" : "a non-negative integer";
    throw new Error(
      `${op}: ${name} must be ${what} or a pair [height, width] of them, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return pair;
}

function groupsOf(op: string, groups: number): number {
  if (!Number.isInteger(groups) || groups < 1) {
    throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  }
  return groups;
}

/** Checks the ranks and the kernel size; returns the input's shape as [N, C, H, W] (N = 1 when unbatched). */
function checkRanks(op: string, input: Tensor, weight: Tensor, weightLayout: string): number[] {
  if (input.ndim !== 4 && input.ndim !== 3) {
    throw new Error(
      `${op}: expected an input of shape [N, C, H, W] (or unbatched [C, H, W]), got ${
        formatShape(input.shape)
      }`,
    );
  }
  if (weight.ndim !== 4) {
    throw new Error(
      `${op}: the weight must be 4-D ${weightLayout}, got ${formatShape(weight.shape)}`,
    );
  }
  if (weight.shape[2] < 1 || weight.shape[3] < 1) {
    throw new Error(
      `${op}: the kernel must be at least 1x1, got weight shape ${formatShape(weight.shape)}`,
    );
  }
  return input.ndim === 3 ? [1, ...input.shape] : [...input.shape];
}

function checkBias(op: string, bias: Tensor | null, channels: number, weight: Tensor): void {
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== channels)) {
    throw new Error(
      `${op}: the bias has shape ${formatShape(bias.shape)} but the weight ${
        formatShape(weight.shape)
      } has ${channels} output channels, so the bias must be [${channels}]`,
    );
  }
}

function emptyOutputError(
  op: string,
  size: readonly number[],
  input: Tensor,
  weight: Tensor,
  details: string,
): Error {
  return new Error(
    `${op}: the output would have spatial size ${size[0]}x${size[1]}, which is empty: input ` +
      `${formatShape(input.shape)}, weight ${formatShape(weight.shape)}, ${details}`,
  );
}

function conv2dGeometry(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
): ConvGeometry {
  const op = "conv2d";
  const [batch, inChannels, inH, inW] = checkRanks(
    op,
    input,
    weight,
    "[outChannels, inChannels/groups, kH, kW]",
  );
  const [outChannels, perGroup, kernelH, kernelW] = weight.shape;
  const groups = groupsOf(op, options.groups ?? 1);
  if (outChannels % groups !== 0) {
    throw new Error(
      `${op}: the weight's ${outChannels} output channels are not divisible by groups = ${groups} ` +
        `(weight shape ${formatShape(weight.shape)})`,
    );
  }
  if (inChannels !== perGroup * groups) {
    const perGroupNote = groups === 1 ? "" : `${perGroup} per group × ${groups} groups; `;
    throw new Error(
      `${op}: input has ${inChannels} channels but the weight expects ${perGroup * groups} (` +
        `${perGroupNote}input shape ${formatShape(input.shape)}, weight shape ${
          formatShape(weight.shape)
        })`,
    );
  }
  checkBias(op, bias, outChannels, weight);
  const [strideH, strideW] = pairOf(op, "stride", options.stride ?? 1, 1);
  const [dilationH, dilationW] = pairOf(op, "dilation", options.dilation ?? 1, 1);
  const padding = options.padding ?? 0;
  // The extent of the dilated kernel, less one: what a stride-1 conv takes off each axis.
  const reachH = dilationH * (kernelH - 1), reachW = dilationW * (kernelW - 1);
  let padH: number, padW: number, outH: number, outW: number;
  if (padding === "same") {
    if (strideH !== 1 || strideW !== 1) {
      throw new Error(
        `${op}: padding "same" needs stride 1 (as in PyTorch), got stride [${strideH}, ${strideW}]`,
      );
    }
    // PyTorch puts the odd one of an odd total on the bottom/right; the kernel only needs the
    // top/left amount, the output size implies the rest.
    [padH, padW, outH, outW] = [reachH >> 1, reachW >> 1, inH, inW];
  } else if (padding === "valid" || typeof padding !== "string") {
    [padH, padW] = padding === "valid" ? [0, 0] : pairOf(op, "padding", padding, 0);
    outH = Math.floor((inH + 2 * padH - reachH - 1) / strideH) + 1;
    outW = Math.floor((inW + 2 * padW - reachW - 1) / strideW) + 1;
  } else {
    throw new Error(
      `${op}: padding must be a number, a pair, "same" or "valid", got ${JSON.stringify(padding)}`,
    );
  }
  if (outH < 1 || outW < 1) {
    throw emptyOutputError(
      op,
      [outH, outW],
      input,
      weight,
      `padding [${padH}, ${padW}], dilation [${dilationH}, ${dilationW}], stride [${strideH}, ` +
        `${strideW}]: the padded input (${inH + 2 * padH}x${inW + 2 * padW}) is smaller than ` +
        `the dilated kernel (${reachH + 1}x${reachW + 1})`,
    );
  }
  return {
    batch,
    groups,
    inChannels,
    inH,
    inW,
    outChannels,
    outH,
    outW,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
  };
}

function convTranspose2dGeometry(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: ConvTranspose2dOptions,
): ConvGeometry {
  const op = "convTranspose2d";
  const [batch, inChannels, inH, inW] = checkRanks(
    op,
    input,
    weight,
    "[inChannels, outChannels/groups, kH, kW]",
  );
  const [weightIn, perGroup, kernelH, kernelW] = weight.shape;
  const groups = groupsOf(op, options.groups ?? 1);
  if (inChannels !== weightIn) {
    throw new Error(
      `${op}: input has ${inChannels} channels but the weight expects ${weightIn} (input shape ${
        formatShape(input.shape)
      }, weight shape ${formatShape(weight.shape)}; the weight is [inChannels, ` +
        "outChannels/groups, kH, kW])",
    );
  }
  if (inChannels % groups !== 0) {
    throw new Error(
      `${op}: the ${inChannels} input channels are not divisible by groups = ${groups} ` +
        `(input shape ${formatShape(input.shape)}, weight shape ${formatShape(weight.shape)})`,
    );
  }
  const outChannels = perGroup * groups;
  checkBias(op, bias, outChannels, weight);
  const [strideH, strideW] = pairOf(op, "stride", options.stride ?? 1, 1);
  const [padH, padW] = pairOf(op, "padding", options.padding ?? 0, 0);
  const [dilationH, dilationW] = pairOf(op, "dilation", options.dilation ?? 1, 1);
  const [extraH, extraW] = pairOf(op, "outputPadding", options.outputPadding ?? 0, 0);
  if (
    (extraH >= strideH && extraH >= dilationH) || (extraW >= strideW && extraW >= dilationW)
  ) {
    throw new Error(
      `${op}: outputPadding must be smaller than either the stride or the dilation (as in ` +
        `PyTorch), got outputPadding [${extraH}, ${extraW}], stride [${strideH}, ${strideW}], ` +
        `dilation [${dilationH}, ${dilationW}]`,
    );
  }
  // What the transposed conv produces before the padding is taken off each side.
  const fullH = (inH - 1) * strideH + dilationH * (kernelH - 1) + extraH + 1;
  const fullW = (inW - 1) * strideW + dilationW * (kernelW - 1) + extraW + 1;
  const outH = fullH - 2 * padH, outW = fullW - 2 * padW;
  if (outH < 1 || outW < 1) {
    throw emptyOutputError(
      op,
      [outH, outW],
      input,
      weight,
      `stride [${strideH}, ${strideW}], padding [${padH}, ${padW}], dilation [${dilationH}, ` +
        `${dilationW}], outputPadding [${extraH}, ${extraW}]: the transposed conv makes ` +
        `${fullH}x${fullW} and the padding takes ${2 * padH}x${2 * padW} of it away`,
    );
  }
  // The conv being transposed maps our output [outChannels, outH, outW] to our input.
  return {
    batch,
    groups,
    inChannels: outChannels,
    inH: outH,
    inW: outW,
    outChannels: inChannels,
    outH: inH,
    outW: inW,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
  };
}
