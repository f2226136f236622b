// Strided copies of 4-byte words (f32 or i32): materialising views, transposes, concatenation
// slices, broadcasts.
import {
  at,
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
  // Rows step along dim `last` (rows > 1 implies last ≥ 0); only its wraps need carryDim.
  const extentLast = last >= 0 ? at(shape, last) : 1;
  const stepS = last >= 0 ? at(srcStrides, last) : 0;
  const stepD = last >= 0 ? at(dstStrides, last) : 0;
  // A transpose: the run is strided in the source, but neighbouring rows are neighbours there.
  const transposing = ds == 1 && ss != 1 && stepS == 1 && extentLast >= 4;
  let position = 0;
  let offsetS = 0;
  let offsetD = 0;
  let row = 0;
  while (true) {
    // Rows left before dim `last` wraps; a group of four moves as 4×4 blocks.
    const count = transposing ? min(4, extentLast - position) : 1;
    if (count == 4) {
      copyFourRowsTransposed(element(src, offsetS), ss, element(dst, offsetD), stepD, n);
    } else {
      for (let t = 0; t < count; t++) {
        copyRow(element(src, offsetS + t * stepS), ss, element(dst, offsetD + t * stepD), ds, n);
      }
    }
    row += count;
    if (row >= rows) break;
    position += count;
    if (position < extentLast) {
      offsetS += count * stepS;
      offsetD += count * stepD;
    } else {
      position = 0;
      offsetS += (count - 1) * stepS;
      offsetD += (count - 1) * stepD;
      const k = carryDim(shape, last, row);
      offsetS += carryStep(srcStrides, shape, k, last);
      offsetD += carryStep(dstStrides, shape, k, last);
    }
  }
}

// Four rows whose sources are adjacent words (row t starts at src + 4t bytes, run element j at
// stride ss) into four contiguous destination runs `dstRowStride` words apart: each 4×4 block is
// four loads, a transpose in registers and four stores.
function copyFourRowsTransposed(
  src: usize, ss: i32, dst: usize, dstRowStride: i32, n: i32,
): void {
  const step = <usize>ss << 2;
  const rowBytes = <usize>dstRowStride << 2;
  let p = src;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v0 = v128.load(p);
    const v1 = v128.load(p + step);
    const v2 = v128.load(p + step * 2);
    const v3 = v128.load(p + step * 3);
    p += step * 4;
    const t0 = v128.shuffle<i32>(v0, v1, 0, 4, 1, 5);
    const t1 = v128.shuffle<i32>(v0, v1, 2, 6, 3, 7);
    const t2 = v128.shuffle<i32>(v2, v3, 0, 4, 1, 5);
    const t3 = v128.shuffle<i32>(v2, v3, 2, 6, 3, 7);
    const q = dst + (<usize>j << 2);
    v128.store(q, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
    v128.store(q + rowBytes, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
    v128.store(q + rowBytes * 2, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
    v128.store(q + rowBytes * 3, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
  }
  for (; j < n; j++) {
    const q = dst + (<usize>j << 2);
    store<u32>(q, load<u32>(p));
    store<u32>(q + rowBytes, load<u32>(p, 4));
    store<u32>(q + rowBytes * 2, load<u32>(p, 8));
    store<u32>(q + rowBytes * 3, load<u32>(p, 12));
    p += step;
  }
}
