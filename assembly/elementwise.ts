// Elementwise kernels: unary ops over contiguous arrays, binary ops and `where` with numpy
// broadcasting. Each op is chosen once per call (unary) or once per row (binary, where); the loops
// inside are specialised per op at compile time. exp, sigmoid, tanh and silu run four lanes at a
// time (mathf_simd); log, log1p, softplus, elu, pow and the erf-based GELU are scalar.
import {
  expScalar,
  expVector,
  sigmoidScalar,
  sigmoidVector,
  siluScalar,
  siluVector,
  tanhScalar,
  tanhVector,
} from "./mathf_simd";
import { fillF32 } from "./fill";
import { gelu, geluDerivative, sign, softplus } from "./special";
import {
  at,
  carryDim,
  carryStep,
  element,
  extentProduct,
  innermostDim,
  lastOuterDim,
  runStride,
} from "./strided";
import { signVector } from "./vector";

/** Opcodes of unaryF32. alpha/beta are the op's scalar parameters where it has them. */
export enum UnaryOp {
  Copy = 0,
  Neg = 1,
  Abs = 2,
  Exp = 3,
  Log = 4,
  Sqrt = 5,
  Relu = 6,
  /** alpha = negative slope */
  LeakyRelu = 7,
  Sigmoid = 8,
  Tanh = 9,
  /** log(1 + e^x), computed stably */
  Softplus = 10,
  /** exact (erf) GELU, as PyTorch's default */
  Gelu = 11,
  /** alpha */
  Elu = 12,
  Silu = 13,
  /** x^alpha */
  PowScalar = 14,
  /** x + alpha */
  AddScalar = 15,
  /** x * alpha */
  MulScalar = 16,
  /** min(max(x, alpha), beta); pass ±Infinity for a missing bound */
  Clamp = 17,
  Square = 18,
  Reciprocal = 19,
  Sign = 20,
  Log1p = 21,
  /** alpha - x */
  RsubScalar = 22,
  /** alpha / x */
  RdivScalar = 23,
}

/** Opcodes of binaryF32: forward ops, comparisons (1/0 as f32), and gradient helpers. */
export enum BinaryOp {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  /** a^b */
  Pow = 4,
  Maximum = 5,
  Minimum = 6,
  Eq = 7,
  Ne = 8,
  Lt = 9,
  Le = 10,
  Gt = 11,
  Ge = 12,
  /** stable binary cross-entropy with logits a and targets b: max(a,0) − a·b + log1p(e^−|a|) */
  BceWithLogits = 13,
  /** gradient helpers: a = upstream gradient g, b = the op's input x (or output y where noted) */
  ReluGrad = 32,
  /** alpha = slope */
  LeakyReluGrad = 33,
  /** b = y = sigmoid(x): g·y·(1−y) */
  SigmoidGrad = 34,
  /** b = y = tanh(x): g·(1−y²) */
  TanhGrad = 35,
  /** g·sigmoid(x) */
  SoftplusGrad = 36,
  GeluGrad = 37,
  /** alpha */
  EluGrad = 38,
  SiluGrad = 39,
  /** g·sign(x) */
  AbsGrad = 40,
  /** g where alpha ≤ x ≤ beta, else 0 */
  ClampGrad = 41,
  /** g·alpha·x^(alpha−1) */
  PowScalarGrad = 42,
  /** a = x (logits), b = target: sigmoid(x) − target */
  BceWithLogitsGrad = 43,
}

// ---- unary ----

