/** Activation functions and softmax / log-softmax, each beside its gradient. */
import type { Tensor } from "../tensor.ts";
import { BinaryOp, UnaryOp } from "../backend/kernels/elementwise.ts";
import { binary, unary } from "../backend/kernels/elementwise.ts";
import { softmaxBackwardKernel, softmaxKernel } from "../backend/kernels/softmax.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat } from "./broadcast.ts";
import { normalizeDim } from "../shape.ts";
import { reshape } from "./shape_ops.ts";
import { add, div, mul } from "./arithmetic.ts";
import { gt, where } from "./compare.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of softplus (PyTorch's meaning). */
export interface SoftplusOptions {
  /** The curve is log(1 + e^(beta·x)) / beta. Default 1. */
  beta?: number;
  /** Above beta·x > threshold the result is x itself. Default 20. */
  threshold?: number;
}

/** Options of gelu. */
export interface GeluOptions {
  /**
   * "none" (default): the exact x·Φ(x). "tanh": PyTorch's tanh approximation
   * ½x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2 and BERT use.
   */
  approximate?: "none" | "tanh";
}

/** The keys of SoftplusOptions (for nn.Softplus's check). */
export const SOFTPLUS_KEYS: OptionKeys<SoftplusOptions> = { beta: true, threshold: true };
/** The keys of GeluOptions. */
export const GELU_KEYS: OptionKeys<GeluOptions> = { approximate: true };

/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  expectFloat("relu", x);
  const out = unary(UnaryOp.Relu, x);
  return record(out, "relu", [x], (g) => [binary("relu", BinaryOp.ReluGrad, g, x)]);
}

/** x for x > 0, negativeSlope·x otherwise (PyTorch's default slope 0.01). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  expectFloat("leakyRelu", x);
  const out = unary(UnaryOp.LeakyRelu, x, negativeSlope);
  return record(out, "leakyRelu", [x], (g) => [
    binary("leakyRelu", BinaryOp.LeakyReluGrad, g, x, negativeSlope),
  ]);
}

/** 1 / (1 + e^−x), computed without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  expectFloat("sigmoid", x);
  const out = unary(UnaryOp.Sigmoid, x);
  // σ' = σ(1 − σ), from the output
  return record(out, "sigmoid", [x], (g) => [binary("sigmoid", BinaryOp.SigmoidGrad, g, out)]);
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  expectFloat("tanh", x);
  const out = unary(UnaryOp.Tanh, x);
  // tanh' = 1 − tanh², from the output
  return record(out, "tanh", [x], (g) => [binary("tanh", BinaryOp.TanhGrad, g, out)]);
}

/**
 * log(1 + e^(beta·x)) / beta, stable for large |x|, and x where beta·x > threshold (PyTorch's
 * defaults beta 1, threshold 20); its derivative is σ(beta·x) below the threshold.
 * @example softplus(x, { beta: 2 })
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  checkOptions("softplus", options, SOFTPLUS_KEYS);
  expectFloat("softplus", x);
  const { beta = 1, threshold = 20 } = options;
  if (!Number.isFinite(beta) || beta === 0 || Number.isNaN(threshold)) {
    throw new RangeError(
      `softplus: beta must be a finite nonzero number and threshold a number, got beta ${beta}, ` +
        `threshold ${threshold}`,
    );
  }
  // With beta 1 the kernel's log1p(e^x) differs from x above 20 by under e^−20, below float32's
  // resolution there, so PyTorch's default threshold needs no extra pass.
  if (beta !== 1 || threshold < 20) {
    const scaled = mul(x, beta);
    return where(gt(scaled, threshold), x, div(softplus(scaled), beta));
  }
  const out = unary(UnaryOp.Softplus, x);
  return record(out, "softplus", [x], (g) => [binary("softplus", BinaryOp.SoftplusGrad, g, x)]);
}

/**
 * GELU, exact form x·Φ(x) (PyTorch's default; derivative Φ(x) + x·φ(x)), or with
 * `{ approximate: "tanh" }` PyTorch's tanh approximation.
 * @example gelu(x, { approximate: "tanh" })
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  checkOptions("gelu", options, GELU_KEYS);
  expectFloat("gelu", x);
  const approximate = options.approximate ?? "none";
  if (approximate === "tanh") return geluTanh(x);
  if (approximate !== "none") {
    throw new RangeError(`gelu: approximate must be "none" or "tanh", got ${String(approximate)}`);
  }
  const out = unary(UnaryOp.Gelu, x);
  return record(out, "gelu", [x], (g) => [binary("gelu", BinaryOp.GeluGrad, g, x)]);
}

/** ½x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), composed so its gradient comes from its parts. */
function geluTanh(x: Tensor): Tensor {
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/** x for x > 0, alpha·(e^x − 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  expectFloat("elu", x);
  const out = unary(UnaryOp.Elu, x, alpha);
  return record(out, "elu", [x], (g) => [binary("elu", BinaryOp.EluGrad, g, x, alpha)]);
}

/** x·σ(x) (also called swish). */
export function silu(x: Tensor): Tensor {
  expectFloat("silu", x);
  const out = unary(UnaryOp.Silu, x);
  return record(out, "silu", [x], (g) => [binary("silu", BinaryOp.SiluGrad, g, x)]);
}

/**
 * e^x / Σ e^x along `dim`, max-subtracted (finite and exact for logits of ±1e4).
 * @example softmax(logits, 1) // rows sum to 1
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  expectFloat("softmax", x);
  const d = normalizeDim("softmax", dim, x.ndim);
  if (x.ndim === 0) return reshape(softmax(reshape(x, [1]), 0), []);
  const out = softmaxKernel(x, d, false);
  // gx = y·(g − Σ g·y)
  return record(out, "softmax", [x], (g) => [softmaxBackwardKernel(g, out, d, false)]);
}

/** log(softmax(x)) along `dim`, computed as x − max − log Σ e^(x − max). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  expectFloat("logSoftmax", x);
  const d = normalizeDim("logSoftmax", dim, x.ndim);
  if (x.ndim === 0) return reshape(logSoftmax(reshape(x, [1]), 0), []);
  const out = softmaxKernel(x, d, true);
  // gx = g − softmax·Σ g
  return record(out, "logSoftmax", [x], (g) => [softmaxBackwardKernel(g, out, d, true)]);
}
