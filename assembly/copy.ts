// Strided copies of 4-byte words (f32 or i32): materialising views, transposes, concatenation
// slices, broadcasts.
import {
  carryDim,
  carryStep,
  element,
  extentProduct,
  innermostDim,
  lastOuterDim,
  runStride,
} from "./strided";

// One row of n words: contiguous rows are one memory.copy, broadcast rows a fill.
// @ts-ignore: decorator
@inline function copyRow(src: usize, ss: i32, dst: usize, ds: i32, n: i32): void {
  if (ss == 1 && ds == 1) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  const stepS = <usize>ss << 2;
  const stepD = <usize>ds << 2;
  if (ss == 0) {
    const word = load<u32>(src);
    if (ds == 1) {
      const v = i32x4.splat(word);
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v);
      for (; i < n; i++) store<u32>(dst + (<usize>i << 2), word);
      return;
    }
    for (let i = 0; i < n; i++) {
      store<u32>(dst, word);
      dst += stepD;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    store<u32>(dst, load<u32>(src));
    src += stepS;
    dst += stepD;
  }
}

/**
 * dst[multi-index] = src[multi-index] over `shape` (rank i32s), with per-tensor element strides
 * (rank i32s each, any sign, 0 to broadcast a source dim). Copies 4-byte words, so it serves f32
 * and i32 alike. Source and destination must not overlap unless they are the same contiguous run.
 */
export function copyStrided(
  src: usize, dst: usize, rank: i32, shape: usize, srcStrides: usize, dstStrides: usize,
): void {
  const inner = innermostDim(rank, shape);
  const last = lastOuterDim(rank, shape, inner, srcStrides, dstStrides, 0);
  const n = extentProduct(shape, last + 1, rank);
  const rows = extentProduct(shape, 0, last + 1);
  if (n <= 0 || rows <= 0) return;
  const ss = runStride(srcStrides, inner);
  const ds = runStride(dstStrides, inner);
  let offsetS = 0;
  let offsetD = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) {
      const k = carryDim(shape, last, row);
      offsetS += carryStep(srcStrides, shape, k, last);
      offsetD += carryStep(dstStrides, shape, k, last);
    }
    copyRow(element(src, offsetS), ss, element(dst, offsetD), ds, n);
  }
}
