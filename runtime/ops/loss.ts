/**
 * Losses with PyTorch's `reduction` ("mean" | "sum" | "none"). Each checks shapes and refuses
 * non-finite inputs with a message that says where the bad value is. Cross-entropy and BCE with
 * logits are computed in their stable forms (log-softmax; max(x,0) − x·y + log1p(e^−|x|)).
 */
import type { Tensor } from "../tensor.ts";
import { BinaryOp, UnaryOp } from "../backend/kernels/elementwise.ts";
import { binary, unary } from "../backend/kernels/elementwise.ts";
import { firstNonFinite } from "../backend/kernels/fill.ts";
import { IndexOutOfRange } from "../backend/kernels/gather.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat } from "./broadcast.ts";
import { abs, add, clamp, log, mul, square, sub } from "./arithmetic.ts";
import { lt, where } from "./compare.ts";
import { max, mean, min, sum } from "./reduce.ts";
import { logSoftmax } from "./activation.ts";
import { gather } from "./indexing.ts";
import { squeeze, unsqueeze } from "./shape_ops.ts";
import { formatShape, sameShape, stridesOf } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** How a loss combines its per-element values. */
export type Reduction = "mean" | "sum" | "none";

/** Options of the losses. */
export interface LossOptions {
  reduction?: Reduction;
}

/** Options of huberLoss. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (positive). Default 1. */
  delta?: number;
}

/** Options of smoothL1Loss. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (non-negative; 0 is the L1 loss). Default 1. */
  beta?: number;
}

const LOSS_KEYS: OptionKeys<LossOptions> = { reduction: true };
const HUBER_KEYS: OptionKeys<HuberLossOptions> = { reduction: true, delta: true };
const SMOOTH_L1_KEYS: OptionKeys<SmoothL1LossOptions> = { reduction: true, beta: true };

function reduce(op: string, loss: Tensor, reduction: Reduction = "mean"): Tensor {
  switch (reduction) {
    case "mean":
      return mean(loss);
    case "sum":
      return sum(loss);
    case "none":
      return loss;
    default:
      throw new Error(`${op}: reduction must be "mean", "sum" or "none", got "${reduction}"`);
  }
}

/** Throws naming the loss, the argument and the position of the first NaN or ±Infinity. */
export function checkFinite(op: string, argument: string, t: Tensor): void {
  const at = firstNonFinite(t);
  if (at < 0) return;
  const strides = stridesOf(t.shape);
  const position = strides.map((s, i) => Math.floor(at / s) % t.shape[i]);
  const value = t.data()[at];
  throw new RangeError(
    `${op}: the ${argument} holds ${value} at index [${position.join(", ")}] ` +
      `(shape ${formatShape(t.shape)}); a loss needs finite values — check the data and the ` +
      "learning rate",
  );
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(
      `${op}: the input has shape ${formatShape(input.shape)} but the target has ` +
        `${formatShape(target.shape)}; they must match (reshape one of them)`,
    );
  }
}

function prepare<T extends LossOptions>(
  op: string,
  input: Tensor,
  target: Tensor,
  options: T,
  keys: OptionKeys<T>,
): void {
  checkOptions(op, options, keys);
  expectFloat(op, input, target);
  checkSameShape(op, input, target);
  checkFinite(op, "input", input);
  checkFinite(op, "target", target);
}

/** Mean squared error. @example mseLoss(prediction, target) */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  prepare("mseLoss", input, target, options, LOSS_KEYS);
  return reduce("mseLoss", square(sub(input, target)), options.reduction);
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  prepare("l1Loss", input, target, options, LOSS_KEYS);
  return reduce("l1Loss", abs(sub(input, target)), options.reduction);
}

