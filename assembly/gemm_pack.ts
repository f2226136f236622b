// Packing of GEMM operands into the panel layouts the micro-kernel reads (see gemm.ts).
//
// Ã (op(A)): panels of MR rows; inside a panel, for each k the MR values op(A)[i0..i0+MR, k]
// are contiguous. B̃ (op(B)): panels of NR columns; for each k the NR values op(B)[k, j0..j0+NR]
// are contiguous. Rows or columns past the edge of the matrix are packed as zeros, so the
// micro-kernel always runs full tiles.

import { MR, NR } from "./gemm_micro";

/** Copies n floats (a compile-time constant: whole v128s, then a pair, then one). */
// @ts-ignore: decorator
@inline
function copyFloats(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  if (n & 2) store<u64>(dst + (<usize>(n & ~3) << 2), load<u64>(src + (<usize>(n & ~3) << 2)));
  if (n & 1) store<f32>(dst + (<usize>(n - 1) << 2), load<f32>(src + (<usize>(n - 1) << 2)));
}

/** Writes the transpose of the 4×4 block with rows r0..r3 as 4 rows of 4 at dst + q·stride. */
// @ts-ignore: decorator
@inline
function storeTransposed4x4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs op(A)[i0..i0+mc, k0..k0+kc] into ceil(mc/MR) panels of MR×kc at dst.
 * op(A)[i, k] is a[i·lda + k] (transA = 0) or a[k·lda + i] (transA = 1).
 */
export function packA(
  transA: i32, a: usize, lda: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize,
): void {
  const panelBytes = <usize>(MR * kc) << 2;
  const rowStep = <usize>lda << 2;
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    const i = i0 + ip;
    if (transA == 0) {
      let src = a + ((<usize>i * <usize>lda + <usize>k0) << 2);
      if (rows == MR) {
        packRowsFull(src, rowStep, kc, dst);
      } else {
        packRowsEdge(src, rowStep, rows, kc, dst);
      }
    } else {
      let src = a + ((<usize>k0 * <usize>lda + <usize>i) << 2);
      let out = dst;
      if (rows == MR) {
        for (let k = 0; k < kc; k++) {
          copyFloats(src, out, MR);
          src += rowStep;
          out += MR << 2;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < MR; r++) {
            store<f32>(out + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
          }
          src += rowStep;
          out += MR << 2;
        }
      }
    }
    dst += panelBytes;
  }
}

/** One full MR-row panel from row-major A (rows at src + r·rowStep, k contiguous). */
function packRowsFull(src: usize, rowStep: usize, kc: i32, dst: usize): void {
  const out = <usize>MR << 2;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const s = src + (<usize>k << 2);
    const d = dst + <usize>k * out;
    // Rows in groups of 4 (4×4 transposes), then a pair, then a single row.
    for (let r = 0; r + 4 <= MR; r += 4) {
      const sr = s + <usize>r * rowStep;
      storeTransposed4x4(
        v128.load(sr), v128.load(sr + rowStep), v128.load(sr + 2 * rowStep),
        v128.load(sr + 3 * rowStep), d + (<usize>r << 2), out,
      );
    }
    if (MR & 2) {
      const r = MR & ~3;
      const sr = s + <usize>r * rowStep;
      const x = v128.load(sr);
      const y = v128.load(sr + rowStep);
      const lo = v128.shuffle<i32>(x, y, 0, 4, 1, 5);
      const hi = v128.shuffle<i32>(x, y, 2, 6, 3, 7);
      const dr = d + (<usize>r << 2);
      v128.store64_lane(dr, lo, 0);
      v128.store64_lane(dr + out, lo, 1);
      v128.store64_lane(dr + 2 * out, hi, 0);
      v128.store64_lane(dr + 3 * out, hi, 1);
    }
    if (MR & 1) {
      const r = MR - 1;
      const sr = s + <usize>r * rowStep;
      const dr = d + (<usize>r << 2);
      for (let q = 0; q < 4; q++) store<f32>(dr + <usize>q * out, load<f32>(sr + (<usize>q << 2)));
    }
  }
  for (; k < kc; k++) {
    const s = src + (<usize>k << 2);
    const d = dst + <usize>k * out;
    for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(s + <usize>r * rowStep));
  }
}

/** A partial panel of `rows` < MR rows from row-major A, zero-padded to MR. */
function packRowsEdge(src: usize, rowStep: usize, rows: i32, kc: i32, dst: usize): void {
  for (let k = 0; k < kc; k++) {
    const s = src + (<usize>k << 2);
    const d = dst + <usize>k * (MR << 2);
    for (let r = 0; r < MR; r++) {
      store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(s + <usize>r * rowStep) : 0);
    }
  }
}

/**
 * Packs op(B)[k0..k0+kc, j0..j0+nc] into ceil(nc/NR) panels of kc×NR at dst.
 * op(B)[k, j] is b[k·ldb + j] (transB = 0) or b[j·ldb + k] (transB = 1).
 */
export function packB(
  transB: i32, b: usize, ldb: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize,
): void {
  const panelBytes = <usize>(NR * kc) << 2;
  const rowStep = <usize>ldb << 2;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    const j = j0 + jp;
    if (transB == 0) {
      let src = b + ((<usize>k0 * <usize>ldb + <usize>j) << 2);
      let out = dst;
      if (cols == NR) {
        for (let k = 0; k < kc; k++) {
          copyFloats(src, out, NR);
          src += rowStep;
          out += NR << 2;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c++) {
            store<f32>(out + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
          }
          src += rowStep;
          out += NR << 2;
        }
      }
    } else {
      const src = b + ((<usize>j * <usize>ldb + <usize>k0) << 2);
      if (cols == NR) {
        packColumnsFull(src, rowStep, kc, dst);
      } else {
        packColumnsEdge(src, rowStep, cols, kc, dst);
      }
    }
    dst += panelBytes;
  }
}

/** One full NR-column panel from B stored [N×K] (column j of op(B) at src + j·rowStep). */
function packColumnsFull(src: usize, rowStep: usize, kc: i32, dst: usize): void {
  const out = <usize>NR << 2;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const s = src + (<usize>k << 2);
    const d = dst + <usize>k * out;
    for (let j = 0; j < NR; j += 4) {
      const sj = s + <usize>j * rowStep;
      storeTransposed4x4(
        v128.load(sj), v128.load(sj + rowStep), v128.load(sj + 2 * rowStep),
        v128.load(sj + 3 * rowStep), d + (<usize>j << 2), out,
      );
    }
  }
  for (; k < kc; k++) {
    const s = src + (<usize>k << 2);
    const d = dst + <usize>k * out;
    for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), load<f32>(s + <usize>c * rowStep));
  }
}

/** A partial panel of `cols` < NR columns from B stored [N×K], zero-padded to NR. */
function packColumnsEdge(src: usize, rowStep: usize, cols: i32, kc: i32, dst: usize): void {
  for (let k = 0; k < kc; k++) {
    const s = src + (<usize>k << 2);
    const d = dst + <usize>k * (NR << 2);
    for (let c = 0; c < NR; c++) {
      store<f32>(d + (<usize>c << 2), c < cols ? load<f32>(s + <usize>c * rowStep) : 0);
    }
  }
}
