/**
 * The options, checks and sizes of conv2d and convTranspose2d, in one place: both ops describe
 * their work as the geometry of a convolution (`ConvGeometry`), the transposed conv as that of the
 * conv it transposes. What the two share (options, dtypes, ranks, kernel size, groups, bias, stride,
 * dilation, the empty-output error) is checked once, by `convCommon`; each op adds its channel
 * rule, its padding and its output size.
 */
import type { Tensor } from "../tensor.ts";
import type { ConvGeometry } from "../backend/kernels/conv.ts";
import { expectFloat } from "./broadcast.ts";
import { formatShape } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

type Pair = readonly [number, number];

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

/** What `convCommon` found: all of the geometry but the padding and the output size. */
type Common = Omit<ConvGeometry, "outH" | "outW" | "padH" | "padW">;

/**
 * The checks both ops make, in order: known options, float32 operands, the ranks and kernel
 * size, groups, the op's channel rule (`channels`, which returns the output channels), the bias,
 * stride and dilation.
 */
function convCommon<O extends Conv2dOptions | ConvTranspose2dOptions>(
  op: string,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: O,
  keys: OptionKeys<O>,
  weightLayout: string,
  channels: (inChannels: number, groups: number) => number,
): Common {
  checkOptions(op, options, keys);
  expectFloat(op, input, weight, ...(bias ? [bias] : []));
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
  const [, , kernelH, kernelW] = weight.shape;
  if (kernelH < 1 || kernelW < 1) {
    throw new Error(
      `${op}: the kernel must be at least 1x1, got weight shape ${formatShape(weight.shape)}`,
    );
  }
  const [batch, inChannels, inH, inW] = input.ndim === 3 ? [1, ...input.shape] : input.shape;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) {
    throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  }
  const outChannels = channels(inChannels, groups);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(
      `${op}: the bias has shape ${formatShape(bias.shape)} but the weight ${
        formatShape(weight.shape)
      } has ${outChannels} output channels, so the bias must be [${outChannels}]`,
    );
  }
  const [strideH, strideW] = pairOf(op, "stride", options.stride ?? 1, 1);
  const [dilationH, dilationW] = pairOf(op, "dilation", options.dilation ?? 1, 1);
  return {
    batch,
    groups,
    inChannels,
    inH,
    inW,
    outChannels,
    kernelH,
    kernelW,
    strideH,
    strideW,
    dilationH,
    dilationW,
  };
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

/** Refuses an output of no pixels, saying why (`details`: the sizes that made it empty). */
function checkNotEmpty(
  op: string,
  [outH, outW]: Pair,
  input: Tensor,
  weight: Tensor,
  details: () => string,
): void {
  if (outH >= 1 && outW >= 1) return;
  throw new Error(
    `${op}: the output would have spatial size ${outH}x${outW}, which is empty: input ` +
      `${formatShape(input.shape)}, weight ${formatShape(weight.shape)}, ${details()}`,
  );
}

