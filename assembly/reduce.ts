// Reductions over the middle axis of x viewed as [outer, size, inner]. With inner = 1 each output
// reduces one contiguous row (SIMD); with inner > 1 four neighbouring outputs are reduced together
// (one v128 per step along the axis), so memory is read in 16-byte runs, and the last inner % 4
// outputs walk their column alone. Sums, means and products accumulate in f64.
import { expScalar, expShiftSum } from "./mathf_simd";
import { demote4, extremeContiguous, promoteHigh, sumContiguous } from "./vector";

/** Opcodes of reduceF32. */
export enum ReduceOp {
  Sum = 0,
  Mean = 1,
  Max = 2,
  Min = 3,
  /** i32 output */
  ArgMax = 4,
  /** i32 output */
  ArgMin = 5,
  /** max-shifted log Σ exp */
  LogSumExp = 6,
  Prod = 7,
}

// @ts-ignore: decorator
@inline function extremeStrided(isMax: bool, p: usize, n: i32, stride: usize): f32 {
  let r: f32 = isMax ? -Infinity : Infinity;
  for (let j = 0; j < n; j++) {
    const v = load<f32>(p);
    r = isMax ? max(r, v) : min(r, v);
    p += stride;
  }
  return r;
}

function reduceSum(x: usize, out: usize, outer: i32, size: i32, inner: i32, mean: bool): void {
  const divisor = <f64>size;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const total = sumContiguous(x + (<usize>o * <usize>size << 2), size);
      store<f32>(out + (<usize>o << 2), <f32>(mean ? total / divisor : total));
    }
    return;
  }
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o * <usize>size * <usize>inner << 2);
    const dst = out + (<usize>o * <usize>inner << 2);
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      let lo = f64x2.splat(0);
      let hi = f64x2.splat(0);
      let p = base + (<usize>i << 2);
      for (let j = 0; j < size; j++) {
        const v = v128.load(p);
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, promoteHigh(v));
        p += stride;
      }
      if (mean) {
        lo = f64x2.div(lo, f64x2.splat(divisor));
        hi = f64x2.div(hi, f64x2.splat(divisor));
      }
      v128.store(dst + (<usize>i << 2), demote4(lo, hi));
    }
    for (; i < inner; i++) {
      let total: f64 = 0;
      let p = base + (<usize>i << 2);
      for (let j = 0; j < size; j++) {
        total += <f64>load<f32>(p);
        p += stride;
      }
      store<f32>(dst + (<usize>i << 2), <f32>(mean ? total / divisor : total));
    }
  }
}

// @ts-ignore: decorator
@inline function reduceExtreme(
  isMax: bool, x: usize, out: usize, outer: i32, size: i32, inner: i32,
): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const row = x + (<usize>o * <usize>size << 2);
      store<f32>(out + (<usize>o << 2), extremeContiguous(isMax, row, size));
    }
    return;
  }
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o * <usize>size * <usize>inner << 2);
    const dst = out + (<usize>o * <usize>inner << 2);
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      let r = f32x4.splat(isMax ? -Infinity : Infinity);
      let p = base + (<usize>i << 2);
      for (let j = 0; j < size; j++) {
        r = isMax ? f32x4.max(r, v128.load(p)) : f32x4.min(r, v128.load(p));
        p += stride;
      }
      v128.store(dst + (<usize>i << 2), r);
    }
    for (; i < inner; i++) {
      store<f32>(dst + (<usize>i << 2), extremeStrided(isMax, base + (<usize>i << 2), size, stride));
    }
  }
}

// Index of the first maximum (isMax) or minimum of n strided floats; a NaN counts as beyond every
// number (the first NaN wins), as in PyTorch. 0 when n = 0.
// @ts-ignore: decorator
@inline function argStrided(isMax: bool, p: usize, n: i32, stride: usize): i32 {
  if (n <= 0) return 0;
  let best = load<f32>(p);
  let bestIndex = 0;
  for (let j = 1; j < n; j++) {
    p += stride;
    const v = load<f32>(p);
    if ((isMax ? v > best : v < best) || (v != v && best == best)) {
      best = v;
      bestIndex = j;
    }
  }
  return bestIndex;
}

