// The GEMM micro-kernel: one MR×NR (6×8) tile of C from a packed Ã panel and a packed B̃ panel,
// with its 12 accumulators held in v128 locals.

/** Rows of op(A) per micro-tile. */
export const MR = 6;
/** Columns of op(B) per micro-tile (2 v128). */
export const NR = 8;

/** acc + a·b: one fused multiply-add in the relaxed build, mul then add in the plain one. */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, acc);
  } else {
    return f32x4.add(f32x4.mul(a, b), acc);
  }
}

/**
 * C[0..MR, 0..NR] = init + Σ_k Ã[k]·B̃[k], where init is C itself (fromC = true) or 0, plus the NR
 * floats at `bias` when bias != 0; then max(·, 0) when relu. pa: kc×MR floats, pb: kc×NR floats,
 * c: the tile's first element, ldc: row stride of C in bytes.
 */
export function microKernel(
  kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, fromC: bool, bias: usize, relu: bool,
): void {
  const c0 = c;
  const c1 = c0 + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  const c4 = c3 + ldc;
  const c5 = c4 + ldc;
  let x00 = f32x4.splat(0);
  let x01 = x00;
  let x10 = x00;
  let x11 = x00;
  let x20 = x00;
  let x21 = x00;
  let x30 = x00;
  let x31 = x00;
  let x40 = x00;
  let x41 = x00;
  let x50 = x00;
  let x51 = x00;
  if (fromC) {
    x00 = v128.load(c0);
    x01 = v128.load(c0, 16);
    x10 = v128.load(c1);
    x11 = v128.load(c1, 16);
    x20 = v128.load(c2);
    x21 = v128.load(c2, 16);
    x30 = v128.load(c3);
    x31 = v128.load(c3, 16);
    x40 = v128.load(c4);
    x41 = v128.load(c4, 16);
    x50 = v128.load(c5);
    x51 = v128.load(c5, 16);
  }
  if (bias != 0) {
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    x00 = f32x4.add(x00, b0);
    x01 = f32x4.add(x01, b1);
    x10 = f32x4.add(x10, b0);
    x11 = f32x4.add(x11, b1);
    x20 = f32x4.add(x20, b0);
    x21 = f32x4.add(x21, b1);
    x30 = f32x4.add(x30, b0);
    x31 = f32x4.add(x31, b1);
    x40 = f32x4.add(x40, b0);
    x41 = f32x4.add(x41, b1);
    x50 = f32x4.add(x50, b0);
    x51 = f32x4.add(x51, b1);
  }
  for (let k = 0; k < kc; k++) {
    const b0_0 = v128.load(pb, 0);
    const b1_0 = v128.load(pb, 16);
    const a0_0 = v128.load32_splat(pa, 0);
    x00 = madd(a0_0, b0_0, x00);
    x01 = madd(a0_0, b1_0, x01);
    const a1_0 = v128.load32_splat(pa, 4);
    x10 = madd(a1_0, b0_0, x10);
    x11 = madd(a1_0, b1_0, x11);
    const a2_0 = v128.load32_splat(pa, 8);
    x20 = madd(a2_0, b0_0, x20);
    x21 = madd(a2_0, b1_0, x21);
    const a3_0 = v128.load32_splat(pa, 12);
    x30 = madd(a3_0, b0_0, x30);
    x31 = madd(a3_0, b1_0, x31);
    const a4_0 = v128.load32_splat(pa, 16);
    x40 = madd(a4_0, b0_0, x40);
    x41 = madd(a4_0, b1_0, x41);
    const a5_0 = v128.load32_splat(pa, 20);
    x50 = madd(a5_0, b0_0, x50);
    x51 = madd(a5_0, b1_0, x51);
    pa += 24;
    pb += 32;
  }
  if (relu) {
    const zero = f32x4.splat(0);
    x00 = f32x4.max(x00, zero);
    x01 = f32x4.max(x01, zero);
    x10 = f32x4.max(x10, zero);
    x11 = f32x4.max(x11, zero);
    x20 = f32x4.max(x20, zero);
    x21 = f32x4.max(x21, zero);
    x30 = f32x4.max(x30, zero);
    x31 = f32x4.max(x31, zero);
    x40 = f32x4.max(x40, zero);
    x41 = f32x4.max(x41, zero);
    x50 = f32x4.max(x50, zero);
    x51 = f32x4.max(x51, zero);
  }
  v128.store(c0, x00);
  v128.store(c0, x01, 16);
  v128.store(c1, x10);
  v128.store(c1, x11, 16);
  v128.store(c2, x20);
  v128.store(c2, x21, 16);
  v128.store(c3, x30);
  v128.store(c3, x31, 16);
  v128.store(c4, x40);
  v128.store(c4, x41, 16);
  v128.store(c5, x50);
  v128.store(c5, x51, 16);
}