/** The geometry of conv2d(input, weight, bias, options), every operand and option checked. */
export function conv2dGeometry(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
): ConvGeometry {
  const op = "conv2d";
  const [outChannels, perGroup] = weight.shape;
  const c = convCommon(
    op,
    input,
    weight,
    bias,
    options,
    CONV2D_KEYS,
    "[outChannels, inChannels/groups, kH, kW]",
    (inChannels, groups) => {
      if (outChannels % groups !== 0) {
        throw new Error(
          `${op}: the weight's ${outChannels} output channels are not divisible by groups = ` +
            `${groups} (weight shape ${formatShape(weight.shape)})`,
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
      return outChannels;
    },
  );
  const padding = options.padding ?? 0;
  // The extent of the dilated kernel, less one: what a stride-1 conv takes off each axis.
  const reachH = c.dilationH * (c.kernelH - 1), reachW = c.dilationW * (c.kernelW - 1);
  let padH: number, padW: number, outH: number, outW: number;
  if (padding === "same") {
    if (c.strideH !== 1 || c.strideW !== 1) {
      throw new Error(
        `${op}: padding "same" needs stride 1 (as in PyTorch), got stride [${c.strideH}, ` +
          `${c.strideW}]`,
      );
    }
    // PyTorch puts the odd one of an odd total on the bottom/right; the kernel only needs the
    // top/left amount, the output size implies the rest.
    [padH, padW, outH, outW] = [reachH >> 1, reachW >> 1, c.inH, c.inW];
  } else if (padding === "valid" || typeof padding !== "string") {
    [padH, padW] = padding === "valid" ? [0, 0] : pairOf(op, "padding", padding, 0);
    outH = Math.floor((c.inH + 2 * padH - reachH - 1) / c.strideH) + 1;
    outW = Math.floor((c.inW + 2 * padW - reachW - 1) / c.strideW) + 1;
  } else {
    throw new Error(
      `${op}: padding must be a number, a pair, "same" or "valid", got ${JSON.stringify(padding)}`,
    );
  }
  checkNotEmpty(
    op,
    [outH, outW],
    input,
    weight,
    () =>
      `padding [${padH}, ${padW}], dilation [${c.dilationH}, ${c.dilationW}], stride ` +
      `[${c.strideH}, ${c.strideW}]: the padded input (${c.inH + 2 * padH}x${c.inW + 2 * padW}) ` +
      `is smaller than the dilated kernel (${reachH + 1}x${reachW + 1})`,
  );
  return { ...c, outH, outW, padH, padW };
}

/**
 * The geometry of the conv that convTranspose2d(input, weight, bias, options) transposes (its
 * input side is our output), every operand and option checked.
 */
export function convTranspose2dGeometry(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: ConvTranspose2dOptions,
): ConvGeometry {
  const op = "convTranspose2d";
  const [weightIn, perGroup] = weight.shape;
  const c = convCommon(
    op,
    input,
    weight,
    bias,
    options,
    CONV_TRANSPOSE2D_KEYS,
    "[inChannels, outChannels/groups, kH, kW]",
    (inChannels, groups) => {
      if (inChannels !== weightIn) {
        throw new Error(
          `${op}: input has ${inChannels} channels but the weight expects ${weightIn} (input ` +
            `shape ${formatShape(input.shape)}, weight shape ${formatShape(weight.shape)}; the ` +
            "weight is [inChannels, outChannels/groups, kH, kW])",
        );
      }
      if (inChannels % groups !== 0) {
        throw new Error(
          `${op}: the ${inChannels} input channels are not divisible by groups = ${groups} ` +
            `(input shape ${formatShape(input.shape)}, weight shape ${formatShape(weight.shape)})`,
        );
      }
      return perGroup * groups;
    },
  );
  const [padH, padW] = pairOf(op, "padding", options.padding ?? 0, 0);
  const [extraH, extraW] = pairOf(op, "outputPadding", options.outputPadding ?? 0, 0);
  if (
    (extraH >= c.strideH && extraH >= c.dilationH) || (extraW >= c.strideW && extraW >= c.dilationW)
  ) {
    throw new Error(
      `${op}: outputPadding must be smaller than either the stride or the dilation (as in ` +
        `PyTorch), got outputPadding [${extraH}, ${extraW}], stride [${c.strideH}, ${c.strideW}], ` +
        `dilation [${c.dilationH}, ${c.dilationW}]`,
    );
  }
  // What the transposed conv produces before the padding is taken off each side.
  const fullH = (c.inH - 1) * c.strideH + c.dilationH * (c.kernelH - 1) + extraH + 1;
  const fullW = (c.inW - 1) * c.strideW + c.dilationW * (c.kernelW - 1) + extraW + 1;
  const outH = fullH - 2 * padH, outW = fullW - 2 * padW;
  checkNotEmpty(
    op,
    [outH, outW],
    input,
    weight,
    () =>
      `stride [${c.strideH}, ${c.strideW}], padding [${padH}, ${padW}], dilation ` +
      `[${c.dilationH}, ${c.dilationW}], outputPadding [${extraH}, ${extraW}]: the transposed ` +
      `conv makes ${fullH}x${fullW} and the padding takes ${2 * padH}x${2 * padW} of it away`,
  );
  // The conv being transposed maps our output [outChannels, outH, outW] to our input.
  return {
    ...c,
    inChannels: c.outChannels,
    inH: outH,
    inW: outW,
    outChannels: c.inChannels,
    outH: c.inH,
    outW: c.inW,
    padH,
    padW,
  };
}
