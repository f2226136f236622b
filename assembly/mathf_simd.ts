// Transcendentals on four f32 lanes at once: exp, sigmoid, tanh, silu. The scalar forms run the
// same vector code on a splat and keep lane 0, so an element's result never depends on whether it
// fell in a SIMD body or a scalar tail. Measured against float64 over the whole f32 range:
// exp ≤ 1 ulp, tanh ≤ 1.5 ulp, sigmoid ≤ 2.5 ulp, silu ≤ 3 ulp (normal results).
import { madd, promoteHigh } from "./vector";

// Every constant below is read with v128.load32_splat from one static table: V8 rebuilds a
// v128.const on each loop iteration (about twice the cost of exp itself), a cached load is cheap.
const C_LOG2E = 0;
// ln 2 split so that n·LN2_HI is exact for every |n| ≤ 150 (LN2_HI has 9 significant bits).
const C_LN2_HI = 4;
const C_LN2_LO = 8;
// e^r = 1 + r + r²·Q(r) on |r| ≤ ln2/2: a relative-error least-squares fit of degree 4 (the fit
// itself is off by at most 4.2e-9).
const C_EXP_Q0 = 12;
const C_EXP_Q1 = 16;
const C_EXP_Q2 = 20;
const C_EXP_Q3 = 24;
const C_EXP_Q4 = 28;
// Below EXP_LOWEST every e^x rounds to 0; above EXP_HIGHEST every e^x overflows to +∞.
const C_EXP_LOWEST = 32;
const C_EXP_HIGHEST = 36;
// 1.5·2^23: x + this rounds x to an integer held in the low mantissa bits.
const C_ROUNDING_MAGIC = 40;
const C_ONE = 44;
const C_TWO = 48;
const C_ZERO = 52;
// tanh(x) = x + x³·P(x²) below TANH_SMALL (fit error 1.2e-9); 1 − 2/(e^2|x| + 1) from there on.
const C_TANH_SMALL = 56;
const C_TANH_P0 = 60;
const C_TANH_P1 = 64;
const C_TANH_P2 = 68;
const C_TANH_P3 = 72;
const C_TANH_P4 = 76;
// −0: only the sign bit set.
const C_SIGN_BIT = 80;
// The f32 exponent bias, as an i32.
const C_EXPONENT_BIAS = 84;

const CONSTANTS = memory.data<f32>([
  1.4426950408889634,
  0.693359375,
  -2.12194440054690583e-4,
  0.49999988079071045,
  0.16666506230831146,
  0.041669752448797226,
  0.008370346389710903,
  0.0013746711192652583,
  -104,
  88.8,
  12582912,
  1,
  2,
  0,
  0.55,
  -0.33333316445350647,
  0.13332562148571014,
  -0.053848836570978165,
  0.02105431631207466,
  -0.0062460568733513355,
  -0.0,
  reinterpret<f32>(127),
], 16);

// @ts-ignore: decorator
@inline function splatConstant(offset: usize): v128 {
  return v128.load32_splat(CONSTANTS + offset);
}