// @ts-ignore: decorator
@inline function unaryScalar(op: i32, x: f32, alpha: f32, beta: f32): f32 {
  switch (op) {
    case UnaryOp.Copy: return x;
    case UnaryOp.Neg: return -x;
    case UnaryOp.Abs: return Mathf.abs(x);
    case UnaryOp.Exp: return expScalar(x);
    case UnaryOp.Log: return Mathf.log(x);
    case UnaryOp.Sqrt: return Mathf.sqrt(x);
    case UnaryOp.Relu: return max(x, <f32>0);
    case UnaryOp.LeakyRelu: return x > 0 ? x : x * alpha;
    case UnaryOp.Sigmoid: return sigmoidScalar(x);
    case UnaryOp.Tanh: return tanhScalar(x);
    case UnaryOp.Softplus: return softplus(x);
    case UnaryOp.Gelu: return gelu(x);
    case UnaryOp.Elu: return x > 0 ? x : alpha * Mathf.expm1(x);
    case UnaryOp.Silu: return siluScalar(x);
    case UnaryOp.PowScalar: return Mathf.pow(x, alpha);
    case UnaryOp.AddScalar: return x + alpha;
    case UnaryOp.MulScalar: return x * alpha;
    case UnaryOp.Clamp: return min(max(x, alpha), beta);
    case UnaryOp.Square: return x * x;
    case UnaryOp.Reciprocal: return <f32>1 / x;
    case UnaryOp.Sign: return sign(x);
    case UnaryOp.Log1p: return Mathf.log1p(x);
    case UnaryOp.RsubScalar: return alpha - x;
    case UnaryOp.RdivScalar: return alpha / x;
  }
  return unreachable();
}

// Vector forms of the unary ops that have one; they agree with unaryScalar lane by lane.
// @ts-ignore: decorator
@inline function unaryVector(op: i32, x: v128, alpha: v128, beta: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case UnaryOp.Neg: return f32x4.neg(x);
    case UnaryOp.Abs: return f32x4.abs(x);
    case UnaryOp.Exp: return expVector(x);
    case UnaryOp.Sigmoid: return sigmoidVector(x);
    case UnaryOp.Tanh: return tanhVector(x);
    case UnaryOp.Silu: return siluVector(x);
    case UnaryOp.Sqrt: return f32x4.sqrt(x);
    case UnaryOp.Relu: return f32x4.max(x, zero);
    case UnaryOp.LeakyRelu: return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, zero));
    case UnaryOp.AddScalar: return f32x4.add(x, alpha);
    case UnaryOp.MulScalar: return f32x4.mul(x, alpha);
    case UnaryOp.Clamp: return f32x4.min(f32x4.max(x, alpha), beta);
    case UnaryOp.Square: return f32x4.mul(x, x);
    case UnaryOp.Reciprocal: return f32x4.div(f32x4.splat(1), x);
    case UnaryOp.Sign: return signVector(x);
    case UnaryOp.RsubScalar: return f32x4.sub(alpha, x);
    case UnaryOp.RdivScalar: return f32x4.div(alpha, x);
  }
  return unreachable();
}

// @ts-ignore: decorator
@inline function unaryVectorLoop(op: i32, x: usize, out: usize, n: i32, alpha: f32, beta: f32): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const x0 = v128.load(x + o);
    const x1 = v128.load(x + o, 16);
    v128.store(out + o, unaryVector(op, x0, va, vb));
    v128.store(out + o, unaryVector(op, x1, va, vb), 16);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, unaryScalar(op, load<f32>(x + o), alpha, beta));
  }
}

// @ts-ignore: decorator
@inline function unaryScalarLoop(op: i32, x: usize, out: usize, n: i32, alpha: f32, beta: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, unaryScalar(op, load<f32>(x + o), alpha, beta));
  }
}

// x^alpha, with the exponents PyTorch special-cases computed the way it does.
function powScalar(x: usize, out: usize, n: i32, alpha: f32): void {
  if (alpha == 0) fillF32(out, n, 1);
  else if (alpha == 1) memory.copy(out, x, <usize>n << 2);
  else if (alpha == 2) unaryVectorLoop(UnaryOp.Square, x, out, n, alpha, 0);
  else if (alpha == 0.5) unaryVectorLoop(UnaryOp.Sqrt, x, out, n, alpha, 0);
  else if (alpha == -1) unaryVectorLoop(UnaryOp.Reciprocal, x, out, n, alpha, 0);
  else unaryScalarLoop(UnaryOp.PowScalar, x, out, n, alpha, 0);
}

/**
 * out[i] = f(x[i]; alpha, beta) for i < n, for the UnaryOp code `op`. out may alias x.
 * @splitElements n: x, out
 */
