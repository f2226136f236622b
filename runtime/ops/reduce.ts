/** Reductions with PyTorch's `dim` / `keepdim`: sum, mean, max, min, argmax, argmin, logsumexp, var. */
import type { Tensor } from "../tensor.ts";
import { BinaryOp, UnaryOp } from "../backend/kernels/elementwise.ts";
import { ReduceOp } from "../backend/kernels/reduce.ts";
import { broadcastTo } from "../backend/kernels/copy.ts";
import { binary, unary } from "../backend/kernels/elementwise.ts";
import { reduceDim } from "../backend/kernels/reduce.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat } from "./broadcast.ts";
import { formatShape, normalizeDim } from "../shape.ts";
import { mul, square, sub } from "./arithmetic.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** One dim, several dims, or all dims (undefined). */
export type Dims = number | readonly number[] | undefined;

/** Normalised, sorted, distinct dims; all dims when `dims` is undefined. */
export function resolveDims(op: string, dims: Dims, rank: number): number[] {
  if (dims === undefined) return [...Array(rank).keys()];
  const list = typeof dims === "number" ? [dims] : [...dims];
  const resolved = [...new Set(list.map((d) => normalizeDim(op, d, rank)))].sort((a, b) => a - b);
  if (resolved.length !== list.length) {
    throw new Error(`${op}: dims ${JSON.stringify(list)} repeat a dimension`);
  }
  return rank === 0 ? [] : resolved;
}

/** The shape after reducing `dims`, keeping them as size 1 or dropping them. */
function reducedShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  return keepdim
    ? shape.map((d, i) => (dims.includes(i) ? 1 : d))
    : shape.filter((_, i) => !dims.includes(i));
}

/** Applies a reduce kernel over several dims one after the other (highest first), keepdim. */
function reduceAll(code: number, x: Tensor, dims: number[]): Tensor {
  let current = x;
  for (let i = dims.length - 1; i >= 0; i--) {
    const next = reduceDim(code, current, dims[i], true);
    if (current !== x) current.dispose();
    current = next;
  }
  return current === x ? x.alias(x.shape) : current;
}

function reduction(op: string, code: number, x: Tensor, dims: Dims, keepdim: boolean): {
  out: Tensor;
  axes: number[];
  kept: number[];
} {
  expectFloat(op, x);
  const axes = resolveDims(op, dims, x.ndim);
  for (const d of axes) {
    if (x.shape[d] === 0 && (code === ReduceOp.Max || code === ReduceOp.Min)) {
      throw new Error(`${op}: cannot reduce the empty dim ${d} of shape ${formatShape(x.shape)}`);
    }
  }
  const kept = reducedShape(x.shape, axes, true);
  const reduced = reduceAll(code, x, axes);
  const out = reduced.alias(reducedShape(x.shape, axes, keepdim));
  reduced.dispose();
  return { out, axes, kept };
}

/** g reshaped to the keepdim shape and broadcast back over x's shape. */
function expandBack(g: Tensor, kept: number[], shape: readonly number[]): Tensor {
  const view = g.alias(kept);
  const out = broadcastTo(view, shape);
  view.dispose();
  return out;
}

/**
 * Sum over `dim` (all dims when omitted).
 * @example sum(x, 1, true) // [n, m] → [n, 1]
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const { out, kept } = reduction("sum", ReduceOp.Sum, x, dim, keepdim);
  return record(out, "sum", [x], (g) => [expandBack(g, kept, x.shape)]);
}

/** Mean over `dim` (all dims when omitted). */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const { out, axes, kept } = reduction("mean", ReduceOp.Mean, x, dim, keepdim);
  const count = axes.reduce((n, d) => n * x.shape[d], 1);
  return record(out, "mean", [x], (g) => {
    const spread = expandBack(g, kept, x.shape);
    const grad = unary(UnaryOp.MulScalar, spread, 1 / count);
    spread.dispose();
    return [grad];
  });
}

