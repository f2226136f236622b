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

// UnaryOp codes (runtime/backend/exports.ts).
const U_COPY = 0;
const U_NEG = 1;
const U_ABS = 2;
const U_EXP = 3;
const U_LOG = 4;
const U_SQRT = 5;
const U_RELU = 6;
const U_LEAKY_RELU = 7;
const U_SIGMOID = 8;
const U_TANH = 9;
const U_SOFTPLUS = 10;
const U_GELU = 11;
const U_ELU = 12;
const U_SILU = 13;
const U_POW_SCALAR = 14;
const U_ADD_SCALAR = 15;
const U_MUL_SCALAR = 16;
const U_CLAMP = 17;
const U_SQUARE = 18;
const U_RECIPROCAL = 19;
const U_SIGN = 20;
const U_LOG1P = 21;
const U_RSUB_SCALAR = 22;
const U_RDIV_SCALAR = 23;

// BinaryOp codes (runtime/backend/exports.ts).
const B_ADD = 0;
const B_SUB = 1;
const B_MUL = 2;
const B_DIV = 3;
const B_POW = 4;
const B_MAXIMUM = 5;
const B_MINIMUM = 6;
const B_EQ = 7;
const B_NE = 8;
const B_LT = 9;
const B_LE = 10;
const B_GT = 11;
const B_GE = 12;
const B_BCE_WITH_LOGITS = 13;
const B_RELU_GRAD = 32;
const B_LEAKY_RELU_GRAD = 33;
const B_SIGMOID_GRAD = 34;
const B_TANH_GRAD = 35;
const B_SOFTPLUS_GRAD = 36;
const B_GELU_GRAD = 37;
const B_ELU_GRAD = 38;
const B_SILU_GRAD = 39;
const B_ABS_GRAD = 40;
const B_CLAMP_GRAD = 41;
const B_POW_SCALAR_GRAD = 42;
const B_BCE_WITH_LOGITS_GRAD = 43;

// ---- unary ----

// @ts-ignore: decorator
@inline function unaryScalar(op: i32, x: f32, alpha: f32, beta: f32): f32 {
  switch (op) {
    case U_COPY: return x;
    case U_NEG: return -x;
    case U_ABS: return Mathf.abs(x);
    case U_EXP: return expScalar(x);
    case U_LOG: return Mathf.log(x);
    case U_SQRT: return Mathf.sqrt(x);
    case U_RELU: return max(x, <f32>0);
    case U_LEAKY_RELU: return x > 0 ? x : x * alpha;
    case U_SIGMOID: return sigmoidScalar(x);
    case U_TANH: return tanhScalar(x);
    case U_SOFTPLUS: return softplus(x);
    case U_GELU: return gelu(x);
    case U_ELU: return x > 0 ? x : alpha * Mathf.expm1(x);
    case U_SILU: return siluScalar(x);
    case U_POW_SCALAR: return Mathf.pow(x, alpha);
    case U_ADD_SCALAR: return x + alpha;
    case U_MUL_SCALAR: return x * alpha;
    case U_CLAMP: return min(max(x, alpha), beta);
    case U_SQUARE: return x * x;
    case U_RECIPROCAL: return <f32>1 / x;
    case U_SIGN: return sign(x);
    case U_LOG1P: return Mathf.log1p(x);
    case U_RSUB_SCALAR: return alpha - x;
    case U_RDIV_SCALAR: return alpha / x;
  }
  return unreachable();
}

// Vector forms of the unary ops that have one; they agree with unaryScalar lane by lane.
// @ts-ignore: decorator
@inline function unaryVector(op: i32, x: v128, alpha: v128, beta: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case U_NEG: return f32x4.neg(x);
    case U_ABS: return f32x4.abs(x);
    case U_EXP: return expVector(x);
    case U_SIGMOID: return sigmoidVector(x);
    case U_TANH: return tanhVector(x);
    case U_SILU: return siluVector(x);
    case U_SQRT: return f32x4.sqrt(x);
    case U_RELU: return f32x4.max(x, zero);
    case U_LEAKY_RELU: return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, zero));
    case U_ADD_SCALAR: return f32x4.add(x, alpha);
    case U_MUL_SCALAR: return f32x4.mul(x, alpha);
    case U_CLAMP: return f32x4.min(f32x4.max(x, alpha), beta);
    case U_SQUARE: return f32x4.mul(x, x);
    case U_RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    case U_SIGN: return signVector(x);
    case U_RSUB_SCALAR: return f32x4.sub(alpha, x);
    case U_RDIV_SCALAR: return f32x4.div(alpha, x);
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
  else if (alpha == 2) unaryVectorLoop(U_SQUARE, x, out, n, alpha, 0);
  else if (alpha == 0.5) unaryVectorLoop(U_SQRT, x, out, n, alpha, 0);
  else if (alpha == -1) unaryVectorLoop(U_RECIPROCAL, x, out, n, alpha, 0);
  else unaryScalarLoop(U_POW_SCALAR, x, out, n, alpha, 0);
}

