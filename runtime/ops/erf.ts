/** The error function erf, beside its gradient 2/√π·e^(−x²). */
import type { Tensor } from "../tensor.ts";
import { record } from "../autograd/engine.ts";
import { withGradMode } from "../autograd/grad_mode.ts";
import { expectFloat } from "./broadcast.ts";
import { abs, add, exp, mul, neg, pow, sign, square } from "./arithmetic.ts";
import { lt, where } from "./compare.ts";

// Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7) away from 0, and the Maclaurin series
// (relative error < 1e-7) for |x| < 0.5, where the former's absolute error would be a large
// relative one.
const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];
const SERIES = [1, -1 / 3, 1 / 10, -1 / 42, 1 / 216, -1 / 1320];
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function erfValues(x: Tensor): Tensor {
  const magnitude = abs(x);
  const t = pow(add(mul(magnitude, P), 1), -1);
  let polynomial = mul(t, A[4]);
  for (let k = 3; k >= 0; k--) polynomial = mul(add(polynomial, A[k]), t);
  const far = mul(sign(x), add(neg(mul(polynomial, exp(neg(square(x))))), 1));
  const x2 = square(x);
  let series = mul(x2, SERIES[5]);
  for (let k = 4; k >= 1; k--) series = mul(add(series, SERIES[k]), x2);
  const near = mul(mul(add(series, SERIES[0]), x), TWO_OVER_SQRT_PI);
  return where(lt(magnitude, 0.5), near, far);
}

/** erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, elementwise (float32 accuracy). Shape in = shape out. */
export function erf(x: Tensor): Tensor {
  expectFloat("erf", x);
  const out = withGradMode(false, () => erfValues(x));
  return record(
    out,
    "erf",
    [x],
    (g) => withGradMode(false, () => [mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI))]),
  );
}
