// Small SIMD helpers shared by the kernels.

/** a·b + c, fused where the build has relaxed SIMD. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Lanes 2 and 3 of an f32x4 as an f64x2 (promote_low gives lanes 0 and 1). */
// @ts-ignore: decorator
@inline export function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}

/** Four f64 lanes (lo = lanes 0, 1; hi = lanes 2, 3) rounded to one f32x4. */
// @ts-ignore: decorator
@inline export function demote4(lo: v128, hi: v128): v128 {
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
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

/** Σ p[0..n) for a contiguous f32 array, accumulated in f64 lanes (no drift on long rows). */
export function sumContiguous(p: usize, n: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let s2 = f64x2.splat(0);
  let s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const q = p + (<usize>i << 2);
    const v0 = v128.load(q);
    const v1 = v128.load(q, 16);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0));
    s1 = f64x2.add(s1, promoteHigh(v0));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1));
    s3 = f64x2.add(s3, promoteHigh(v1));
  }
  const all = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let total = f64x2.extract_lane(all, 0) + f64x2.extract_lane(all, 1);
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