// @ts-ignore: decorator
@inline function reduceArg(
  isMax: bool, x: usize, out: usize, outer: i32, size: i32, inner: i32,
): void {
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o * <usize>size * <usize>inner << 2);
    const dst = out + (<usize>o * <usize>inner << 2);
    let i = 0;
    if (size > 0) {
      for (; i + 4 <= inner; i += 4) {
        let p = base + (<usize>i << 2);
        let best = v128.load(p);
        let bestIndex = i32x4.splat(0);
        for (let j = 1; j < size; j++) {
          p += stride;
          const v = v128.load(p);
          const better = v128.or(
            isMax ? f32x4.gt(v, best) : f32x4.lt(v, best),
            v128.and(f32x4.ne(v, v), f32x4.eq(best, best)),
          );
          best = v128.bitselect(v, best, better);
          bestIndex = v128.bitselect(i32x4.splat(j), bestIndex, better);
        }
        v128.store(dst + (<usize>i << 2), bestIndex);
      }
    }
    for (; i < inner; i++) {
      store<i32>(dst + (<usize>i << 2), argStrided(isMax, base + (<usize>i << 2), size, stride));
    }
  }
}

// log Σ exp over n strided floats, shifted by the maximum so that it never overflows; −∞ when
// n = 0 or every element is −∞, +∞ when one is +∞, NaN when one is NaN.
function logSumExpStrided(p: usize, n: i32, stride: usize): f32 {
  const m = stride == 4 ? extremeContiguous(true, p, n) : extremeStrided(true, p, n, stride);
  if (m - m != 0) return m;
  let total: f64 = 0;
  if (stride == 4) {
    total = expShiftSum(p, 0, n, m, false);
  } else {
    for (let j = 0; j < n; j++) {
      total += <f64>expScalar(load<f32>(p) - m);
      p += stride;
    }
  }
  return <f32>(<f64>m + Math.log(total));
}

function reduceLogSumExp(x: usize, out: usize, outer: i32, size: i32, inner: i32): void {
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o * <usize>size * <usize>inner << 2);
    const dst = out + (<usize>o * <usize>inner << 2);
    for (let i = 0; i < inner; i++) {
      store<f32>(dst + (<usize>i << 2), logSumExpStrided(base + (<usize>i << 2), size, stride));
    }
  }
}

function reduceProd(x: usize, out: usize, outer: i32, size: i32, inner: i32): void {
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>o * <usize>size * <usize>inner << 2);
    const dst = out + (<usize>o * <usize>inner << 2);
    for (let i = 0; i < inner; i++) {
      let product: f64 = 1;
      let p = base + (<usize>i << 2);
      for (let j = 0; j < size; j++) {
        product *= <f64>load<f32>(p);
        p += stride;
      }
      store<f32>(dst + (<usize>i << 2), <f32>product);
    }
  }
}

/**
 * x viewed as [outer, size, inner]; out[o, i] = reduction of x[o, :, i] for the ReduceOp code `op`.
 * ArgMax/ArgMin write i32 indices (first occurrence; NaN counts as the extreme); the others f32.
 * An empty axis (size = 0) gives the identity: 0, NaN (mean), ∓∞, index 0, −∞ (logsumexp), 1.
 */
export function reduceF32(op: i32, x: usize, out: usize, outer: i32, size: i32, inner: i32): void {
  switch (op) {
    case ReduceOp.Sum: reduceSum(x, out, outer, size, inner, false); break;
    case ReduceOp.Mean: reduceSum(x, out, outer, size, inner, true); break;
    case ReduceOp.Max: reduceExtreme(true, x, out, outer, size, inner); break;
    case ReduceOp.Min: reduceExtreme(false, x, out, outer, size, inner); break;
    case ReduceOp.ArgMax: reduceArg(true, x, out, outer, size, inner); break;
    case ReduceOp.ArgMin: reduceArg(false, x, out, outer, size, inner); break;
    case ReduceOp.LogSumExp: reduceLogSumExp(x, out, outer, size, inner); break;
    case ReduceOp.Prod: reduceProd(x, out, outer, size, inner); break;
    default: unreachable();
  }
}
