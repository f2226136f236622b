/**
 * ONNX layers: Conv, ConvTranspose (1-D and 2-D), Gemm, MatMul, MaxPool, AveragePool, global
 * pooling, BatchNormalization, LayerNormalization, InstanceNormalization.
 */
import type { Tensor } from "../../tensor.ts";
import * as A from "../../ops/arithmetic.ts";
import { conv2d, convTranspose2d } from "../../ops/conv.ts";
import { linear, matmul } from "../../ops/matmul.ts";
import { avgPool2d, maxPool2d } from "../../ops/pool.ts";
import { batchNorm, layerNorm } from "../../ops/norm.ts";
import { pad } from "../../ops/pad.ts";
import { full } from "../../ops/creation.ts";
import { max, mean, variance } from "../../ops/reduce.ts";
import { reshape, squeeze, transpose, unsqueeze } from "../../ops/shape_ops.ts";
import { asTensor, type Value } from "../value.ts";
import {
  type Attributes,
  fail,
  type NodeContext,
  type OpSpec,
  type OpTable,
  required,
} from "../op.ts";

function float(
  inputs: readonly (Value | undefined)[],
  index: number,
  context: NodeContext,
): Tensor {
  return asTensor(required(inputs, index, context));
}

function optional(inputs: readonly (Value | undefined)[], index: number): Tensor | null {
  const value = inputs[index];
  return value === undefined ? null : asTensor(value);
}

/** Spatial geometry of a conv or pool: per spatial dim kernel, stride, dilation, pads. */
interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before and after each spatial dim. */
  before: number[];
  after: number[];
}

const AUTO_PADS = ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"];

function checkWindow(attributes: Attributes): string | null {
  const autoPad = attributes.string("auto_pad", "NOTSET");
  if (!AUTO_PADS.includes(autoPad)) return `attribute 'auto_pad' = ${autoPad}`;
  const kernel = attributes.ints("kernel_shape");
  if (kernel !== undefined && (kernel.length < 1 || kernel.length > 2)) {
    return `attribute 'kernel_shape' of ${kernel.length} dims (1-D and 2-D are supported)`;
  }
  return null;
}

function windowOf(context: NodeContext, spatial: number[], kernel: number[]): Window {
  const a = context.attributes;
  const rank = spatial.length;
  const ones = new Array<number>(rank).fill(1);
  const strides = a.ints("strides") ?? ones, dilations = a.ints("dilations") ?? ones;
  const pads = a.ints("pads") ?? new Array<number>(2 * rank).fill(0);
  const autoPad = a.string("auto_pad", "NOTSET");
  let before = pads.slice(0, rank), after = pads.slice(rank);
  if (autoPad === "VALID") before = after = new Array<number>(rank).fill(0);
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    before = [];
    after = [];
    spatial.forEach((size, d) => {
      const out = Math.ceil(size / strides[d]);
      const total = Math.max((out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - size, 0);
      const small = Math.floor(total / 2);
      before.push(autoPad === "SAME_UPPER" ? small : total - small);
      after.push(autoPad === "SAME_UPPER" ? total - small : small);
    });
  }
  return { kernel, strides, dilations, before, after };
}

/** Lifts 1-D [N, C, L] data to 2-D [N, C, 1, L] (and geometry likewise) for the 2-D kernels. */
function lift(x: Tensor, w: Window, rank: number): { x: Tensor; w: Window } {
  if (rank === 2) return { x, w };
  return {
    x: unsqueeze(x, 2),
    w: {
      kernel: [1, ...w.kernel],
      strides: [1, ...w.strides],
      dilations: [1, ...w.dilations],
      before: [0, ...w.before],
      after: [0, ...w.after],
    },
  };
}

/** Pads explicitly when before ≠ after; returns the symmetric padding left to the kernel. */
function symmetric(x: Tensor, w: Window, value: number): { x: Tensor; padding: [number, number] } {
  if (w.before[0] === w.after[0] && w.before[1] === w.after[1]) {
    return { x, padding: [w.before[0], w.before[1]] };
  }
  return {
    x: pad(x, [w.before[1], w.after[1], w.before[0], w.after[0]], "constant", value),
    padding: [0, 0],
  };
}

function pair(values: number[]): [number, number] {
  return [values[0], values[1]];
}

function spatialRank(x: Tensor, context: NodeContext): number {
  const rank = x.ndim - 2;
  if (rank !== 1 && rank !== 2) {
    fail(
      context,
      `input of shape [${x.shape}] has ${rank} spatial dims; 1-D and 2-D are supported`,
    );
  }
  return rank;
}

const conv: OpSpec = {
  attributes: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"],
  check: checkWindow,
  run(inputs, context) {
    const x = float(inputs, 0, context), weight = float(inputs, 1, context);
    const bias = optional(inputs, 2);
    const rank = spatialRank(x, context);
    const window = windowOf(context, x.shape.slice(2), weight.shape.slice(2));
    const lifted = lift(x, window, rank);
    const w2 = rank === 1 ? unsqueeze(weight, 2) : weight;
    const { x: padded, padding } = symmetric(lifted.x, lifted.w, 0);
    const out = conv2d(padded, w2, bias, {
      stride: pair(lifted.w.strides),
      dilation: pair(lifted.w.dilations),
      padding,
      groups: context.attributes.int("group", 1),
    });
    return [rank === 1 ? squeeze(out, 2) : out];
  },
};