function extremum(op: string, code: number) {
  return (x: Tensor, dim?: Dims, keepdim = false): Tensor => {
    const { out, kept } = reduction(op, code, x, dim, keepdim);
    // The gradient is shared evenly by the elements equal to the extremum (PyTorch's amax/amin).
    return record(out, op, [x], (g) => {
      const best = out.alias(kept);
      const mask = binary(op, BinaryOp.Eq, x, best);
      best.dispose();
      const counts = reduceAll(ReduceOp.Sum, mask, resolveDims(op, dim, x.ndim));
      const share = g.alias(kept);
      const perElement = binary(op, BinaryOp.Div, share, counts);
      const grad = binary(op, BinaryOp.Mul, mask, perElement);
      for (const t of [mask, counts, share, perElement]) t.dispose();
      return [grad];
    });
  };
}

/** Largest value over `dim` (all when omitted); ties share the gradient evenly. */
export const max = extremum("max", ReduceOp.Max);
/** Smallest value over `dim` (all when omitted); ties share the gradient evenly. */
export const min = extremum("min", ReduceOp.Min);
/**
 * PyTorch's amax: the largest value over one or several dims (all when omitted).
 * @example amax(x, [2, 3], true) // [N, C, H, W] → [N, C, 1, 1]
 */
export const amax = extremum("amax", ReduceOp.Max);
/** PyTorch's amin: the smallest value over one or several dims (all when omitted). */
export const amin = extremum("amin", ReduceOp.Min);

function argExtremum(op: string, code: number) {
  return (x: Tensor, dim?: number, keepdim = false): Tensor => {
    expectFloat(op, x);
    if (dim === undefined) {
      const flat = x.alias([x.size]);
      const index = reduceDim(code, flat, 0, false);
      flat.dispose();
      return index;
    }
    const d = normalizeDim(op, dim, x.ndim);
    if (x.shape[d] === 0) throw new Error(`${op}: cannot take ${op} of an empty dim`);
    return reduceDim(code, x, d, keepdim);
  };
}

/** Index (int32) of the largest value along `dim`, first on ties; over the flattened tensor when omitted. */
export const argmax = argExtremum("argmax", ReduceOp.ArgMax);
/** Index (int32) of the smallest value along `dim`, first on ties. */
export const argmin = argExtremum("argmin", ReduceOp.ArgMin);

/** log Σ exp(x) over `dim`, max-shifted so that logits of ±1e4 stay finite and exact. */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  const { out, kept } = reduction("logsumexp", ReduceOp.LogSumExp, x, dim, keepdim);
  // d lse / dx = exp(x − lse) = softmax(x)
  return record(out, "logsumexp", [x], (g) => {
    const lse = out.alias(kept);
    const shifted = binary("logsumexp", BinaryOp.Sub, x, lse);
    const weights = unary(UnaryOp.Exp, shifted);
    const share = g.alias(kept);
    const grad = binary("logsumexp", BinaryOp.Mul, weights, share);
    for (const t of [lse, shifted, weights, share]) t.dispose();
    return [grad];
  });
}

/** Options of var. */
export interface VarianceOptions {
  /** Subtracted from the count in the divisor: 1 is Bessel's correction (default), 0 biased. */
  correction?: number;
  /** Keep reduced dims as size 1. Default false. */
  keepdim?: boolean;
}

const VARIANCE_KEYS: OptionKeys<VarianceOptions> = { correction: true, keepdim: true };

/**
 * Variance over `dim` with Bessel's correction by default (`correction: 1`, as `torch.var`).
 * Built from differentiable ops, so its gradient comes for free.
 */
export function variance(
  x: Tensor,
  dim?: Dims,
  options: VarianceOptions = {},
): Tensor {
  checkOptions("var", options, VARIANCE_KEYS);
  expectFloat("var", x);
  const axes = resolveDims("var", dim, x.ndim);
  const count = axes.reduce((n, d) => n * x.shape[d], 1);
  const correction = options.correction ?? 1;
  const centered = sub(x, mean(x, axes, true));
  const total = sum(square(centered), axes, options.keepdim ?? false);
  return mul(total, 1 / Math.max(count - correction, 0));
}
