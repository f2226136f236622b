/**
 * Tolerance checks for kernel tests: compare an f32 result with a float64 reference, element by
 * element, and say where and by how much the first mismatch is off.
 */
import assert from "node:assert/strict";

/** Allowed error per element: |actual − expected| ≤ abs + rel·|expected| + ulps·ulp32(expected). */
export interface Tolerance {
  abs?: number;
  rel?: number;
  ulps?: number;
}

/** Distance between adjacent f32 values at the magnitude of x (the subnormal step below 2^-126). */
export function ulp32(x: number): number {
  const magnitude = Math.abs(Math.fround(x));
  if (!Number.isFinite(magnitude)) return 0;
  if (magnitude < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(magnitude)) - 23);
}

/** |actual − expected| in units of ulp32(expected); 0 when both are the same non-finite value. */
export function ulpError(actual: number, expected: number): number {
  if (Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected))) return 0;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return Infinity;
  return Math.abs(actual - expected) / ulp32(expected);
}

/** Asserts that every element of actual is within tolerance of expected (NaN matches NaN). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const { abs = 0, rel = 0, ulps = 0 } = tolerance;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${label}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      assert.equal(a, e, `${label}[${i}]: expected ${e}, got ${a}`);
      continue;
    }
    const allowed = abs + rel * Math.abs(e) + ulps * ulp32(e);
    const error = Math.abs(a - e);
    assert.ok(
      error <= allowed,
      `${label}[${i}]: got ${a}, expected ${e} (error ${error.toExponential(3)} > allowed ` +
        `${allowed.toExponential(3)}, ${(error / ulp32(e)).toFixed(2)} ulps)`,
    );
  }
}

/** Asserts bitwise-equal f32 arrays (NaN matches NaN, +0 differs from −0). */
export function assertSameF32(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = Math.fround(expected[i]);
    const same = Object.is(actual[i], e) || (Number.isNaN(actual[i]) && Number.isNaN(e));
    assert.ok(same, `${label}[${i}]: got ${actual[i]}, expected ${e}`);
  }
}

/** The sizes every elementwise test runs: SIMD bodies, scalar tails, and both together. */
export const ODD_SIZES = [1, 3, 7, 13, 33, 1000];