/** Huber loss: ½d² where |d| < delta, delta·(|d| − ½delta) elsewhere (d = input − target). */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: HuberLossOptions = {},
): Tensor {
  prepare("huberLoss", input, target, options, HUBER_KEYS);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be positive, got ${delta}`);
  const d = sub(input, target);
  const absolute = abs(d);
  const quadratic = mul(square(d), 0.5);
  const linear = mul(sub(absolute, 0.5 * delta), delta);
  return reduce("huberLoss", where(lt(absolute, delta), quadratic, linear), options.reduction);
}

/**
 * Smooth L1 loss (PyTorch's smooth_l1_loss): ½d²/beta where |d| < beta, |d| − ½beta elsewhere
 * (d = input − target); beta = 0 is the L1 loss. Equals huberLoss(delta = beta) / beta.
 * @example smoothL1Loss(boxes, targetBoxes, { beta: 0.5 })
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: SmoothL1LossOptions = {},
): Tensor {
  prepare("smoothL1Loss", input, target, options, SMOOTH_L1_KEYS);
  const beta = options.beta ?? 1;
  if (!(beta >= 0) || !Number.isFinite(beta)) {
    throw new RangeError(`smoothL1Loss: beta must be a finite number ≥ 0, got ${beta}`);
  }
  const d = sub(input, target);
  const absolute = abs(d);
  if (beta === 0) return reduce("smoothL1Loss", absolute, options.reduction);
  const quadratic = mul(square(d), 0.5 / beta);
  const linear = sub(absolute, 0.5 * beta);
  return reduce("smoothL1Loss", where(lt(absolute, beta), quadratic, linear), options.reduction);
}

/**
 * Negative log-likelihood of class indices: input holds log-probabilities [N, C] (or [N, C, d…]),
 * target int32 [N] (or [N, d…]) with values in 0..C−1.
 */
export function nllLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkOptions("nllLoss", options, LOSS_KEYS);
  expectFloat("nllLoss", input);
  if (target.dtype !== "int32") {
    throw new TypeError(
      `nllLoss: the target must hold int32 class indices, got ${target.dtype} ` +
        '(create it with { dtype: "int32" })',
    );
  }
  const expected = input.ndim >= 2 ? [input.shape[0], ...input.shape.slice(2)] : [];
  if (input.ndim < 1 || !sameShape(target.shape, input.ndim === 1 ? [] : expected)) {
    throw new Error(
      `nllLoss: the input has shape ${formatShape(input.shape)} so the target must have shape ` +
        `${formatShape(input.ndim === 1 ? [] : expected)}, got ${formatShape(target.shape)}`,
    );
  }
  checkFinite("nllLoss", "input", input);
  const classDim = input.ndim === 1 ? 0 : 1;
  let picked: Tensor;
  try {
    picked = gather(input, classDim, unsqueeze(target, classDim));
  } catch (error) {
    if (error instanceof IndexOutOfRange) {
      throw new RangeError(
        `nllLoss: target ${error.value} at position ${error.position} is not a class index ` +
          `for ${input.shape[classDim]} classes (expected 0..${input.shape[classDim] - 1})`,
      );
    }
    throw error;
  }
  return reduce("nllLoss", mul(squeeze(picked, classDim), -1), options.reduction);
}

/**
 * Cross-entropy of logits [N, C] (or [N, C, d…]) against int32 class indices [N] (or [N, d…]):
 * nllLoss(logSoftmax(logits, 1), target), finite and exact for logits of magnitude 1e4.
 * @example crossEntropy(model.forward(x), labels)
 */
export function crossEntropy(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkOptions("crossEntropy", options, LOSS_KEYS);
  expectFloat("crossEntropy", input);
  checkFinite("crossEntropy", "input", input);
  return nllLoss(logSoftmax(input, input.ndim === 1 ? 0 : 1), target, options);
}

/**
 * Binary cross-entropy of probabilities in [0, 1]; each log is clamped to ≥ −100 as in PyTorch,
 * so p = 0 or 1 gives a finite loss. For logits use `binaryCrossEntropyWithLogits`.
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: LossOptions = {},
): Tensor {
  prepare("binaryCrossEntropy", input, target, options, LOSS_KEYS);
  const lowest = min(input).item(), highest = max(input).item();
  if (input.size > 0 && (lowest < 0 || highest > 1)) {
    throw new RangeError(
      `binaryCrossEntropy: the input must be probabilities in [0, 1], got values in ` +
        `[${lowest}, ${highest}]; for raw scores use binaryCrossEntropyWithLogits`,
    );
  }
  const logP = clamp(log(input), { min: -100 });
  const logOneMinusP = clamp(log(oneMinus(input)), { min: -100 });
  // −(y·log p + (1 − y)·log(1 − p))
  const positive = mul(target, logP);
  const negative = mul(oneMinus(target), logOneMinusP);
  return reduce("binaryCrossEntropy", mul(add(positive, negative), -1), options.reduction);
}

function oneMinus(t: Tensor): Tensor {
  return add(mul(t, -1), 1);
}

/**
 * Binary cross-entropy on logits in the stable form max(x, 0) − x·y + log(1 + e^−|x|); its
 * gradient is σ(x) − y. Finite and exact for logits of magnitude 1e4.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: LossOptions = {},
): Tensor {
  prepare("binaryCrossEntropyWithLogits", input, target, options, LOSS_KEYS);
  const out = binary("binaryCrossEntropyWithLogits", BinaryOp.BceWithLogits, input, target);
  const elementwise = record(out, "binaryCrossEntropyWithLogits", [input, target], (g) => [
    input.requiresGrad ? gradLogits(g, input, target) : null,
    target.requiresGrad ? gradTarget(g, input) : null,
  ]);
  return reduce("binaryCrossEntropyWithLogits", elementwise, options.reduction);
}

function gradLogits(g: Tensor, input: Tensor, target: Tensor): Tensor {
  const diff = binary("bce", BinaryOp.BceWithLogitsGrad, input, target);
  const grad = binary("bce", BinaryOp.Mul, g, diff);
  diff.dispose();
  return grad;
}

function gradTarget(g: Tensor, input: Tensor): Tensor {
  // d/dy = −x
  const negated = unary(UnaryOp.Neg, input);
  const grad = binary("bce", BinaryOp.Mul, g, negated);
  negated.dispose();
  return grad;
}
