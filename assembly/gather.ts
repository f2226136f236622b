// Indexing along the middle axis of [outer, size, inner]: gather / scatter-add (an index per
// element) and index-select / index-add (one index per slice). Every index is checked before
// anything is written: a bad index makes the call return its position and leaves out untouched.

// Position of the first of n i32 indices outside [0, limit), or -1.
function firstBadIndex(index: usize, n: i32, limit: i32): i32 {
  const bound = i32x4.splat(limit);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    if (v128.any_true(v128.not(i32x4.lt_u(v128.load(index + (<usize>i << 2)), bound)))) break;
  }
  for (; i < n; i++) {
    if (<u32>load<i32>(index + (<usize>i << 2)) >= <u32>limit) return i;
  }
  return -1;
}

/**
 * x [outer, sizeX, inner], index i32 [outer, sizeIndex, inner] → out [outer, sizeIndex, inner],
 * out[o,j,i] = x[o, index[o,j,i], i]. Returns -1, or the flat position in index of the first entry
 * outside [0, sizeX) (then nothing is written).
 */
export function gatherF32(
  x: usize, index: usize, out: usize, outer: i32, sizeX: i32, sizeIndex: i32, inner: i32,
): i32 {
  const total = outer * sizeIndex * inner;
  const bad = firstBadIndex(index, total, sizeX);
  if (bad >= 0) return bad;
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const source = x + <usize>o * <usize>sizeX * rowBytes;
    const offset = <usize>o * <usize>sizeIndex * rowBytes;
    for (let j = 0; j < sizeIndex; j++) {
      const base = offset + <usize>j * rowBytes;
      for (let i = 0; i < inner; i++) {
        const at = base + (<usize>i << 2);
        const k = <usize>load<i32>(index + at);
        store<f32>(out + at, load<f32>(source + k * rowBytes + (<usize>i << 2)));
      }
    }
  }
  return -1;
}

/**
 * Adjoint of gatherF32: out[o, index[o,j,i], i] += g[o,j,i], with out [outer, sizeOut, inner]
 * zeroed by the caller. Returns -1, or the flat position of the first bad index (nothing written).
 */
export function scatterAddF32(
  g: usize, index: usize, out: usize, outer: i32, sizeOut: i32, sizeIndex: i32, inner: i32,
): i32 {
  const total = outer * sizeIndex * inner;
  const bad = firstBadIndex(index, total, sizeOut);
  if (bad >= 0) return bad;
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const target = out + <usize>o * <usize>sizeOut * rowBytes;
    const offset = <usize>o * <usize>sizeIndex * rowBytes;
    for (let j = 0; j < sizeIndex; j++) {
      const base = offset + <usize>j * rowBytes;
      for (let i = 0; i < inner; i++) {
        const at = base + (<usize>i << 2);
        const p = target + <usize>load<i32>(index + at) * rowBytes + (<usize>i << 2);
        store<f32>(p, load<f32>(p) + load<f32>(g + at));
      }
    }
  }
  return -1;
}

/**
 * x [outer, sizeX, inner], index i32 [count] → out [outer, count, inner],
 * out[o,j,:] = x[o, index[j], :]. Returns -1, or the position in index of the first entry outside
 * [0, sizeX) (then nothing is written).
 */
export function indexSelectF32(
  x: usize, index: usize, out: usize, outer: i32, sizeX: i32, count: i32, inner: i32,
): i32 {
  const bad = firstBadIndex(index, count, sizeX);
  if (bad >= 0) return bad;
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const source = x + <usize>o * <usize>sizeX * rowBytes;
    const target = out + <usize>o * <usize>count * rowBytes;
    for (let j = 0; j < count; j++) {
      const k = <usize>load<i32>(index + (<usize>j << 2));
      memory.copy(target + <usize>j * rowBytes, source + k * rowBytes, rowBytes);
    }
  }
  return -1;
}

/**
 * Adjoint of indexSelectF32: out[o, index[j], :] += g[o,j,:], with out [outer, sizeOut, inner]
 * zeroed by the caller (repeated indices accumulate). Returns -1, or the position of the first bad
 * index (nothing written).
 */
export function indexAddF32(
  g: usize, index: usize, out: usize, outer: i32, sizeOut: i32, count: i32, inner: i32,
): i32 {
  const bad = firstBadIndex(index, count, sizeOut);
  if (bad >= 0) return bad;
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const target = out + <usize>o * <usize>sizeOut * rowBytes;
    const source = g + <usize>o * <usize>count * rowBytes;
    for (let j = 0; j < count; j++) {
      const dst = target + <usize>load<i32>(index + (<usize>j << 2)) * rowBytes;
      const src = source + <usize>j * rowBytes;
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const b = <usize>i << 2;
        v128.store(dst + b, f32x4.add(v128.load(dst + b), v128.load(src + b)));
      }
      for (; i < inner; i++) {
        const b = <usize>i << 2;
        store<f32>(dst + b, load<f32>(dst + b) + load<f32>(src + b));
      }
    }
  }
  return -1;
}
