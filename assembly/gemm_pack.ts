// Packing of GEMM operands into the panel layouts the micro-kernel reads (see gemm.ts).
//
// Ã (op(A)): panels of MR rows; inside a panel, for each k the MR values op(A)[i0..i0+MR, k]
// are contiguous. B̃ (op(B)): panels of NR columns; for each k the NR values op(B)[k, j0..j0+NR]
// are contiguous. Rows or columns past the edge of the matrix are packed as zeros, so the
// micro-kernel always runs whole tiles. Both are the same operation on a panel of `width` lanes:
// when the lanes are contiguous in memory (Aᵀ, B) it is a copy of v128s, when k is contiguous
// (A, Bᵀ) it is a sequence of 4×4 transposes.
import { MR, NR } from "./gemm_micro";

/**
 * Packs op(A)[i0..i0+mc, k0..k0+kc] into ceil(mc/MR) panels of kc×MR at dst.
 * op(A)[i, k] is a[i·lda + k] (transA = 0) or a[k·lda + i] (transA = 1).
 */
export function packA(
  transA: i32, a: usize, lda: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize,
): void {
  const ld = <usize>lda << 2;
  const laneStep: usize = transA ? 4 : ld;
  const kStep: usize = transA ? ld : 4;
  let src = a + <usize>i0 * laneStep + <usize>k0 * kStep;
  for (let i = 0; i < mc; i += MR) {
    packPanel(src, laneStep, kStep, min(MR, mc - i), MR, kc, dst);
    src += <usize>MR * laneStep;
    dst += <usize>(MR * kc) << 2;
  }
}

/**
 * Packs op(B)[k0..k0+kc, j0..j0+nc] into ceil(nc/NR) panels of kc×NR at dst.
 * op(B)[k, j] is b[k·ldb + j] (transB = 0) or b[j·ldb + k] (transB = 1).
 */
export function packB(
  transB: i32, b: usize, ldb: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize,
): void {
  const ld = <usize>ldb << 2;
  const laneStep: usize = transB ? ld : 4;
  const kStep: usize = transB ? 4 : ld;
  let src = b + <usize>j0 * laneStep + <usize>k0 * kStep;
  for (let j = 0; j < nc; j += NR) {
    packPanel(src, laneStep, kStep, min(NR, nc - j), NR, kc, dst);
    src += <usize>NR * laneStep;
    dst += <usize>(NR * kc) << 2;
  }
}

/**
 * dst[k·width + l] = src[l·laneStep + k·kStep] for l < lanes, 0 for lanes ≤ l < width; k < kc.
 * width is MR or NR (a multiple of 4); steps are in bytes.
 */
function packPanel(
  src: usize, laneStep: usize, kStep: usize, lanes: i32, width: i32, kc: i32, dst: usize,
): void {
  const row = <usize>width << 2;
  if (lanes == width && laneStep == 4) {
    for (let k = 0; k < kc; k++) {
      for (let l = 0; l < width; l += 4) {
        v128.store(dst + (<usize>l << 2), v128.load(src + (<usize>l << 2)));
      }
      src += kStep;
      dst += row;
    }
  } else if (lanes == width && kStep == 4) {
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const s = src + (<usize>k << 2);
      const d = dst + <usize>k * row;
      for (let l = 0; l < width; l += 4) {
        const sl = s + <usize>l * laneStep;
        storeTransposed4x4(
          v128.load(sl), v128.load(sl + laneStep), v128.load(sl + 2 * laneStep),
          v128.load(sl + 3 * laneStep), d + (<usize>l << 2), row,
        );
      }
    }
    for (; k < kc; k++) {
      const s = src + (<usize>k << 2);
      const d = dst + <usize>k * row;
      for (let l = 0; l < width; l++) store<f32>(d + (<usize>l << 2), load<f32>(s + <usize>l * laneStep));
    }
  } else if (lanes == 4 && laneStep == 4) {
    // A 4-wide edge of contiguous lanes (W3's second conv: 196 = 24·8 + 4 columns of B).
    const zero = f32x4.splat(0);
    for (let k = 0; k < kc; k++) {
      v128.store(dst, v128.load(src));
      for (let l = 4; l < width; l += 4) v128.store(dst + (<usize>l << 2), zero);
      src += kStep;
      dst += row;
    }
  } else {
    for (let k = 0; k < kc; k++) {
      for (let l = 0; l < width; l++) {
        store<f32>(dst + (<usize>l << 2), l < lanes ? load<f32>(src + <usize>l * laneStep) : 0);
      }
      src += kStep;
      dst += row;
    }
  }
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