/** out[i] = f(x[i]; alpha, beta) for i < n, for the UnaryOp code `op`. out may alias x. */
export function unaryF32(op: i32, x: usize, out: usize, n: i32, alpha: f32, beta: f32): void {
  switch (op) {
    case U_COPY: memory.copy(out, x, <usize>n << 2); break;
    case U_NEG: unaryVectorLoop(U_NEG, x, out, n, alpha, beta); break;
    case U_ABS: unaryVectorLoop(U_ABS, x, out, n, alpha, beta); break;
    case U_EXP: unaryVectorLoop(U_EXP, x, out, n, alpha, beta); break;
    case U_LOG: unaryScalarLoop(U_LOG, x, out, n, alpha, beta); break;
    case U_SQRT: unaryVectorLoop(U_SQRT, x, out, n, alpha, beta); break;
    case U_RELU: unaryVectorLoop(U_RELU, x, out, n, alpha, beta); break;
    case U_LEAKY_RELU: unaryVectorLoop(U_LEAKY_RELU, x, out, n, alpha, beta); break;
    case U_SIGMOID: unaryVectorLoop(U_SIGMOID, x, out, n, alpha, beta); break;
    case U_TANH: unaryVectorLoop(U_TANH, x, out, n, alpha, beta); break;
    case U_SOFTPLUS: unaryScalarLoop(U_SOFTPLUS, x, out, n, alpha, beta); break;
    case U_GELU: unaryScalarLoop(U_GELU, x, out, n, alpha, beta); break;
    case U_ELU: unaryScalarLoop(U_ELU, x, out, n, alpha, beta); break;
    case U_SILU: unaryVectorLoop(U_SILU, x, out, n, alpha, beta); break;
    case U_POW_SCALAR: powScalar(x, out, n, alpha); break;
    case U_ADD_SCALAR: unaryVectorLoop(U_ADD_SCALAR, x, out, n, alpha, beta); break;
    case U_MUL_SCALAR: unaryVectorLoop(U_MUL_SCALAR, x, out, n, alpha, beta); break;
    case U_CLAMP: unaryVectorLoop(U_CLAMP, x, out, n, alpha, beta); break;
    case U_SQUARE: unaryVectorLoop(U_SQUARE, x, out, n, alpha, beta); break;
    case U_RECIPROCAL: unaryVectorLoop(U_RECIPROCAL, x, out, n, alpha, beta); break;
    case U_SIGN: unaryVectorLoop(U_SIGN, x, out, n, alpha, beta); break;
    case U_LOG1P: unaryScalarLoop(U_LOG1P, x, out, n, alpha, beta); break;
    case U_RSUB_SCALAR: unaryVectorLoop(U_RSUB_SCALAR, x, out, n, alpha, beta); break;
    case U_RDIV_SCALAR: unaryVectorLoop(U_RDIV_SCALAR, x, out, n, alpha, beta); break;
    default: unreachable();
  }
}

// ---- binary ----

// @ts-ignore: decorator
@inline function binaryScalar(op: i32, a: f32, b: f32, alpha: f32, beta: f32): f32 {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return Mathf.pow(a, b);
    case B_MAXIMUM: return max(a, b);
    case B_MINIMUM: return min(a, b);
    case B_EQ: return a == b ? 1 : 0;
    case B_NE: return a != b ? 1 : 0;
    case B_LT: return a < b ? 1 : 0;
    case B_LE: return a <= b ? 1 : 0;
    case B_GT: return a > b ? 1 : 0;
    case B_GE: return a >= b ? 1 : 0;
    case B_BCE_WITH_LOGITS: return max(a, <f32>0) - a * b + Mathf.log1p(Mathf.exp(-Mathf.abs(a)));
    // Gradient helpers: a is the upstream gradient g, b the op's input x (or output y).
    case B_RELU_GRAD: return b <= 0 ? 0 : a;
    case B_LEAKY_RELU_GRAD: return b > 0 ? a : a * alpha;
    case B_SIGMOID_GRAD: return a * (<f32>1 - b) * b;
    case B_TANH_GRAD: return a * (<f32>1 - b * b);
    case B_SOFTPLUS_GRAD: return a * sigmoidScalar(b);
    case B_GELU_GRAD: return a * geluDerivative(b);
    case B_ELU_GRAD: return b > 0 ? a : a * alpha * expScalar(b);
    case B_SILU_GRAD: {
      const s = sigmoidScalar(b);
      return a * (s * (<f32>1 + b * (<f32>1 - s)));
    }
    case B_ABS_GRAD: return a * sign(b);
    case B_CLAMP_GRAD: return b >= alpha && b <= beta ? a : 0;
    case B_POW_SCALAR_GRAD: return alpha == 0 ? 0 : a * (alpha * Mathf.pow(b, alpha - 1));
    // Here a is the logit x and b the target.
    case B_BCE_WITH_LOGITS_GRAD: return sigmoidScalar(a) - b;
  }
  return unreachable();
}