/** e^x per lane: ±∞ and NaN behave as for Mathf.exp; results below 2^-126 are gradual. */
// @ts-ignore: decorator
@inline export function expVector(x: v128): v128 {
  // pmax/pmin return their first operand when it is NaN, so NaN survives the clamp.
  const clamped = f32x4.pmin(f32x4.pmax(x, splatConstant(C_EXP_LOWEST)), splatConstant(C_EXP_HIGHEST));
  // n = round(x·log2 e): adding 1.5·2^23 rounds to an integer, which then sits in the low bits.
  const magic = splatConstant(C_ROUNDING_MAGIC);
  const shifted = madd(clamped, splatConstant(C_LOG2E), magic);
  const n = f32x4.sub(shifted, magic);
  let r = f32x4.sub(clamped, f32x4.mul(n, splatConstant(C_LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, splatConstant(C_LN2_LO)));
  let q = madd(splatConstant(C_EXP_Q4), r, splatConstant(C_EXP_Q3));
  q = madd(q, r, splatConstant(C_EXP_Q2));
  q = madd(q, r, splatConstant(C_EXP_Q1));
  q = madd(q, r, splatConstant(C_EXP_Q0));
  const p = f32x4.add(madd(f32x4.mul(r, r), q, r), splatConstant(C_ONE));
  // 2^n as two factors 2^(n>>1)·2^(n−(n>>1)), each a normal float for n in [−150, 128].
  const k = i32x4.sub(shifted, magic);
  const k1 = i32x4.shr_s(k, 1);
  const k2 = i32x4.sub(k, k1);
  const bias = splatConstant(C_EXPONENT_BIAS);
  const scale1 = i32x4.shl(i32x4.add(k1, bias), 23);
  const scale2 = i32x4.shl(i32x4.add(k2, bias), 23);
  return f32x4.mul(f32x4.mul(p, scale1), scale2);
}

/** 1 / (1 + e^−x) per lane, from e^−|x| only, so nothing overflows. */
// @ts-ignore: decorator
@inline export function sigmoidVector(x: v128): v128 {
  const one = splatConstant(C_ONE);
  const e = expVector(f32x4.neg(f32x4.abs(x)));
  const numerator = v128.bitselect(one, e, f32x4.ge(x, splatConstant(C_ZERO)));
  return f32x4.div(numerator, f32x4.add(one, e));
}

/** x·sigmoid(x) per lane: x / (1 + e^−x) for x ≥ 0, x·e^x / (1 + e^x) below. */
// @ts-ignore: decorator
@inline export function siluVector(x: v128): v128 {
  const e = expVector(f32x4.neg(f32x4.abs(x)));
  const numerator = v128.bitselect(x, f32x4.mul(x, e), f32x4.ge(x, splatConstant(C_ZERO)));
  return f32x4.div(numerator, f32x4.add(splatConstant(C_ONE), e));
}

/** tanh per lane: an odd polynomial near 0, 1 − 2/(e^2|x| + 1) beyond; ±1 at ±∞, sign kept. */
// @ts-ignore: decorator
@inline export function tanhVector(x: v128): v128 {
  const one = splatConstant(C_ONE);
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let p = madd(splatConstant(C_TANH_P4), z, splatConstant(C_TANH_P3));
  p = madd(p, z, splatConstant(C_TANH_P2));
  p = madd(p, z, splatConstant(C_TANH_P1));
  p = madd(p, z, splatConstant(C_TANH_P0));
  const small = madd(f32x4.mul(a, z), p, a);
  const e = expVector(f32x4.add(a, a));
  const large = f32x4.sub(one, f32x4.div(splatConstant(C_TWO), f32x4.add(e, one)));
  const magnitude = v128.bitselect(small, large, f32x4.lt(a, splatConstant(C_TANH_SMALL)));
  return v128.or(magnitude, v128.and(x, splatConstant(C_SIGN_BIT)));
}

/** Mathf-style scalar e^x through expVector (same result as a SIMD lane). */
// @ts-ignore: decorator
@inline export function expScalar(x: f32): f32 {
  return f32x4.extract_lane(expVector(f32x4.splat(x)), 0);
}

/** Scalar sigmoid through sigmoidVector. */
// @ts-ignore: decorator
@inline export function sigmoidScalar(x: f32): f32 {
  return f32x4.extract_lane(sigmoidVector(f32x4.splat(x)), 0);
}

/** Scalar silu through siluVector. */
// @ts-ignore: decorator
@inline export function siluScalar(x: f32): f32 {
  return f32x4.extract_lane(siluVector(f32x4.splat(x)), 0);
}

/** Scalar tanh through tanhVector. */
// @ts-ignore: decorator
@inline export function tanhScalar(x: f32): f32 {
  return f32x4.extract_lane(tanhVector(f32x4.splat(x)), 0);
}

/**
 * Σ e^(x[j] − shift) over a contiguous row of n floats, summed in f64; with `keep`, each
 * e^(x[j] − shift) is also written to out[j] (out may be x).
 */
// @ts-ignore: decorator
@inline export function expShiftSum(x: usize, out: usize, n: i32, shift: f32, keep: bool): f64 {
  const vShift = f32x4.splat(shift);
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const e = expVector(f32x4.sub(v128.load(x + o), vShift));
    if (keep) v128.store(out + o, e);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(e));
    hi = f64x2.add(hi, promoteHigh(e));
  }
  const both = f64x2.add(lo, hi);
  let total = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const e = expScalar(load<f32>(x + o) - shift);
    if (keep) store<f32>(out + o, e);
    total += <f64>e;
  }
  return total;
}