const convTranspose: OpSpec = {
  attributes: [
    "auto_pad",
    "dilations",
    "group",
    "kernel_shape",
    "output_padding",
    "output_shape",
    "pads",
    "strides",
  ],
  check: checkWindow,
  run(inputs, context) {
    const x = float(inputs, 0, context), weight = float(inputs, 1, context);
    const bias = optional(inputs, 2);
    const a = context.attributes;
    const rank = spatialRank(x, context);
    const spatial = x.shape.slice(2), kernel = weight.shape.slice(2);
    const ones = new Array<number>(rank).fill(1), zeros = new Array<number>(rank).fill(0);
    const strides = a.ints("strides") ?? ones, dilations = a.ints("dilations") ?? ones;
    const outputPadding = a.ints("output_padding") ?? zeros;
    const pads = a.ints("pads") ?? [...zeros, ...zeros];
    let before = pads.slice(0, rank), after = pads.slice(rank);
    const autoPad = a.string("auto_pad", "NOTSET");
    const full = spatial.map((n, d) => (n - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1);
    const target = a.ints("output_shape")?.slice(-rank) ??
      (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER"
        ? spatial.map((n, d) => n * strides[d])
        : undefined);
    if (target !== undefined) {
      const total = target.map((t, d) => full[d] + outputPadding[d] - t);
      const half = total.map((t) => Math.floor(t / 2));
      before = autoPad === "SAME_UPPER" ? half : total.map((t, d) => t - half[d]);
      after = total.map((t, d) => t - before[d]);
    }
    const liftedX = rank === 1 ? unsqueeze(x, 2) : x;
    const liftedW = rank === 1 ? unsqueeze(weight, 2) : weight;
    const widen = (v: number[], first: number) => (rank === 1 ? [first, ...v] : v);
    let out = convTranspose2d(liftedX, liftedW, null, {
      stride: pair(widen(strides, 1)),
      dilation: pair(widen(dilations, 1)),
      groups: a.int("group", 1),
    });
    const b = widen(before, 0), e = widen(after, 0), p = widen(outputPadding, 0);
    out = pad(out, [-b[1], p[1] - e[1], -b[0], p[0] - e[0]]);
    if (bias !== null) out = A.add(out, reshape(bias, [-1, 1, 1]));
    return [rank === 1 ? squeeze(out, 2) : out];
  },
};

function pool(kind: "max" | "average"): OpSpec {
  const attributes = kind === "max"
    ? ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
    : ["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"];
  return {
    attributes,
    check(a, _opset, _inputs, outputs) {
      if (outputs > 1) return "output 'Indices' (the argmax of each window)";
      if (a.int("storage_order", 0) !== 0) return "attribute 'storage_order' = 1";
      return checkWindow(a);
    },
    run(inputs, context) {
      const x = float(inputs, 0, context);
      const rank = spatialRank(x, context);
      const kernel = context.attributes.ints("kernel_shape");
      if (kernel === undefined) fail(context, "attribute 'kernel_shape' is required");
      const lifted = lift(x, windowOf(context, x.shape.slice(2), kernel), rank);
      const ceilMode = context.attributes.int("ceil_mode", 0) === 1;
      const includePad = context.attributes.int("count_include_pad", 0) === 1;
      const w = lifted.w;
      const asymmetric = w.before[0] !== w.after[0] || w.before[1] !== w.after[1];
      const tooWide = w.before.some((p, d) => p > w.kernel[d] / 2) ||
        w.after.some((p, d) => p > w.kernel[d] / 2);
      if (kind === "average" && !includePad && (asymmetric || tooWide)) {
        return [averageOverValid(lifted.x, w, ceilMode, rank)];
      }
      const explicit = asymmetric || tooWide;
      const { x: padded, padding } = explicit
        ? {
          x: pad(
            lifted.x,
            [w.before[1], w.after[1], w.before[0], w.after[0]],
            "constant",
            kind === "max" ? -Infinity : 0,
          ),
          padding: [0, 0] as [number, number],
        }
        : symmetric(lifted.x, w, 0);
      const out = kind === "max"
        ? maxPool2d(padded, pair(w.kernel), {
          stride: pair(w.strides),
          dilation: pair(w.dilations),
          padding,
          ceilMode,
        })
        : avgPool2d(padded, pair(w.kernel), {
          stride: pair(w.strides),
          padding,
          ceilMode,
          countIncludePad: includePad,
        });
      return [rank === 1 ? squeeze(out, 2) : out];
    },
  };
}

/**
 * Average pooling that counts only real (not padded) taps, for pads the kernel cannot take
 * itself (asymmetric, or wider than half the window): the window sums of the zero-padded input
 * divided by the window sums of a padded mask of ones.
 */
function averageOverValid(x: Tensor, w: Window, ceilMode: boolean, rank: number): Tensor {
  const pads = [w.before[1], w.after[1], w.before[0], w.after[0]];
  const options = { stride: pair(w.strides), ceilMode, countIncludePad: true };
  const sums = avgPool2d(pad(x, pads), pair(w.kernel), options);
  const ones = full([1, 1, ...x.shape.slice(2)], 1);
  const counts = avgPool2d(pad(ones, pads), pair(w.kernel), options);
  const out = A.div(sums, counts);
  return rank === 1 ? squeeze(out, 2) : out;
}

function spatialDims(x: Tensor): number[] {
  return x.shape.slice(2).map((_, i) => i + 2);
}

const gemm: OpSpec = {
  attributes: ["alpha", "beta", "transA", "transB", "broadcast"],
  run(inputs, context) {
    const a = context.attributes;
    let left = float(inputs, 0, context), right = float(inputs, 1, context);
    const c = optional(inputs, 2);
    const alpha = a.float("alpha", 1), beta = a.float("beta", 1);
    if (a.int("transA", 0)) left = transpose(left, 0, 1);
    if (
      alpha === 1 && beta === 1 && a.int("transB", 0) === 1 && (c === null || c.ndim === 1) &&
      (c === null || c.shape[0] === right.shape[0])
    ) {
      return [linear(left, right, c)];
    }
    if (a.int("transB", 0)) right = transpose(right, 0, 1);
    let out = matmul(left, right);
    if (alpha !== 1) out = A.mul(out, alpha);
    if (c !== null) out = A.add(out, beta === 1 ? c : A.mul(c, beta));
    return [out];
  },
};

/** The layer ops. */
export const nnOps: OpTable = {
  Conv: conv,
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: {
    attributes: [],
    run: (inputs, context) => [matmul(float(inputs, 0, context), float(inputs, 1, context))],
  },
  MaxPool: pool("max"),
  AveragePool: pool("average"),
  GlobalAveragePool: {
    attributes: [],
    run(inputs, context) {
      const x = float(inputs, 0, context);
      return [mean(x, spatialDims(x), true)];
    },
  },
  GlobalMaxPool: {
    attributes: [],
    run(inputs, context) {
      const x = float(inputs, 0, context);
      return [max(x, spatialDims(x), true)];
    },
  },
  BatchNormalization: {
    attributes: ["epsilon", "momentum", "spatial", "training_mode", "is_test"],
    check(a, _opset, _inputs, outputs) {
      if (outputs > 1) return `${outputs} outputs (the running statistics of training mode)`;
      if (a.int("spatial", 1) !== 1) return "attribute 'spatial' = 0";
      if (a.int("training_mode", 0) !== 0) return "attribute 'training_mode' = 1";
      return null;
    },
    run(inputs, context) {
      const x = float(inputs, 0, context);
      const [scale, bias, runningMean, runningVar] = [1, 2, 3, 4].map((i) =>
        float(inputs, i, context)
      );
      // ONNX's momentum weighs the running value; PyTorch's weighs the batch value.
      const momentum = 1 - context.attributes.float("momentum", 0.9);
      return [batchNorm(x, runningMean, runningVar, scale, bias, {
        training: context.training,
        momentum,
        eps: context.attributes.float("epsilon", 1e-5),
      })];
    },
  },
  LayerNormalization: {
    attributes: ["axis", "epsilon", "stash_type"],
    run(inputs, context) {
      const x = float(inputs, 0, context);
      const axis = context.attributes.int("axis", -1);
      const d = axis < 0 ? axis + x.ndim : axis;
      const eps = context.attributes.float("epsilon", 1e-5);
      const scale = optional(inputs, 1), bias = optional(inputs, 2);
      const affine = (normalized: Tensor) => {
        const scaled = scale === null ? normalized : A.mul(normalized, scale);
        return bias === null ? scaled : A.add(scaled, bias);
      };
      if (context.outputCount === 1) {
        return [affine(layerNorm(x, x.shape.slice(d), null, null, { eps }))];
      }
      // The statistics outputs: mean and 1/sqrt(var + eps) over the normalised dims, kept.
      const dims = x.shape.slice(d).map((_, i) => d + i);
      const average = mean(x, dims, true);
      const inverse = A.pow(A.add(variance(x, dims, { correction: 0, keepdim: true }), eps), -0.5);
      return [affine(A.mul(A.sub(x, average), inverse)), average, inverse];
    },
  },
  InstanceNormalization: {
    attributes: ["epsilon"],
    run(inputs, context) {
      const x = float(inputs, 0, context);
      const scale = float(inputs, 1, context), bias = float(inputs, 2, context);
      const dims = spatialDims(x);
      const eps = context.attributes.float("epsilon", 1e-5);
      const centered = A.sub(x, mean(x, dims, true));
      const spread = A.sqrt(A.add(variance(x, dims, { correction: 0, keepdim: true }), eps));
      const channel = [-1, ...dims.map(() => 1)];
      const y = A.div(centered, spread);
      return [A.add(A.mul(y, reshape(scale, channel)), reshape(bias, channel))];
    },
  },
};