// Vector forms of the binary ops that have one; they agree with binaryScalar lane by lane.
// @ts-ignore: decorator
@inline function binaryVector(op: i32, a: v128, b: v128, alpha: v128, beta: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    case B_MAXIMUM: return f32x4.max(a, b);
    case B_MINIMUM: return f32x4.min(a, b);
    case B_EQ: return v128.and(f32x4.eq(a, b), one);
    case B_NE: return v128.and(f32x4.ne(a, b), one);
    case B_LT: return v128.and(f32x4.lt(a, b), one);
    case B_LE: return v128.and(f32x4.le(a, b), one);
    case B_GT: return v128.and(f32x4.gt(a, b), one);
    case B_GE: return v128.and(f32x4.ge(a, b), one);
    case B_RELU_GRAD: return v128.andnot(a, f32x4.le(b, zero));
    case B_LEAKY_RELU_GRAD: return v128.bitselect(a, f32x4.mul(a, alpha), f32x4.gt(b, zero));
    case B_SIGMOID_GRAD: return f32x4.mul(f32x4.mul(a, f32x4.sub(one, b)), b);
    case B_TANH_GRAD: return f32x4.mul(a, f32x4.sub(one, f32x4.mul(b, b)));
    case B_SOFTPLUS_GRAD: return f32x4.mul(a, sigmoidVector(b));
    case B_ELU_GRAD: {
      const negative = f32x4.mul(f32x4.mul(a, alpha), expVector(b));
      return v128.bitselect(a, negative, f32x4.gt(b, zero));
    }
    case B_SILU_GRAD: {
      const s = sigmoidVector(b);
      return f32x4.mul(a, f32x4.mul(s, f32x4.add(one, f32x4.mul(b, f32x4.sub(one, s)))));
    }
    case B_ABS_GRAD: return f32x4.mul(a, signVector(b));
    case B_CLAMP_GRAD: return v128.and(a, v128.and(f32x4.ge(b, alpha), f32x4.le(b, beta)));
    case B_BCE_WITH_LOGITS_GRAD: return f32x4.sub(sigmoidVector(a), b);
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
    case B_ADD: binaryVectorRow(B_ADD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_SUB: binaryVectorRow(B_SUB, a, sa, b, sb, out, n, alpha, beta); break;
    case B_MUL: binaryVectorRow(B_MUL, a, sa, b, sb, out, n, alpha, beta); break;
    case B_DIV: binaryVectorRow(B_DIV, a, sa, b, sb, out, n, alpha, beta); break;
    case B_POW: binaryScalarRow(B_POW, a, sa, b, sb, out, n, alpha, beta); break;
    case B_MAXIMUM: binaryVectorRow(B_MAXIMUM, a, sa, b, sb, out, n, alpha, beta); break;
    case B_MINIMUM: binaryVectorRow(B_MINIMUM, a, sa, b, sb, out, n, alpha, beta); break;
    case B_EQ: binaryVectorRow(B_EQ, a, sa, b, sb, out, n, alpha, beta); break;
    case B_NE: binaryVectorRow(B_NE, a, sa, b, sb, out, n, alpha, beta); break;
    case B_LT: binaryVectorRow(B_LT, a, sa, b, sb, out, n, alpha, beta); break;
    case B_LE: binaryVectorRow(B_LE, a, sa, b, sb, out, n, alpha, beta); break;
    case B_GT: binaryVectorRow(B_GT, a, sa, b, sb, out, n, alpha, beta); break;
    case B_GE: binaryVectorRow(B_GE, a, sa, b, sb, out, n, alpha, beta); break;
    case B_BCE_WITH_LOGITS:
      binaryScalarRow(B_BCE_WITH_LOGITS, a, sa, b, sb, out, n, alpha, beta);
      break;
    case B_RELU_GRAD: binaryVectorRow(B_RELU_GRAD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_LEAKY_RELU_GRAD:
      binaryVectorRow(B_LEAKY_RELU_GRAD, a, sa, b, sb, out, n, alpha, beta);
      break;
    case B_SIGMOID_GRAD:
      binaryVectorRow(B_SIGMOID_GRAD, a, sa, b, sb, out, n, alpha, beta);
      break;
    case B_TANH_GRAD: binaryVectorRow(B_TANH_GRAD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_SOFTPLUS_GRAD:
      binaryVectorRow(B_SOFTPLUS_GRAD, a, sa, b, sb, out, n, alpha, beta);
      break;
    case B_GELU_GRAD: binaryScalarRow(B_GELU_GRAD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_ELU_GRAD: binaryVectorRow(B_ELU_GRAD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_SILU_GRAD: binaryVectorRow(B_SILU_GRAD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_ABS_GRAD: binaryVectorRow(B_ABS_GRAD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_CLAMP_GRAD: binaryVectorRow(B_CLAMP_GRAD, a, sa, b, sb, out, n, alpha, beta); break;
    case B_POW_SCALAR_GRAD:
      binaryScalarRow(B_POW_SCALAR_GRAD, a, sa, b, sb, out, n, alpha, beta);
      break;
    case B_BCE_WITH_LOGITS_GRAD:
      binaryVectorRow(B_BCE_WITH_LOGITS_GRAD, a, sa, b, sb, out, n, alpha, beta);
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
