// GEMM with fewer rows than a micro-tile (M < MR, typically inference at batch 1): every row of C
// is a vector-matrix product computed straight from B, without packing it. Packing B would cost
// as much as the product itself here, and a 4-row micro-tile would waste most of its work.
// Each row is computed on its own, so any split of the rows gives the same bits.
import { madd } from "./gemm_micro";

/** max(x, 0) when relu, else x. */
// @ts-ignore: decorator
@inline
function activate(x: v128, relu: bool): v128 {
  return relu ? f32x4.max(x, f32x4.splat(0)) : x;
}

/**
 * Rows rowStart..rowEnd of C = op(A)·op(B) (+ C) (+ bias) (then relu), one row at a time.
 * Arguments as gemm's; `row` is scratch for K floats (a row of Aᵀ made contiguous).
 */
export function gemmSmall(
  transA: i32, transB: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, accumulate: bool, bias: usize, relu: bool, rowStart: i32, rowEnd: i32,
  row: usize,
): void {
  for (let i = rowStart; i < rowEnd; i++) {
    let x = a + ((<usize>i * <usize>lda) << 2);
    if (transA) {
      const column = a + (<usize>i << 2);
      for (let k = 0; k < K; k++) {
        store<f32>(row + (<usize>k << 2), load<f32>(column + ((<usize>k * <usize>lda) << 2)));
      }
      x = row;
    }
    const out = c + ((<usize>i * <usize>ldc) << 2);
    if (transB) {
      rowTimesBt(N, K, x, b, ldb, out, accumulate, bias, relu);
    } else {
      rowTimesB(N, K, x, b, ldb, out, accumulate, bias, relu);
    }
  }
}

/** The epilogue of 4 outputs: sum (+ out) (+ bias), then relu, stored at out + j. */
// @ts-ignore: decorator
@inline
function store4(sum: v128, out: usize, j: i32, accumulate: bool, bias: usize, relu: bool): void {
  const at = out + (<usize>j << 2);
  if (accumulate) sum = f32x4.add(sum, v128.load(at));
  if (bias != 0) sum = f32x4.add(sum, v128.load(bias + (<usize>j << 2)));
  v128.store(at, activate(sum, relu));
}

/** The epilogue of one output. */
// @ts-ignore: decorator
@inline
function store1(sum: f32, out: usize, j: i32, accumulate: bool, bias: usize, relu: bool): void {
  const at = out + (<usize>j << 2);
  if (accumulate) sum += load<f32>(at);
  if (bias != 0) sum += load<f32>(bias + (<usize>j << 2));
  store<f32>(at, relu ? max(sum, 0) : sum);
}

/** out[j] = Σ_k x[k]·B[k, j] for B stored [K×N]: 16 columns at a time, k innermost. */
function rowTimesB(
  N: i32, K: i32, x: usize, b: usize, ldb: i32, out: usize, accumulate: bool, bias: usize,
  relu: bool,
): void {
  const rowStep = <usize>ldb << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    let p = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      const xk = v128.load32_splat(x + (<usize>k << 2));
      s0 = madd(xk, v128.load(p), s0);
      s1 = madd(xk, v128.load(p, 16), s1);
      s2 = madd(xk, v128.load(p, 32), s2);
      s3 = madd(xk, v128.load(p, 48), s3);
      p += rowStep;
    }
    store4(s0, out, j, accumulate, bias, relu);
    store4(s1, out, j + 4, accumulate, bias, relu);
    store4(s2, out, j + 8, accumulate, bias, relu);
    store4(s3, out, j + 12, accumulate, bias, relu);
  }
  for (; j + 4 <= N; j += 4) {
    let s = f32x4.splat(0);
    let p = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      s = madd(v128.load32_splat(x + (<usize>k << 2)), v128.load(p), s);
      p += rowStep;
    }
    store4(s, out, j, accumulate, bias, relu);
  }
  for (; j < N; j++) {
    let s: f32 = 0;
    let p = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      s += load<f32>(x + (<usize>k << 2)) * load<f32>(p);
      p += rowStep;
    }
    store1(s, out, j, accumulate, bias, relu);
  }
}

/** out[j] = Σ_k x[k]·B[j, k] for B stored [N×K]: dot products, 4 columns at a time. */
function rowTimesBt(
  N: i32, K: i32, x: usize, b: usize, ldb: i32, out: usize, accumulate: bool, bias: usize,
  relu: bool,
): void {
  const rowStep = <usize>ldb << 2;
  const K4 = K & ~3;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const p0 = b + <usize>j * rowStep;
    const p1 = p0 + rowStep;
    const p2 = p1 + rowStep;
    const p3 = p2 + rowStep;
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    for (let k = 0; k < K4; k += 4) {
      const o = <usize>k << 2;
      const xk = v128.load(x + o);
      s0 = madd(xk, v128.load(p0 + o), s0);
      s1 = madd(xk, v128.load(p1 + o), s1);
      s2 = madd(xk, v128.load(p2 + o), s2);
      s3 = madd(xk, v128.load(p3 + o), s3);
    }
    // Lane q of `sum` = the horizontal sum of s_q.
    const t0 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
    const t1 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
    let sum = f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
    for (let k = K4; k < K; k++) {
      const o = <usize>k << 2;
      let column = f32x4.splat(load<f32>(p0 + o));
      column = f32x4.replace_lane(column, 1, load<f32>(p1 + o));
      column = f32x4.replace_lane(column, 2, load<f32>(p2 + o));
      column = f32x4.replace_lane(column, 3, load<f32>(p3 + o));
      sum = madd(v128.load32_splat(x + o), column, sum);
    }
    store4(sum, out, j, accumulate, bias, relu);
  }
  for (; j < N; j++) {
    const p = b + <usize>j * rowStep;
    let s = f32x4.splat(0);
    for (let k = 0; k < K4; k += 4) {
      const o = <usize>k << 2;
      s = madd(v128.load(x + o), v128.load(p + o), s);
    }
    let sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) +
      (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
    for (let k = K4; k < K; k++) sum += load<f32>(x + (<usize>k << 2)) * load<f32>(p + (<usize>k << 2));
    store1(sum, out, j, accumulate, bias, relu);
  }
}
