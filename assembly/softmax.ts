// Softmax and log-softmax over the middle axis of [outer, size, inner], and their backward. Each
// row is shifted by its maximum, so logits of any finite magnitude give finite results, exact where
// the shift makes them exact (log-softmax of [1e4, −1e4, 0] is [0, −2e4, −1e4]). Contiguous rows
// (inner = 1) run four elements at a time; with inner > 1, four neighbouring columns run together
// (16-byte reads at stride inner) and the last inner % 4 columns alone. Sums are f64; the
// exponentials come from mathf_simd, so every path gives the same result for the same column.
import { expScalar, expShiftSum, expVector } from "./mathf_simd";
import { demote4, extremeContiguous, promoteHigh, sumContiguous } from "./vector";

// log of four f64 lanes, rounded to f32.
// @ts-ignore: decorator
@inline function log4(lo: v128, hi: v128): v128 {
  let r = f32x4.splat(<f32>Math.log(f64x2.extract_lane(lo, 0)));
  r = f32x4.replace_lane(r, 1, <f32>Math.log(f64x2.extract_lane(lo, 1)));
  r = f32x4.replace_lane(r, 2, <f32>Math.log(f64x2.extract_lane(hi, 0)));
  return f32x4.replace_lane(r, 3, <f32>Math.log(f64x2.extract_lane(hi, 1)));
}

// ---- forward ----

// One contiguous row of n floats.
function softmaxRow(x: usize, out: usize, n: i32, log: bool): void {
  const m = extremeContiguous(true, x, n);
  const vMax = f32x4.splat(m);
  let i = 0;
  if (log) {
    // (x − max) − log Σ e^(x − max), rounded in that order.
    const logSum = <f32>Math.log(expShiftSum(x, 0, n, m, false));
    const vLogSum = f32x4.splat(logSum);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.sub(f32x4.sub(v128.load(x + o), vMax), vLogSum));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, load<f32>(x + o) - m - logSum);
    }
    return;
  }
  const sum = <f32>expShiftSum(x, out, n, m, true);
  const vSum = f32x4.splat(sum);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.div(v128.load(out + o), vSum));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(out + o) / sum);
  }
}

// Four neighbouring columns of n floats at byte stride `stride`.
function softmaxColumns4(x: usize, out: usize, n: i32, stride: usize, log: bool): void {
  let vMax = f32x4.splat(-Infinity);
  let p = x;
  for (let j = 0; j < n; j++) {
    vMax = f32x4.max(vMax, v128.load(p));
    p += stride;
  }
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  p = x;
  let q = out;
  for (let j = 0; j < n; j++) {
    const e = expVector(f32x4.sub(v128.load(p), vMax));
    if (!log) v128.store(q, e);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(e));
    hi = f64x2.add(hi, promoteHigh(e));
    p += stride;
    q += stride;
  }
  p = x;
  q = out;
  if (log) {
    const vLogSum = log4(lo, hi);
    for (let j = 0; j < n; j++) {
      v128.store(q, f32x4.sub(f32x4.sub(v128.load(p), vMax), vLogSum));
      p += stride;
      q += stride;
    }
  } else {
    const vSum = demote4(lo, hi);
    for (let j = 0; j < n; j++) {
      v128.store(q, f32x4.div(v128.load(q), vSum));
      q += stride;
    }
  }
}

// One column of n floats at byte stride `stride`.
function softmaxColumn(x: usize, out: usize, n: i32, stride: usize, log: bool): void {
  let m: f32 = -Infinity;
  let p = x;
  for (let j = 0; j < n; j++) {
    m = max(m, load<f32>(p));
    p += stride;
  }
  let total: f64 = 0;
  p = x;
  let q = out;
  for (let j = 0; j < n; j++) {
    const e = expScalar(load<f32>(p) - m);
    if (!log) store<f32>(q, e);
    total += <f64>e;
    p += stride;
    q += stride;
  }
  p = x;
  q = out;
  if (log) {
    const logSum = <f32>Math.log(total);
    for (let j = 0; j < n; j++) {
      store<f32>(q, load<f32>(p) - m - logSum);
      p += stride;
      q += stride;
    }
  } else {
    const sum = <f32>total;
    for (let j = 0; j < n; j++) {
      store<f32>(q, load<f32>(q) / sum);
      q += stride;
    }
  }
}

/**
 * Max-subtracted softmax (log = 0) or log-softmax (log = 1) of x over the middle axis of
 * [outer, size, inner]; out has the same layout and may alias x.
 */
