/** out[i] = value for i < n. */
export function fillF32(out: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), value);
}

/** True when this build uses relaxed SIMD (f32x4.relaxed_madd). */
export function isRelaxedBuild(): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return 1;
  return 0;
}

/** First byte of linear memory after the module's static data; the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
