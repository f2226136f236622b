// Small SIMD helpers shared by the kernels.

/** a·b + c, fused where the build has relaxed SIMD. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes, in f64. */
// @ts-ignore: decorator
@inline export function laneSum(v: v128): f64 {
  return (
    <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) +
    (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3))
  );
}

/** Largest lane (NaN if any lane is NaN). */
// @ts-ignore: decorator
@inline export function laneMax(v: v128): f32 {
  return max(
    max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

/** Smallest lane (NaN if any lane is NaN). */
// @ts-ignore: decorator
@inline export function laneMin(v: v128): f32 {
  return min(
    min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

/** −1, 0 or 1 per lane by sign (+0 for ±0); NaN lanes stay NaN. */
// @ts-ignore: decorator
@inline export function signVector(x: v128): v128 {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const s = f32x4.sub(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), one));
  return v128.bitselect(x, s, f32x4.ne(x, x));
}

// Elements summed in f32 lanes before the partial sums are folded into the f64 total.
const SUM_BLOCK = 1024;

/** Σ p[0..n) for a contiguous f32 array, in f32 SIMD blocks folded into f64. */
export function sumContiguous(p: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i + 16 <= n) {
    const end = min(n, i + SUM_BLOCK);
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    for (; i + 16 <= end; i += 16) {
      const q = p + (<usize>i << 2);
      s0 = f32x4.add(s0, v128.load(q));
      s1 = f32x4.add(s1, v128.load(q, 16));
      s2 = f32x4.add(s2, v128.load(q, 32));
      s3 = f32x4.add(s3, v128.load(q, 48));
    }
    const lo = f64x2.add(f64x2.promote_low_f32x4(s0), f64x2.promote_low_f32x4(s1));
    const hi = f64x2.add(
      f64x2.promote_low_f32x4(v128.shuffle<i32>(s0, s1, 2, 3, 6, 7)),
      f64x2.promote_low_f32x4(v128.shuffle<i32>(s0, s1, 6, 7, 2, 3)),
    );
    const lo2 = f64x2.add(f64x2.promote_low_f32x4(s2), f64x2.promote_low_f32x4(s3));
    const hi2 = f64x2.add(
      f64x2.promote_low_f32x4(v128.shuffle<i32>(s2, s3, 2, 3, 6, 7)),
      f64x2.promote_low_f32x4(v128.shuffle<i32>(s2, s3, 6, 7, 2, 3)),
    );
    const all = f64x2.add(f64x2.add(lo, hi), f64x2.add(lo2, hi2));
    total += f64x2.extract_lane(all, 0) + f64x2.extract_lane(all, 1);
  }
  for (; i < n; i++) total += <f64>load<f32>(p + (<usize>i << 2));
  return total;
}

/** max (isMax) or min of a contiguous f32 array; NaN if any element is NaN; ∓∞ when n = 0. */
// @ts-ignore: decorator
@inline export function extremeContiguous(isMax: bool, p: usize, n: i32): f32 {
  const start: f32 = isMax ? -Infinity : Infinity;
  let a0 = f32x4.splat(start);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const q = p + (<usize>i << 2);
    if (isMax) {
      a0 = f32x4.max(a0, v128.load(q));
      a1 = f32x4.max(a1, v128.load(q, 16));
      a2 = f32x4.max(a2, v128.load(q, 32));
      a3 = f32x4.max(a3, v128.load(q, 48));
    } else {
      a0 = f32x4.min(a0, v128.load(q));
      a1 = f32x4.min(a1, v128.load(q, 16));
      a2 = f32x4.min(a2, v128.load(q, 32));
      a3 = f32x4.min(a3, v128.load(q, 48));
    }
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    a0 = isMax ? f32x4.max(a0, v) : f32x4.min(a0, v);
  }
  let r: f32 = isMax
    ? laneMax(f32x4.max(f32x4.max(a0, a1), f32x4.max(a2, a3)))
    : laneMin(f32x4.min(f32x4.min(a0, a1), f32x4.min(a2, a3)));
  for (; i < n; i++) {
    const v = load<f32>(p + (<usize>i << 2));
    r = isMax ? max(r, v) : min(r, v);
  }
  return r;
}
