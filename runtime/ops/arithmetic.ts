/** Arithmetic with numpy broadcasting, each op beside its gradient. */
import type { Tensor } from "../tensor.ts";
import { BinaryOp, UnaryOp } from "../backend/kernels/elementwise.ts";
import { binary, unary, whereKernel } from "../backend/kernels/elementwise.ts";
import { filled } from "../backend/kernels/fill.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat, sumToShape, toTensor } from "./broadcast.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** a + b with broadcasting. @example add(x, 1) */
export function add(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === "number") {
    expectFloat("add", a);
    const out = unary(UnaryOp.AddScalar, a, b);
    return record(out, "add", [a], (g) => [g]);
  }
  expectFloat("add", a, b);
  const out = binary("add", BinaryOp.Add, a, b);
  return record(out, "add", [a, b], (g) => [
    a.requiresGrad ? sumToShape(g, a.shape) : null,
    b.requiresGrad ? sumToShape(g, b.shape) : null,
  ]);
}

/** a − b with broadcasting. */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === "number") return add(a, -b);
  expectFloat("sub", a, b);
  const out = binary("sub", BinaryOp.Sub, a, b);
  return record(out, "sub", [a, b], (g) => [
    a.requiresGrad ? sumToShape(g, a.shape) : null,
    b.requiresGrad ? negSum(g, b.shape) : null,
  ]);
}

function negSum(g: Tensor, shape: readonly number[]): Tensor {
  const negated = unary(UnaryOp.Neg, g);
  const reduced = sumToShape(negated, shape);
  if (reduced !== negated) negated.dispose();
  return reduced;
}

/** Multiplies two gradients' worth of data and reduces to `shape`, freeing the temporary. */
function productToShape(g: Tensor, other: Tensor, shape: readonly number[]): Tensor {
  const product = binary("mul", BinaryOp.Mul, g, other);
  const reduced = sumToShape(product, shape);
  if (reduced !== product) product.dispose();
  return reduced;
}

/** a · b elementwise with broadcasting. */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === "number") {
    expectFloat("mul", a);
    const out = unary(UnaryOp.MulScalar, a, b);
    return record(out, "mul", [a], (g) => [unary(UnaryOp.MulScalar, g, b)]);
  }
  expectFloat("mul", a, b);
  const out = binary("mul", BinaryOp.Mul, a, b);
  return record(out, "mul", [a, b], (g) => [
    a.requiresGrad ? productToShape(g, b, a.shape) : null,
    b.requiresGrad ? productToShape(g, a, b.shape) : null,
  ]);
}

/** a / b elementwise with broadcasting. */
export function div(a: Tensor, b: Tensor | number): Tensor {
  const divisor = toTensor(b);
  expectFloat("div", a, divisor);
  const out = binary("div", BinaryOp.Div, a, divisor);
  // d(a/b)/da = 1/b; d(a/b)/db = −a/b² = −out/b
  const result = record(out, "div", [a, divisor], (g) => {
    let gradA: Tensor | null = null;
    let gradB: Tensor | null = null;
    if (a.requiresGrad) {
      const q = binary("div", BinaryOp.Div, g, divisor);
      gradA = sumToShape(q, a.shape);
      if (gradA !== q) q.dispose();
    }
    if (divisor.requiresGrad) {
      const q = binary("div", BinaryOp.Div, out, divisor);
      const p = binary("mul", BinaryOp.Mul, g, q);
      q.dispose();
      gradB = negSum(p, divisor.shape);
      p.dispose();
    }
    return [gradA, gradB];
  });
  return result;
}

/** −x. */
export function neg(x: Tensor): Tensor {
  expectFloat("neg", x);
  return record(unary(UnaryOp.Neg, x), "neg", [x], (g) => [unary(UnaryOp.Neg, g)]);
}

/**
 * a^b elementwise. With a number exponent, the gradient is b·a^(b−1); with a tensor exponent
 * both inputs get gradients (d/db = a^b·ln a, taken as 0 where a = 0, as PyTorch does).
 */