export function unaryF32(op: i32, x: usize, out: usize, n: i32, alpha: f32, beta: f32): void {
  switch (op) {
    case UnaryOp.Copy: memory.copy(out, x, <usize>n << 2); break;
    case UnaryOp.Neg: unaryVectorLoop(UnaryOp.Neg, x, out, n, alpha, beta); break;
    case UnaryOp.Abs: unaryVectorLoop(UnaryOp.Abs, x, out, n, alpha, beta); break;
    case UnaryOp.Exp: unaryVectorLoop(UnaryOp.Exp, x, out, n, alpha, beta); break;
    case UnaryOp.Log: unaryScalarLoop(UnaryOp.Log, x, out, n, alpha, beta); break;
    case UnaryOp.Sqrt: unaryVectorLoop(UnaryOp.Sqrt, x, out, n, alpha, beta); break;
    case UnaryOp.Relu: unaryVectorLoop(UnaryOp.Relu, x, out, n, alpha, beta); break;
    case UnaryOp.LeakyRelu: unaryVectorLoop(UnaryOp.LeakyRelu, x, out, n, alpha, beta); break;
    case UnaryOp.Sigmoid: unaryVectorLoop(UnaryOp.Sigmoid, x, out, n, alpha, beta); break;
    case UnaryOp.Tanh: unaryVectorLoop(UnaryOp.Tanh, x, out, n, alpha, beta); break;
    case UnaryOp.Softplus: unaryScalarLoop(UnaryOp.Softplus, x, out, n, alpha, beta); break;
    case UnaryOp.Gelu: unaryScalarLoop(UnaryOp.Gelu, x, out, n, alpha, beta); break;
    case UnaryOp.Elu: unaryScalarLoop(UnaryOp.Elu, x, out, n, alpha, beta); break;
    case UnaryOp.Silu: unaryVectorLoop(UnaryOp.Silu, x, out, n, alpha, beta); break;
    case UnaryOp.PowScalar: powScalar(x, out, n, alpha); break;
    case UnaryOp.AddScalar: unaryVectorLoop(UnaryOp.AddScalar, x, out, n, alpha, beta); break;
    case UnaryOp.MulScalar: unaryVectorLoop(UnaryOp.MulScalar, x, out, n, alpha, beta); break;
    case UnaryOp.Clamp: unaryVectorLoop(UnaryOp.Clamp, x, out, n, alpha, beta); break;
    case UnaryOp.Square: unaryVectorLoop(UnaryOp.Square, x, out, n, alpha, beta); break;
    case UnaryOp.Reciprocal: unaryVectorLoop(UnaryOp.Reciprocal, x, out, n, alpha, beta); break;
    case UnaryOp.Sign: unaryVectorLoop(UnaryOp.Sign, x, out, n, alpha, beta); break;
    case UnaryOp.Log1p: unaryScalarLoop(UnaryOp.Log1p, x, out, n, alpha, beta); break;
    case UnaryOp.RsubScalar: unaryVectorLoop(UnaryOp.RsubScalar, x, out, n, alpha, beta); break;
    case UnaryOp.RdivScalar: unaryVectorLoop(UnaryOp.RdivScalar, x, out, n, alpha, beta); break;
    default: unreachable();
  }
}

// ---- binary ----

