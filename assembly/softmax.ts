// Softmax and log-softmax over the middle axis of [outer, size, inner], and their backward. Every
// row (a contiguous run when inner = 1, a column of stride inner otherwise) is shifted by its
// maximum, so logits of any finite magnitude give finite, exact-as-possible results. Sums are f64.
import { extremeContiguous } from "./vector";

// One row of n floats at stride `stride` bytes: out = softmax (or log-softmax) of x.
function softmaxRow(x: usize, out: usize, n: i32, stride: usize, log: bool): void {
  let m: f32 = -Infinity;
  if (stride == 4) {
    m = extremeContiguous(true, x, n);
  } else {
    let p = x;
    for (let j = 0; j < n; j++) {
      m = max(m, load<f32>(p));
      p += stride;
    }
  }
  let total: f64 = 0;
  if (log) {
    let p = x;
    for (let j = 0; j < n; j++) {
      total += <f64>Mathf.exp(load<f32>(p) - m);
      p += stride;
    }
    const shift = <f32>Math.log(total);
    p = x;
    let q = out;
    for (let j = 0; j < n; j++) {
      store<f32>(q, load<f32>(p) - m - shift);
      p += stride;
      q += stride;
    }
  } else {
    let p = x;
    let q = out;
    for (let j = 0; j < n; j++) {
      const e = Mathf.exp(load<f32>(p) - m);
      store<f32>(q, e);
      total += <f64>e;
      p += stride;
      q += stride;
    }
    const sum = <f32>total;
    q = out;
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
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const offset = <usize>o * <usize>size * <usize>inner << 2;
    for (let i = 0; i < inner; i++) {
      const lane = offset + (<usize>i << 2);
      softmaxRow(x + lane, out + lane, size, stride, log != 0);
    }
  }
}

// Backward of one row: softmax gx = y·(g − Σ g·y); log-softmax gx = g − exp(y)·Σ g.
function softmaxBackwardRow(
  g: usize, y: usize, out: usize, n: i32, stride: usize, log: bool,
): void {
  let total: f64 = 0;
  let p = g;
  let q = y;
  for (let j = 0; j < n; j++) {
    total += log ? <f64>load<f32>(p) : <f64>load<f32>(p) * <f64>load<f32>(q);
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
    store<f32>(r, log ? gj - Mathf.exp(yj) * s : yj * (gj - s));
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
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const offset = <usize>o * <usize>size * <usize>inner << 2;
    for (let i = 0; i < inner; i++) {
      const lane = offset + (<usize>i << 2);
      softmaxBackwardRow(g + lane, y + lane, out + lane, size, stride, log != 0);
    }
  }
}
