// Walking a strided multi-index in rows. The trailing dims that every operand can walk with one
// constant stride fuse into a single contiguous-or-strided run (a "row"); the dims before them are
// visited by an incrementing row counter whose carries are recovered from the row number, so no
// per-dim counters (and no scratch memory) are needed.

/** The i-th i32 of the array at p. */
// @ts-ignore: decorator
@inline export function at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Byte address of element `offset` (an element count, possibly negative) of the f32 array at p. */
// @ts-ignore: decorator
@inline export function element(p: usize, offset: i32): usize {
  return p + (<usize>offset << 2);
}

/** The innermost dim whose extent is not 1, or -1 when every extent is 1 (a single element). */
export function innermostDim(rank: i32, shape: usize): i32 {
  let d = rank - 1;
  while (d >= 0 && at(shape, d) == 1) d--;
  return d;
}

// @ts-ignore: decorator
@inline function fuses(strides: usize, d: i32, inner: i32, run: i32): bool {
  return strides == 0 || at(strides, d) == at(strides, inner) * run;
}

/**
 * The last dim that stays an outer (row) dim: every dim after it fuses with `inner` into one run
 * that each operand walks with its stride at `inner`. A stride pointer of 0 stands for an operand
 * that fuses anywhere (a contiguous output) or is absent. Returns -1 when everything is one run.
 */
export function lastOuterDim(
  rank: i32,
  shape: usize,
  inner: i32,
  stridesA: usize,
  stridesB: usize,
  stridesC: usize,
): i32 {
  if (inner < 0) return -1;
  let run = at(shape, inner);
  let d = inner - 1;
  for (; d >= 0; d--) {
    const extent = at(shape, d);
    if (extent == 1) continue;
    if (
      !fuses(stridesA, d, inner, run) ||
      !fuses(stridesB, d, inner, run) ||
      !fuses(stridesC, d, inner, run)
    ) break;
    run *= extent;
  }
  return d;
}

/** Product of shape[from..to). */
export function extentProduct(shape: usize, from: i32, to: i32): i32 {
  let product = 1;
  for (let d = from; d < to; d++) product *= at(shape, d);
  return product;
}

/** Stride of an operand along its run (0 when the whole walk is a single element). */
// @ts-ignore: decorator
@inline export function runStride(strides: usize, inner: i32): i32 {
  return inner < 0 ? 0 : at(strides, inner);
}

/**
 * The outer dim that increments when the walk moves from row `row - 1` to row `row` (row ≥ 1):
 * dims last..k+1 wrap around to 0 and dim k steps by one. Kernels count positions along `last`
 * themselves and call this only when that dim wraps, so the divisions here are rare.
 */
// @ts-ignore: decorator
@inline export function carryDim(shape: usize, last: i32, row: i32): i32 {
  let k = last;
  let period = at(shape, last);
  while (row % period == 0) {
    k--;
    period *= at(shape, k);
  }
  return k;
}

/** Change of an operand's element offset when dim k steps by one and dims k+1..last wrap to 0. */
// @ts-ignore: decorator
@inline export function carryStep(strides: usize, shape: usize, k: i32, last: i32): i32 {
  let step = at(strides, k);
  for (let d = k + 1; d <= last; d++) step -= at(strides, d) * (at(shape, d) - 1);
  return step;
}
