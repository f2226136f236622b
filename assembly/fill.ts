// Fills, ranges, dtype casts and the finiteness scan, plus the module's two facts about itself.

/**
 * out[i] = value for i < n.
 * @splitElements n: out
 */
export function fillF32(out: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), value);
}

/** out[i] = start + i * step for i < n, each value rounded once from f64. */
export function arangeF32(out: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(start + <f64>i * step));
}

/**
 * out[i] = f32(x[i]) for the i32 array x, i < n.
 * @splitElements n: x, out
 */
export function castI32ToF32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.convert_i32x4_s(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>load<i32>(x + o));
  }
}

/**
 * out[i] = i32(trunc(x[i])) for the f32 array x, i < n; saturates out of range, NaN gives 0.
 * @splitElements n: x, out
 */
export function castF32ToI32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, i32x4.trunc_sat_f32x4_s(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<i32>(out + o, <i32>load<f32>(x + o));
  }
}

/** Index of the first non-finite f32 (±∞ or NaN) in x[0..n), or -1. */
export function findNonFinite(x: usize, n: i32): i32 {
  const exponent = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const bits = v128.and(v128.load(x + (<usize>i << 2)), exponent);
    if (v128.any_true(i32x4.eq(bits, exponent))) break;
  }
  for (; i < n; i++) {
    if ((load<i32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}

/** 1 for the relaxed-SIMD build, 0 for the plain-SIMD build. */
export function isRelaxedBuild(): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return 1;
  return 0;
}

/** First byte of linear memory after the module's static data; the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