export function pow(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === "number") {
    expectFloat("pow", a);
    const out = unary(UnaryOp.PowScalar, a, b);
    return record(out, "pow", [a], (g) => [binary("pow", BinaryOp.PowScalarGrad, g, a, b)]);
  }
  expectFloat("pow", a, b);
  const out = binary("pow", BinaryOp.Pow, a, b);
  return record(out, "pow", [a, b], (g) => {
    let gradA: Tensor | null = null;
    let gradB: Tensor | null = null;
    if (a.requiresGrad) {
      const bMinusOne = unary(UnaryOp.AddScalar, b, -1);
      const power = binary("pow", BinaryOp.Pow, a, bMinusOne);
      const scaled = binary("pow", BinaryOp.Mul, power, b);
      gradA = productToShape(g, scaled, a.shape);
      bMinusOne.dispose();
      power.dispose();
      scaled.dispose();
    }
    if (b.requiresGrad) {
      const logA = unary(UnaryOp.Log, a);
      const zero = filled([], 0);
      const isZero = binary("pow", BinaryOp.Eq, a, zero);
      const term = binary("pow", BinaryOp.Mul, out, logA);
      const safe = whereKernel(isZero, zero, term);
      gradB = productToShape(g, safe, b.shape);
      for (const t of [logA, zero, isZero, term, safe]) t.dispose();
    }
    return [gradA, gradB];
  });
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  expectFloat("exp", x);
  const out = unary(UnaryOp.Exp, x);
  return record(out, "exp", [x], (g) => [binary("exp", BinaryOp.Mul, g, out)]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  expectFloat("log", x);
  return record(unary(UnaryOp.Log, x), "log", [x], (g) => [binary("log", BinaryOp.Div, g, x)]);
}

/** log(1 + x), accurate for small x. */
export function log1p(x: Tensor): Tensor {
  expectFloat("log1p", x);
  return record(unary(UnaryOp.Log1p, x), "log1p", [x], (g) => {
    const onePlus = unary(UnaryOp.AddScalar, x, 1);
    const grad = binary("log1p", BinaryOp.Div, g, onePlus);
    onePlus.dispose();
    return [grad];
  });
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  expectFloat("sqrt", x);
  const out = unary(UnaryOp.Sqrt, x);
  // d√x/dx = 1 / (2√x)
  return record(out, "sqrt", [x], (g) => {
    const half = binary("sqrt", BinaryOp.Div, g, out);
    const grad = unary(UnaryOp.MulScalar, half, 0.5);
    half.dispose();
    return [grad];
  });
}

/** x². */
export function square(x: Tensor): Tensor {
  expectFloat("square", x);
  return record(unary(UnaryOp.Square, x), "square", [x], (g) => {
    const twice = unary(UnaryOp.MulScalar, x, 2);
    const grad = binary("square", BinaryOp.Mul, g, twice);
    twice.dispose();
    return [grad];
  });
}

/** |x| (gradient sign(x), 0 at 0 as PyTorch). */
export function abs(x: Tensor): Tensor {
  expectFloat("abs", x);
  return record(unary(UnaryOp.Abs, x), "abs", [x], (g) => [binary("abs", BinaryOp.AbsGrad, g, x)]);
}

/** Sign of x: −1, 0 or 1 (no gradient flows). */
export function sign(x: Tensor): Tensor {
  expectFloat("sign", x);
  return unary(UnaryOp.Sign, x);
}

/** Bounds of clamp; either may be omitted. */
export interface ClampBounds {
  min?: number;
  max?: number;
}

const CLAMP_KEYS: OptionKeys<ClampBounds> = { min: true, max: true };

/**
 * Limits x to [min, max] (either bound may be omitted); the gradient passes where x is inside.
 * @example clamp(x, { min: 0, max: 1 })
 */
export function clamp(x: Tensor, bounds: ClampBounds): Tensor {
  checkOptions("clamp", bounds, CLAMP_KEYS);
  expectFloat("clamp", x);
  const lo = bounds.min ?? -Infinity, hi = bounds.max ?? Infinity;
  if (lo > hi) throw new Error(`clamp: min ${lo} is greater than max ${hi}`);
  const out = unary(UnaryOp.Clamp, x, lo, hi);
  return record(out, "clamp", [x], (g) => [binary("clamp", BinaryOp.ClampGrad, g, x, lo, hi)]);
}