// @ts-ignore: decorator
@inline function binaryScalar(op: i32, a: f32, b: f32, alpha: f32, beta: f32): f32 {
  switch (op) {
    case BinaryOp.Add: return a + b;
    case BinaryOp.Sub: return a - b;
    case BinaryOp.Mul: return a * b;
    case BinaryOp.Div: return a / b;
    case BinaryOp.Pow: return Mathf.pow(a, b);
    case BinaryOp.Maximum: return max(a, b);
    case BinaryOp.Minimum: return min(a, b);
    case BinaryOp.Eq: return a == b ? 1 : 0;
    case BinaryOp.Ne: return a != b ? 1 : 0;
    case BinaryOp.Lt: return a < b ? 1 : 0;
    case BinaryOp.Le: return a <= b ? 1 : 0;
    case BinaryOp.Gt: return a > b ? 1 : 0;
    case BinaryOp.Ge: return a >= b ? 1 : 0;
    case BinaryOp.BceWithLogits: return max(a, <f32>0) - a * b + Mathf.log1p(Mathf.exp(-Mathf.abs(a)));
    // Gradient helpers: a is the upstream gradient g, b the op's input x (or output y).
    case BinaryOp.ReluGrad: return b <= 0 ? 0 : a;
    case BinaryOp.LeakyReluGrad: return b > 0 ? a : a * alpha;
    case BinaryOp.SigmoidGrad: return a * (<f32>1 - b) * b;
    case BinaryOp.TanhGrad: return a * (<f32>1 - b * b);
    case BinaryOp.SoftplusGrad: return a * sigmoidScalar(b);
    case BinaryOp.GeluGrad: return a * geluDerivative(b);
    case BinaryOp.EluGrad: return b > 0 ? a : a * alpha * expScalar(b);
    case BinaryOp.SiluGrad: {
      const s = sigmoidScalar(b);
      return a * (s * (<f32>1 + b * (<f32>1 - s)));
    }
    case BinaryOp.AbsGrad: return a * sign(b);
    case BinaryOp.ClampGrad: return b >= alpha && b <= beta ? a : 0;
    case BinaryOp.PowScalarGrad: return alpha == 0 ? 0 : a * (alpha * Mathf.pow(b, alpha - 1));
    // Here a is the logit x and b the target.
    case BinaryOp.BceWithLogitsGrad: return sigmoidScalar(a) - b;
  }
  return unreachable();
}

// Vector forms of the binary ops that have one; they agree with binaryScalar lane by lane.
// @ts-ignore: decorator
@inline function binaryVector(op: i32, a: v128, b: v128, alpha: v128, beta: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case BinaryOp.Add: return f32x4.add(a, b);
    case BinaryOp.Sub: return f32x4.sub(a, b);
    case BinaryOp.Mul: return f32x4.mul(a, b);
    case BinaryOp.Div: return f32x4.div(a, b);
    case BinaryOp.Maximum: return f32x4.max(a, b);
    case BinaryOp.Minimum: return f32x4.min(a, b);
    case BinaryOp.Eq: return v128.and(f32x4.eq(a, b), one);
    case BinaryOp.Ne: return v128.and(f32x4.ne(a, b), one);
    case BinaryOp.Lt: return v128.and(f32x4.lt(a, b), one);
    case BinaryOp.Le: return v128.and(f32x4.le(a, b), one);
    case BinaryOp.Gt: return v128.and(f32x4.gt(a, b), one);
    case BinaryOp.Ge: return v128.and(f32x4.ge(a, b), one);
    case BinaryOp.ReluGrad: return v128.andnot(a, f32x4.le(b, zero));
    case BinaryOp.LeakyReluGrad: return v128.bitselect(a, f32x4.mul(a, alpha), f32x4.gt(b, zero));
    case BinaryOp.SigmoidGrad: return f32x4.mul(f32x4.mul(a, f32x4.sub(one, b)), b);
    case BinaryOp.TanhGrad: return f32x4.mul(a, f32x4.sub(one, f32x4.mul(b, b)));
    case BinaryOp.SoftplusGrad: return f32x4.mul(a, sigmoidVector(b));
    case BinaryOp.EluGrad: {
      const negative = f32x4.mul(f32x4.mul(a, alpha), expVector(b));
      return v128.bitselect(a, negative, f32x4.gt(b, zero));
    }
    case BinaryOp.SiluGrad: {
      const s = sigmoidVector(b);
      return f32x4.mul(a, f32x4.mul(s, f32x4.add(one, f32x4.mul(b, f32x4.sub(one, s)))));
    }
    case BinaryOp.AbsGrad: return f32x4.mul(a, signVector(b));
    case BinaryOp.ClampGrad: return v128.and(a, v128.and(f32x4.ge(b, alpha), f32x4.le(b, beta)));
    case BinaryOp.BceWithLogitsGrad: return f32x4.sub(sigmoidVector(a), b);
  }
  return unreachable();
}

