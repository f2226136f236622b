// The GEMM micro-kernel: one MR×NR (4×8) tile of C from a packed Ã panel and a packed B̃ panel.
//
// Why 4×8 with lane shuffles: V8 under Deno bounds-checks every wasm memory access (no trap
// handler), so a load costs about three instructions and the loop is limited by how many
// instructions it issues, not by the FMA units. Per k this kernel makes three loads (the 4 values
// of Ã as one v128, two v128 of B̃), four shuffles that broadcast the A lanes and eight FMAs, which
// keeps the FMA units nearly busy. A 6×8 tile with load32_splat broadcasts (8 loads per 12 FMAs)
// measured about 15% slower, and 6×8 or wider with shuffles needs more than the 15 vector
// registers V8 allocates on x86-64 (8 accumulators + 2 B + 1 A + 1 broadcast fit). Unrolling the
// k loop by hand made V8 spill; it unrolls this small loop itself.

/** Rows of op(A) per micro-tile (the 4 lanes of one v128 of Ã). */
export const MR = 4;
/** Columns of op(B) per micro-tile (two v128). */
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
 * C[0..4, 0..8] = init + Σ_k Ã[k]·B̃[k], where init is C itself (fromC = true) or 0, plus the 8
 * floats at `bias` when bias != 0; then max(·, 0) when relu. pa: kc×4 floats (the 4 rows at each
 * k), pb: kc rows of 8 floats, ldb bytes apart (NR·4 when packed), c: the tile's first element,
 * ldc: row stride of C in bytes.
 */
export function microKernel(
  kc: i32, pa: usize, pb: usize, ldb: usize, c: usize, ldc: usize, fromC: bool, bias: usize,
  relu: bool,
): void {
  const c0 = c;
  const c1 = c0 + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let x00 = f32x4.splat(0);
  let x01 = x00;
  let x10 = x00;
  let x11 = x00;
  let x20 = x00;
  let x21 = x00;
  let x30 = x00;
  let x31 = x00;
  if (fromC) {
    x00 = v128.load(c0);
    x01 = v128.load(c0, 16);
    x10 = v128.load(c1);
    x11 = v128.load(c1, 16);
    x20 = v128.load(c2);
    x21 = v128.load(c2, 16);
    x30 = v128.load(c3);
    x31 = v128.load(c3, 16);
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
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a = v128.load(pa);
    let ar = v128.shuffle<f32>(a, a, 0, 0, 0, 0);
    x00 = madd(ar, b0, x00);
    x01 = madd(ar, b1, x01);
    ar = v128.shuffle<f32>(a, a, 1, 1, 1, 1);
    x10 = madd(ar, b0, x10);
    x11 = madd(ar, b1, x11);
    ar = v128.shuffle<f32>(a, a, 2, 2, 2, 2);
    x20 = madd(ar, b0, x20);
    x21 = madd(ar, b1, x21);
    ar = v128.shuffle<f32>(a, a, 3, 3, 3, 3);
    x30 = madd(ar, b0, x30);
    x31 = madd(ar, b1, x31);
    pa += MR << 2;
    pb += ldb;
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
  }
  v128.store(c0, x00);
  v128.store(c0, x01, 16);
  v128.store(c1, x10);
  v128.store(c1, x11, 16);
  v128.store(c2, x20);
  v128.store(c2, x21, 16);
  v128.store(c3, x30);
  v128.store(c3, x31, 16);
}

/**
 * microKernel on a 4×4 tile (the first v128 of each B̃ row, ldb bytes apart), with the same sums
 * lane by lane: for an edge of C exactly 4 columns wide (W3's second conv has 196 = 24·8 + 4),
 * which would otherwise take a whole 8-column tile through scratch. bias: 4 floats, or 0.
 */
export function microKernel4(
  kc: i32, pa: usize, pb: usize, ldb: usize, c: usize, ldc: usize, fromC: bool, bias: usize,
  relu: bool,
): void {
  const c0 = c;
  const c1 = c0 + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let x0 = f32x4.splat(0);
  let x1 = x0;
  let x2 = x0;
  let x3 = x0;
  if (fromC) {
    x0 = v128.load(c0);
    x1 = v128.load(c1);
    x2 = v128.load(c2);
    x3 = v128.load(c3);
  }
  if (bias != 0) {
    const b0 = v128.load(bias);
    x0 = f32x4.add(x0, b0);
    x1 = f32x4.add(x1, b0);
    x2 = f32x4.add(x2, b0);
    x3 = f32x4.add(x3, b0);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const a = v128.load(pa);
    x0 = madd(v128.shuffle<f32>(a, a, 0, 0, 0, 0), b0, x0);
    x1 = madd(v128.shuffle<f32>(a, a, 1, 1, 1, 1), b0, x1);
    x2 = madd(v128.shuffle<f32>(a, a, 2, 2, 2, 2), b0, x2);
    x3 = madd(v128.shuffle<f32>(a, a, 3, 3, 3, 3), b0, x3);
    pa += MR << 2;
    pb += ldb;
  }
  if (relu) {
    const zero = f32x4.splat(0);
    x0 = f32x4.max(x0, zero);
    x1 = f32x4.max(x1, zero);
    x2 = f32x4.max(x2, zero);
    x3 = f32x4.max(x3, zero);
  }
  v128.store(c0, x0);
  v128.store(c1, x1);
  v128.store(c2, x2);
  v128.store(c3, x3);
}
