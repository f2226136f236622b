// Scalar special functions shared by the elementwise kernels, written to stay finite and accurate
// over the whole f32 range. They work in f64 and round once, so most are within 0.6 ulp.

// Coefficients of P in erfc(z) = t·exp(−z² + P(t)), t = 1 / (1 + z/2), z ≥ 0: a least-squares fit
// (degree 13, Chebyshev nodes on t ∈ [0, 1]) whose relative error in erfc is below 1.2e-9 for
// every z ≥ 0 when evaluated in f64.
const ERFC_P0: f64 = -1.2655121228073583;
const ERFC_P1: f64 = 0.9999997569407423;
const ERFC_P2: f64 = 0.375014066606017;
const ERFC_P3: f64 = 0.0830261155479878;
const ERFC_P4: f64 = -0.08267825867107462;
const ERFC_P5: f64 = -0.1617620825242153;
const ERFC_P6: f64 = -0.04793693194113076;
const ERFC_P7: f64 = 0.07736050653655818;
const ERFC_P8: f64 = -0.5341720266936409;
const ERFC_P9: f64 = 2.226943125571096;
const ERFC_P10: f64 = -3.456431368135176;
const ERFC_P11: f64 = 2.6650782509057214;
const ERFC_P12: f64 = -1.0486924319299593;
const ERFC_P13: f64 = 0.1697634017200855;

const SQRT1_2: f64 = 0.7071067811865476;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

/** erfc(z) for z ≥ 0 (including +∞), relative error below 1.2e-9. */
// @ts-ignore: decorator
@inline function erfcNonNegative(z: f64): f64 {
  const t = 1.0 / (1.0 + 0.5 * z);
  let p = ERFC_P13;
  p = p * t + ERFC_P12;
  p = p * t + ERFC_P11;
  p = p * t + ERFC_P10;
  p = p * t + ERFC_P9;
  p = p * t + ERFC_P8;
  p = p * t + ERFC_P7;
  p = p * t + ERFC_P6;
  p = p * t + ERFC_P5;
  p = p * t + ERFC_P4;
  p = p * t + ERFC_P3;
  p = p * t + ERFC_P2;
  p = p * t + ERFC_P1;
  p = p * t + ERFC_P0;
  return t * Math.exp(p - z * z);
}

/** Standard normal CDF Φ(x), with relative accuracy in the lower tail. */
export function normalCdf(x: f64): f64 {
  const tail = 0.5 * erfcNonNegative(Math.abs(x) * SQRT1_2);
  return x < 0 ? tail : 1.0 - tail;
}

/** Standard normal density φ(x). */
// @ts-ignore: decorator
@inline export function normalPdf(x: f64): f64 {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Exact GELU x·Φ(x); 0 at −∞ (where x·Φ(x) would be −∞·0). */
export function gelu(x: f32): f32 {
  if (x != x) return x;
  const phi = normalCdf(<f64>x);
  return phi == 0 ? 0 : <f32>(<f64>x * phi);
}

/** d GELU / dx = Φ(x) + x·φ(x); 0 at ±∞ tails where the product is ∞·0. */
export function geluDerivative(x: f32): f32 {
  if (x != x) return x;
  const xd = <f64>x;
  const density = normalPdf(xd);
  return <f32>(normalCdf(xd) + (density == 0 ? 0 : xd * density));
}

/** log(1 + e^x) = max(x, 0) + log1p(e^−|x|), finite for every finite x. */
// @ts-ignore: decorator
@inline export function softplus(x: f32): f32 {
  const xd = <f64>x;
  return <f32>(max(xd, 0.0) + Math.log1p(Math.exp(-Math.abs(xd))));
}

/** −1, 0 or 1 by the sign of x (+0 for ±0); NaN stays NaN. */
// @ts-ignore: decorator
@inline export function sign(x: f32): f32 {
  return x > 0 ? 1 : x < 0 ? -1 : x - x;
}