export function softmaxF32(
  x: usize, out: usize, outer: i32, size: i32, inner: i32, log: i32,
): void {
  const isLog = log != 0;
  const stride = <usize>inner << 2;
  const slab = <usize>size * stride;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * slab;
    const outO = out + <usize>o * slab;
    if (inner == 1) {
      softmaxRow(xo, outO, size, isLog);
      continue;
    }
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      softmaxColumns4(xo + (<usize>i << 2), outO + (<usize>i << 2), size, stride, isLog);
    }
    for (; i < inner; i++) {
      softmaxColumn(xo + (<usize>i << 2), outO + (<usize>i << 2), size, stride, isLog);
    }
  }
}

// ---- backward ----

// One contiguous row: softmax gx = y·(g − Σ g·y); log-softmax gx = g − e^y·Σ g.
function softmaxBackwardRow(g: usize, y: usize, out: usize, n: i32, log: bool): void {
  let i = 0;
  let total: f64 = 0;
  if (log) {
    total = sumContiguous(g, n);
  } else {
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const product = f32x4.mul(v128.load(g + o), v128.load(y + o));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(product));
      hi = f64x2.add(hi, promoteHigh(product));
    }
    const both = f64x2.add(lo, hi);
    total = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; i < n; i++) {
      const o = <usize>i << 2;
      total += <f64>(load<f32>(g + o) * load<f32>(y + o));
    }
  }
  const s = <f32>total;
  const vs = f32x4.splat(s);
  i = 0;
  if (log) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const e = expVector(v128.load(y + o));
      v128.store(out + o, f32x4.sub(v128.load(g + o), f32x4.mul(e, vs)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, load<f32>(g + o) - expScalar(load<f32>(y + o)) * s);
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const yo = v128.load(y + o);
      v128.store(out + o, f32x4.mul(yo, f32x4.sub(v128.load(g + o), vs)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, load<f32>(y + o) * (load<f32>(g + o) - s));
    }
  }
}

// Four neighbouring columns at byte stride `stride`.
function softmaxBackwardColumns4(
  g: usize, y: usize, out: usize, n: i32, stride: usize, log: bool,
): void {
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let p = g;
  let q = y;
  for (let j = 0; j < n; j++) {
    const term = log ? v128.load(p) : f32x4.mul(v128.load(p), v128.load(q));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(term));
    hi = f64x2.add(hi, promoteHigh(term));
    p += stride;
    q += stride;
  }
  const vs = demote4(lo, hi);
  p = g;
  q = y;
  let r = out;
  for (let j = 0; j < n; j++) {
    const gj = v128.load(p);
    const yj = v128.load(q);
    v128.store(
      r,
      log ? f32x4.sub(gj, f32x4.mul(expVector(yj), vs)) : f32x4.mul(yj, f32x4.sub(gj, vs)),
    );
    p += stride;
    q += stride;
    r += stride;
  }
}

// One column at byte stride `stride`.
function softmaxBackwardColumn(
  g: usize, y: usize, out: usize, n: i32, stride: usize, log: bool,
): void {
  let total: f64 = 0;
  let p = g;
  let q = y;
  for (let j = 0; j < n; j++) {
    total += log ? <f64>load<f32>(p) : <f64>(load<f32>(p) * load<f32>(q));
    p += stride;
    q += stride;
  }
  const s = <f32>total;
  p = g;
  q = y;
  let r = out;
  for (let j = 0; j < n; j++) {
    const gj = load<f32>(p);
    const yj = load<f32>(q);
    store<f32>(r, log ? gj - expScalar(yj) * s : yj * (gj - s));
    p += stride;
    q += stride;
    r += stride;
  }
}

/**
 * Backward of softmaxF32 given its output y and the upstream gradient g (both laid out as
 * [outer, size, inner]): softmax gx = y·(g − Σ g·y); log-softmax gx = g − exp(y)·Σ g.
 * out may alias g.
 */
export function softmaxBackwardF32(
  g: usize, y: usize, out: usize, outer: i32, size: i32, inner: i32, log: i32,
): void {
  const isLog = log != 0;
  const stride = <usize>inner << 2;
  const slab = <usize>size * stride;
  for (let o = 0; o < outer; o++) {
    const offset = <usize>o * slab;
    if (inner == 1) {
      softmaxBackwardRow(g + offset, y + offset, out + offset, size, isLog);
      continue;
    }
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const lane = offset + (<usize>i << 2);
      softmaxBackwardColumns4(g + lane, y + lane, out + lane, size, stride, isLog);
    }
    for (; i < inner; i++) {
      const lane = offset + (<usize>i << 2);
      softmaxBackwardColumn(g + lane, y + lane, out + lane, size, stride, isLog);
    }
  }
}