// One row of a binary op with a vector form: SIMD when both operands are contiguous or one of
// them is a broadcast scalar, a strided scalar loop otherwise.
// @ts-ignore: decorator
@inline function binaryVectorRow(
  op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32, alpha: f32, beta: f32,
): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, binaryVector(op, v128.load(a + o), v128.load(b + o), va, vb));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, binaryScalar(op, load<f32>(a + o), load<f32>(b + o), alpha, beta));
    }
  } else if (sa == 1 && sb == 0) {
    const y = load<f32>(b);
    const vy = f32x4.splat(y);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, binaryVector(op, v128.load(a + o), vy, va, vb));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, binaryScalar(op, load<f32>(a + o), y, alpha, beta));
    }
  } else if (sa == 0 && sb == 1) {
    const x = load<f32>(a);
    const vx = f32x4.splat(x);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, binaryVector(op, vx, v128.load(b + o), va, vb));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, binaryScalar(op, x, load<f32>(b + o), alpha, beta));
    }
  } else {
    binaryScalarRow(op, a, sa, b, sb, out, n, alpha, beta);
  }
}

// @ts-ignore: decorator
@inline function binaryScalarRow(
  op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32, alpha: f32, beta: f32,
): void {
  const stepA = <usize>sa << 2;
  const stepB = <usize>sb << 2;
  for (let i = 0; i < n; i++) {
    store<f32>(out + (<usize>i << 2), binaryScalar(op, load<f32>(a), load<f32>(b), alpha, beta));
    a += stepA;
    b += stepB;
  }
}

function binaryRow(
  op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32, alpha: f32, beta: f32,
): void {
  switch (op) {
    case BinaryOp.Add: binaryVectorRow(BinaryOp.Add, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Sub: binaryVectorRow(BinaryOp.Sub, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Mul: binaryVectorRow(BinaryOp.Mul, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Div: binaryVectorRow(BinaryOp.Div, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Pow: binaryScalarRow(BinaryOp.Pow, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Maximum: binaryVectorRow(BinaryOp.Maximum, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Minimum: binaryVectorRow(BinaryOp.Minimum, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Eq: binaryVectorRow(BinaryOp.Eq, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Ne: binaryVectorRow(BinaryOp.Ne, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Lt: binaryVectorRow(BinaryOp.Lt, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Le: binaryVectorRow(BinaryOp.Le, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Gt: binaryVectorRow(BinaryOp.Gt, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.Ge: binaryVectorRow(BinaryOp.Ge, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.BceWithLogits:
      binaryScalarRow(BinaryOp.BceWithLogits, a, sa, b, sb, out, n, alpha, beta);
      break;
    case BinaryOp.ReluGrad: binaryVectorRow(BinaryOp.ReluGrad, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.LeakyReluGrad:
      binaryVectorRow(BinaryOp.LeakyReluGrad, a, sa, b, sb, out, n, alpha, beta);
      break;
    case BinaryOp.SigmoidGrad:
      binaryVectorRow(BinaryOp.SigmoidGrad, a, sa, b, sb, out, n, alpha, beta);
      break;
    case BinaryOp.TanhGrad: binaryVectorRow(BinaryOp.TanhGrad, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.SoftplusGrad:
      binaryVectorRow(BinaryOp.SoftplusGrad, a, sa, b, sb, out, n, alpha, beta);
      break;
    case BinaryOp.GeluGrad: binaryScalarRow(BinaryOp.GeluGrad, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.EluGrad: binaryVectorRow(BinaryOp.EluGrad, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.SiluGrad: binaryVectorRow(BinaryOp.SiluGrad, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.AbsGrad: binaryVectorRow(BinaryOp.AbsGrad, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.ClampGrad: binaryVectorRow(BinaryOp.ClampGrad, a, sa, b, sb, out, n, alpha, beta); break;
    case BinaryOp.PowScalarGrad:
      binaryScalarRow(BinaryOp.PowScalarGrad, a, sa, b, sb, out, n, alpha, beta);
      break;
    case BinaryOp.BceWithLogitsGrad:
      binaryVectorRow(BinaryOp.BceWithLogitsGrad, a, sa, b, sb, out, n, alpha, beta);
      break;
    default: unreachable();
  }
}

/**
 * out = f(a, b) with numpy broadcasting, for the BinaryOp code `op`. shape, stridesA, stridesB:
 * `rank` i32 each (output shape; element strides of a and b, 0 where broadcast); out is contiguous.
 */
export function binaryF32(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  rank: i32,
  shape: usize,
  stridesA: usize,
  stridesB: usize,
  alpha: f32,
  beta: f32,
): void {
  const inner = innermostDim(rank, shape);
  const last = lastOuterDim(rank, shape, inner, stridesA, stridesB, 0);
  const n = extentProduct(shape, last + 1, rank);
  const rows = extentProduct(shape, 0, last + 1);
  if (n <= 0 || rows <= 0) return;
  const sa = runStride(stridesA, inner);
  const sb = runStride(stridesB, inner);
  // Rows step along dim `last` (rows > 1 implies last ≥ 0); only its wraps need carryDim.
  const extentLast = last >= 0 ? at(shape, last) : 1;
  const stepA = last >= 0 ? at(stridesA, last) : 0;
  const stepB = last >= 0 ? at(stridesB, last) : 0;
  let position = 0;
  let offsetA = 0;
  let offsetB = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      if (++position < extentLast) {
        offsetA += stepA;
        offsetB += stepB;
      } else {
        position = 0;
        const k = carryDim(shape, last, row);
        offsetA += carryStep(stridesA, shape, k, last);
        offsetB += carryStep(stridesB, shape, k, last);
      }
    }
    binaryRow(
      op, element(a, offsetA), sa, element(b, offsetB), sb,
      out + (<usize>row * <usize>n << 2), n, alpha, beta,
    );
  }
}

// ---- where ----

/** out = cond != 0 ? a : b with broadcasting (strides as in binaryF32; cond is f32). */
export function whereF32(
  cond: usize,
  a: usize,
  b: usize,
  out: usize,
  rank: i32,
  shape: usize,
  stridesCond: usize,
  stridesA: usize,
  stridesB: usize,
): void {
  const inner = innermostDim(rank, shape);
  const last = lastOuterDim(rank, shape, inner, stridesCond, stridesA, stridesB);
  const n = extentProduct(shape, last + 1, rank);
  const rows = extentProduct(shape, 0, last + 1);
  if (n <= 0 || rows <= 0) return;
  const sc = runStride(stridesCond, inner);
  const sa = runStride(stridesA, inner);
  const sb = runStride(stridesB, inner);
  const runBytesCond = <usize>sc << 2;
  const runBytesA = <usize>sa << 2;
  const runBytesB = <usize>sb << 2;
  const zero = f32x4.splat(0);
  const extentLast = last >= 0 ? at(shape, last) : 1;
  const stepCond = last >= 0 ? at(stridesCond, last) : 0;
  const stepA = last >= 0 ? at(stridesA, last) : 0;
  const stepB = last >= 0 ? at(stridesB, last) : 0;
  let position = 0;
  let offsetCond = 0;
  let offsetA = 0;
  let offsetB = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      if (++position < extentLast) {
        offsetCond += stepCond;
        offsetA += stepA;
        offsetB += stepB;
      } else {
        position = 0;
        const k = carryDim(shape, last, row);
        offsetCond += carryStep(stridesCond, shape, k, last);
        offsetA += carryStep(stridesA, shape, k, last);
        offsetB += carryStep(stridesB, shape, k, last);
      }
    }
    let c = element(cond, offsetCond);
    let x = element(a, offsetA);
    let y = element(b, offsetB);
    let o = out + (<usize>row * <usize>n << 2);
    let i = 0;
    if (sc == 1 && sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const mask = f32x4.ne(v128.load(c), zero);
        v128.store(o, v128.bitselect(v128.load(x), v128.load(y), mask));
        c += 16;
        x += 16;
        y += 16;
        o += 16;
      }
    }
    for (; i < n; i++) {
      store<f32>(o, load<f32>(c) != 0 ? load<f32>(x) : load<f32>(y));
      c += runBytesCond;
      x += runBytesA;
      y += runBytesB;
      o += 4;
    }
  }
}
