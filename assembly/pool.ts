// Pooling kernels over planes [H, W] (one plane per (n, c) of an NCHW tensor): max pooling (with
// the argmax of every window when a gradient will need it), average pooling, adaptive average
// pooling, and their backward passes. Every kernel computes planes planeStart..planeEnd only, so that a scheduler can split
// one call by planes across threads that share the memory.
//
// The geometry is PyTorch's: output (oh, ow) looks at input rows oh·strideH − padH + i·dilationH
// for i < kH, and columns alike. Taps outside the input are skipped: max pooling treats them as
// −∞ (so an all-negative window still picks a real element), average pooling counts them or not
// by countIncludePad. The caller computes outH and outW (including ceilMode's rule).
//
// SIMD where it is cheap: four neighbouring outputs of a row are computed together when all their
// taps lie inside the input horizontally and the stride is 1 (a tap is one v128 load) or 2 (two
// overlapping loads and a shuffle). Border columns and other strides take the scalar path; both
// paths visit taps in the same order, so ties and NaNs resolve alike. The 2×2 window with stride
// 2 and no padding (most CNNs' pooling) has a path of its own, two v128 per input row for four
// outputs (maxPool2x2Row): on W3's first pool, 64×32×28×28, one thread, the kernel went from
// 1.19 to 0.41 ms without indices (inference) and from 1.51 to 0.67 ms with them. Pooling is a
// small share of a CNN's time next to its convolutions (backward about 0.5 ms there), so the
// backward passes stay scalar scatters.

// Dilation and stride are mostly 1 or small: the b == 1 test skips an integer division per window.
// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  if (b == 1) return a;
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

// @ts-ignore: decorator
@inline function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// First tap j whose position start + j·dilation is ≥ 0.
// @ts-ignore: decorator
@inline function firstTap(start: i32, dilation: i32): i32 {
  return start >= 0 ? 0 : ceilDiv(-start, dilation);
}

// One past the last tap j < k whose position start + j·dilation is < size.
// @ts-ignore: decorator
@inline function endTap(start: i32, k: i32, dilation: i32, size: i32): i32 {
  return start >= size ? 0 : min(k, ceilDiv(size - start, dilation));
}

// Columns ow in [start, end) whose taps all lie inside [0, W): the range the SIMD path may take.
// @ts-ignore: decorator
@inline function insideStart(outW: i32, stride: i32, pad: i32): i32 {
  return min(outW, ceilDiv(pad, stride));
}

// @ts-ignore: decorator
@inline function insideEnd(outW: i32, W: i32, k: i32, stride: i32, pad: i32, dilation: i32): i32 {
  return min(outW, floorDiv(W - 1 + pad - (k - 1) * dilation, stride) + 1);
}

// Input elements p, p+2, p+4, p+6 (reads p..p+6 only, never past the last tap).
// @ts-ignore: decorator
@inline function evenLanes(p: usize): v128 {
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 12), 0, 2, 5, 7);
}

// out[0..n) += value.
// @ts-ignore: decorator
@inline function addRun(out: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = out + (<usize>i << 2);
    v128.store(p, f32x4.add(v128.load(p), v));
  }
  for (; i < n; i++) {
    const p = out + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + value);
  }
}

// One max-pool output: the largest tap (the first in row-major scan order on ties; a NaN wins, the
// last one if several, as in PyTorch) and, when withIndex, its index h·W + w in the plane; −∞ and
// −1 for a window without any tap inside the input. Branch-free: random data would mispredict.
// @ts-ignore: decorator
@inline function maxScalar(
  withIndex: bool, src: usize, W: i32, rowStart: i32, iLo: i32, iHi: i32, dilationH: i32,
  colStart: i32, kW: i32, dilationW: i32, out: usize, index: usize,
): void {
  const jLo = firstTap(colStart, dilationW);
  const jHi = endTap(colStart, kW, dilationW, W);
  let best: f32 = -Infinity;
  let bestIndex: i32 = -1;
  if (withIndex && iLo < iHi && jLo < jHi) {
    bestIndex = (rowStart + iLo * dilationH) * W + colStart + jLo * dilationW;
  }
  for (let i = iLo; i < iHi; i++) {
    const rowIndex = (rowStart + i * dilationH) * W + colStart;
    for (let j = jLo; j < jHi; j++) {
      const at = rowIndex + j * dilationW;
      const v = load<f32>(src + (<usize>at << 2));
      const better = (v > best) | (v != v);
      best = select<f32>(v, best, better);
      if (withIndex) bestIndex = select<i32>(at, bestIndex, better);
    }
  }
  store<f32>(out, best);
  if (withIndex) store<i32>(index, bestIndex);
}

// Four max-pool outputs of one row whose taps all lie inside the row (stride 1, or 2 when
// strideTwo); the same scan order and tie rule as maxScalar, lane by lane.
// @ts-ignore: decorator
@inline function maxVector(
  withIndex: bool, strideTwo: bool, src: usize, W: i32, rowStart: i32, iLo: i32, iHi: i32,
  dilationH: i32, colStart: i32, kW: i32, dilationW: i32, out: usize, index: usize,
): void {
  const laneOffsets = strideTwo ? i32x4(0, 2, 4, 6) : i32x4(0, 1, 2, 3);
  let best = f32x4.splat(-Infinity);
  let bestIndex = i32x4.splat(-1);
  if (withIndex && iLo < iHi) {
    bestIndex = i32x4.add(i32x4.splat((rowStart + iLo * dilationH) * W + colStart), laneOffsets);
  }
  for (let i = iLo; i < iHi; i++) {
    const rowIndex = (rowStart + i * dilationH) * W + colStart;
    for (let j = 0; j < kW; j++) {
      const at = rowIndex + j * dilationW;
      const p = src + (<usize>at << 2);
      const v = strideTwo ? evenLanes(p) : v128.load(p);
      if (withIndex) {
        const better = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
        best = v128.bitselect(v, best, better);
        bestIndex = v128.bitselect(i32x4.add(i32x4.splat(at), laneOffsets), bestIndex, better);
      } else {
        // NaN-propagating max (f32x4.max), which the value alone needs.
        best = f32x4.max(best, v);
      }
    }
  }
  v128.store(out, best);
  if (withIndex) v128.store(index, bestIndex);
}

// Outputs ow < count (count ≥ 4) of one row of a 2×2 stride-2 max pool without padding or
// dilation, whose window rows rowStart and rowStart + 1 both lie inside the input: per four
// outputs, two v128 of each input row, then the even and odd columns apart; when count is not a
// multiple of 4, the last four outputs are computed again as one overlapping vector. Without
// indices the four taps are maxed in any order (f32x4.max is NaN-propagating and order-free);
// with them, in scan order with maxScalar's tie rule.
// @ts-ignore: decorator
@inline function maxPool2x2Row(
  withIndex: bool, src: usize, W: i32, rowStart: i32, count: i32, out: usize, index: usize,
): void {
  const top = src + (<usize>(rowStart * W) << 2);
  const bottom = top + (<usize>W << 2);
  for (let step = 0; step < count; step += 4) {
    const ow = min(step, count - 4);
    const o = <usize>ow << 3;
    const a0 = v128.load(top + o);
    const a1 = v128.load(top + o, 16);
    const b0 = v128.load(bottom + o);
    const b1 = v128.load(bottom + o, 16);
    const at = out + (<usize>ow << 2);
    if (withIndex) {
      const topEven = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
      const topOdd = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
      const bottomEven = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
      const bottomOdd = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
      const first = i32x4.add(i32x4.splat(rowStart * W + 2 * ow), i32x4(0, 2, 4, 6));
      let best = topEven;
      let bestIndex = first;
      let better = v128.or(f32x4.gt(topOdd, best), f32x4.ne(topOdd, topOdd));
      best = v128.bitselect(topOdd, best, better);
      bestIndex = v128.bitselect(i32x4.add(first, i32x4.splat(1)), bestIndex, better);
      better = v128.or(f32x4.gt(bottomEven, best), f32x4.ne(bottomEven, bottomEven));
      best = v128.bitselect(bottomEven, best, better);
      bestIndex = v128.bitselect(i32x4.add(first, i32x4.splat(W)), bestIndex, better);
      better = v128.or(f32x4.gt(bottomOdd, best), f32x4.ne(bottomOdd, bottomOdd));
      best = v128.bitselect(bottomOdd, best, better);
      bestIndex = v128.bitselect(i32x4.add(first, i32x4.splat(W + 1)), bestIndex, better);
      v128.store(at, best);
      v128.store(index + (<usize>ow << 2), bestIndex);
    } else {
      const columns0 = f32x4.max(a0, b0);
      const columns1 = f32x4.max(a1, b1);
      v128.store(at, f32x4.max(
        v128.shuffle<f32>(columns0, columns1, 0, 2, 4, 6),
        v128.shuffle<f32>(columns0, columns1, 1, 3, 5, 7),
      ));
    }
  }
}

// The rows of planes planeStart..planeEnd of max pooling, with or without indices.
// @ts-ignore: decorator
@inline function maxPoolPlanes(
  withIndex: bool, x: usize, out: usize, indices: usize,
  H: i32, W: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  dilationH: i32, dilationW: i32,
  planeStart: i32, planeEnd: i32,
): void {
  const planeIn = <usize>H * <usize>W;
  const planeOut = <usize>outH * <usize>outW;
  const vectorStart = insideStart(outW, strideW, padW);
  const vectorEnd = strideW <= 2 ? insideEnd(outW, W, kW, strideW, padW, dilationW) : 0;
  const twoByTwo = kH == 2 && kW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0 &&
    dilationH == 1 && dilationW == 1;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const src = x + (<usize>plane * planeIn << 2);
    for (let oh = 0; oh < outH; oh++) {
      const rowStart = oh * strideH - padH;
      const iLo = firstTap(rowStart, dilationH);
      const iHi = endTap(rowStart, kH, dilationH, H);
      const offset = (<usize>plane * planeOut + <usize>oh * <usize>outW) << 2;
      const dst = out + offset;
      const dstIndex = indices + offset;
      let ow = 0;
      if (twoByTwo && iHi == 2 && vectorEnd >= 4) {
        ow = vectorEnd;
        maxPool2x2Row(withIndex, src, W, rowStart, ow, dst, dstIndex);
      }
      for (; ow < vectorStart; ow++) {
        const o = <usize>ow << 2;
        maxScalar(withIndex, src, W, rowStart, iLo, iHi, dilationH, ow * strideW - padW, kW,
          dilationW, dst + o, dstIndex + o);
      }
      if (strideW == 1) {
        for (; ow + 4 <= vectorEnd; ow += 4) {
          const o = <usize>ow << 2;
          maxVector(withIndex, false, src, W, rowStart, iLo, iHi, dilationH, ow - padW, kW,
            dilationW, dst + o, dstIndex + o);
        }
      } else if (strideW == 2) {
        for (; ow + 4 <= vectorEnd; ow += 4) {
          const o = <usize>ow << 2;
          maxVector(withIndex, true, src, W, rowStart, iLo, iHi, dilationH, 2 * ow - padW, kW,
            dilationW, dst + o, dstIndex + o);
        }
      }
      for (; ow < outW; ow++) {
        const o = <usize>ow << 2;
        maxScalar(withIndex, src, W, rowStart, iLo, iHi, dilationH, ow * strideW - padW, kW,
          dilationW, dst + o, dstIndex + o);
      }
    }
  }
}

/**
 * Max pooling of planes planeStart..planeEnd of x [planes, H, W] into out [planes, outH, outW].
 * indices (i32, out's shape), unless 0, gets the position h·W + w in its plane of each window's
 * maximum (first in scan order on ties; −1 for a window with no tap inside the input); without
 * indices (inference) the SIMD path is a plain f32x4.max.
 */
export function maxPool2dF32(
  x: usize, out: usize, indices: usize,
  H: i32, W: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  dilationH: i32, dilationW: i32,
  planeStart: i32, planeEnd: i32,
): void {
  if (indices != 0) {
    maxPoolPlanes(true, x, out, indices, H, W, outH, outW, kH, kW, strideH, strideW, padH, padW,
      dilationH, dilationW, planeStart, planeEnd);
  } else {
    maxPoolPlanes(false, x, out, 0, H, W, outH, outW, kH, kW, strideH, strideW, padH, padW,
      dilationH, dilationW, planeStart, planeEnd);
  }
}

/**
 * Backward of maxPool2dF32 for planes planeStart..planeEnd: gradInput [planes, inputPlane] is
 * zeroed, then gradInput[plane, indices[plane, o]] += g[plane, o] (indices −1 are skipped).
 */
export function maxPool2dBackwardF32(
  g: usize, indices: usize, gradInput: usize,
  inputPlane: i32, outputPlane: i32,
  planeStart: i32, planeEnd: i32,
): void {
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const dst = gradInput + (<usize>plane * <usize>inputPlane << 2);
    memory.fill(dst, 0, <usize>inputPlane << 2);
    const offset = <usize>plane * <usize>outputPlane << 2;
    for (let o = 0; o < outputPlane; o++) {
      const at = offset + (<usize>o << 2);
      const k = load<i32>(indices + at);
      if (k >= 0) {
        const p = dst + (<usize>k << 2);
        store<f32>(p, load<f32>(p) + load<f32>(g + at));
      }
    }
  }
}

// The divisor of one average-pool window (PyTorch's rule): divisorOverride when nonzero; else
// the window's size clipped to the padded input (countIncludePad), or to the input itself.
// @ts-ignore: decorator
@inline function avgDivisor(
  paddedRows: i32, rows: i32, paddedCols: i32, cols: i32,
  countIncludePad: i32, divisorOverride: i32,
): f32 {
  if (divisorOverride != 0) return <f32>divisorOverride;
  return <f32>(countIncludePad != 0 ? paddedRows * paddedCols : rows * cols);
}

// One average-pool output (0 for a window with no tap inside the input).
// @ts-ignore: decorator
@inline function avgScalar(
  src: usize, W: i32, h0: i32, h1: i32, paddedRows: i32,
  colStart: i32, kW: i32, padW: i32, countIncludePad: i32, divisorOverride: i32, out: usize,
): void {
  const paddedEnd = min(colStart + kW, W + padW);
  const w0 = max(colStart, 0);
  const w1 = min(paddedEnd, W);
  if (h0 >= h1 || w0 >= w1) {
    store<f32>(out, 0);
    return;
  }
  let total: f32 = 0;
  for (let h = h0; h < h1; h++) {
    const row = src + (<usize>(h * W) << 2);
    for (let w = w0; w < w1; w++) total += load<f32>(row + (<usize>w << 2));
  }
  const divisor = avgDivisor(paddedRows, h1 - h0, paddedEnd - colStart, w1 - w0,
    countIncludePad, divisorOverride);
  store<f32>(out, total / divisor);
}

// Four average-pool outputs whose columns lie inside the row (stride 1, or 2 when strideTwo).
// @ts-ignore: decorator
@inline function avgVector(
  strideTwo: bool, src: usize, W: i32, h0: i32, h1: i32, paddedRows: i32,
  colStart: i32, kW: i32, countIncludePad: i32, divisorOverride: i32, out: usize,
): void {
  if (h0 >= h1) {
    v128.store(out, f32x4.splat(0));
    return;
  }
  let total = f32x4.splat(0);
  for (let h = h0; h < h1; h++) {
    const row = src + (<usize>(h * W + colStart) << 2);
    for (let j = 0; j < kW; j++) {
      const p = row + (<usize>j << 2);
      total = f32x4.add(total, strideTwo ? evenLanes(p) : v128.load(p));
    }
  }
  const divisor = avgDivisor(paddedRows, h1 - h0, kW, kW, countIncludePad, divisorOverride);
  v128.store(out, f32x4.div(total, f32x4.splat(divisor)));
}

/**
 * Average pooling of planes planeStart..planeEnd of x [planes, H, W] into out [planes, outH, outW]
 * (no dilation). countIncludePad: 1 to count padded taps in the divisor. divisorOverride: 0, or
 * the divisor of every window.
 */
export function avgPool2dF32(
  x: usize, out: usize,
  H: i32, W: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  countIncludePad: i32, divisorOverride: i32,
  planeStart: i32, planeEnd: i32,
): void {
  const planeIn = <usize>H * <usize>W;
  const planeOut = <usize>outH * <usize>outW;
  const vectorStart = insideStart(outW, strideW, padW);
  const vectorEnd = strideW <= 2 ? insideEnd(outW, W, kW, strideW, padW, 1) : 0;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const src = x + (<usize>plane * planeIn << 2);
    for (let oh = 0; oh < outH; oh++) {
      const rowStart = oh * strideH - padH;
      const paddedRowEnd = min(rowStart + kH, H + padH);
      const paddedRows = paddedRowEnd - rowStart;
      const h0 = max(rowStart, 0);
      const h1 = min(paddedRowEnd, H);
      const dst = out + ((<usize>plane * planeOut + <usize>oh * <usize>outW) << 2);
      let ow = 0;
      for (; ow < vectorStart; ow++) {
        avgScalar(src, W, h0, h1, paddedRows, ow * strideW - padW, kW, padW,
          countIncludePad, divisorOverride, dst + (<usize>ow << 2));
      }
      if (strideW == 1) {
        for (; ow + 4 <= vectorEnd; ow += 4) {
          avgVector(false, src, W, h0, h1, paddedRows, ow - padW, kW,
            countIncludePad, divisorOverride, dst + (<usize>ow << 2));
        }
      } else if (strideW == 2) {
        for (; ow + 4 <= vectorEnd; ow += 4) {
          avgVector(true, src, W, h0, h1, paddedRows, 2 * ow - padW, kW,
            countIncludePad, divisorOverride, dst + (<usize>ow << 2));
        }
      }
      for (; ow < outW; ow++) {
        avgScalar(src, W, h0, h1, paddedRows, ow * strideW - padW, kW, padW,
          countIncludePad, divisorOverride, dst + (<usize>ow << 2));
      }
    }
  }
}

/**
 * Backward of avgPool2dF32 for planes planeStart..planeEnd: gradInput [planes, H, W] is zeroed,
 * then every window adds g / divisor to its taps, with exactly the forward's windows and divisors.
 */
export function avgPool2dBackwardF32(
  g: usize, gradInput: usize,
  H: i32, W: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
  countIncludePad: i32, divisorOverride: i32,
  planeStart: i32, planeEnd: i32,
): void {
  const planeIn = <usize>H * <usize>W;
  const planeOut = <usize>outH * <usize>outW;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const dst = gradInput + (<usize>plane * planeIn << 2);
    memory.fill(dst, 0, planeIn << 2);
    for (let oh = 0; oh < outH; oh++) {
      const rowStart = oh * strideH - padH;
      const paddedRowEnd = min(rowStart + kH, H + padH);
      const h0 = max(rowStart, 0);
      const h1 = min(paddedRowEnd, H);
      if (h0 >= h1) continue;
      const src = g + ((<usize>plane * planeOut + <usize>oh * <usize>outW) << 2);
      for (let ow = 0; ow < outW; ow++) {
        const colStart = ow * strideW - padW;
        const paddedColEnd = min(colStart + kW, W + padW);
        const w0 = max(colStart, 0);
        const w1 = min(paddedColEnd, W);
        if (w0 >= w1) continue;
        const divisor = avgDivisor(paddedRowEnd - rowStart, h1 - h0, paddedColEnd - colStart,
          w1 - w0, countIncludePad, divisorOverride);
        const share = load<f32>(src + (<usize>ow << 2)) / divisor;
        for (let h = h0; h < h1; h++) addRun(dst + (<usize>(h * W + w0) << 2), w1 - w0, share);
      }
    }
  }
}

// Adaptive pooling's window along one axis: [floor(o·size/outSize), ceil((o+1)·size/outSize)).
// @ts-ignore: decorator
@inline function adaptiveStart(o: i32, size: i32, outSize: i32): i32 {
  return <i32>(<i64>o * <i64>size / <i64>outSize);
}

// @ts-ignore: decorator
@inline function adaptiveEnd(o: i32, size: i32, outSize: i32): i32 {
  return <i32>((<i64>(o + 1) * <i64>size + <i64>outSize - 1) / <i64>outSize);
}

/**
 * Adaptive average pooling (PyTorch's windows, which may overlap and differ in size) of planes
 * planeStart..planeEnd of x [planes, H, W] into out [planes, outH, outW].
 */
export function adaptiveAvgPool2dF32(
  x: usize, out: usize, H: i32, W: i32, outH: i32, outW: i32, planeStart: i32, planeEnd: i32,
): void {
  const planeIn = <usize>H * <usize>W;
  const planeOut = <usize>outH * <usize>outW;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const src = x + (<usize>plane * planeIn << 2);
    const dst = out + (<usize>plane * planeOut << 2);
    for (let oh = 0; oh < outH; oh++) {
      const h0 = adaptiveStart(oh, H, outH);
      const h1 = adaptiveEnd(oh, H, outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = adaptiveStart(ow, W, outW);
        const w1 = adaptiveEnd(ow, W, outW);
        let total: f32 = 0;
        for (let h = h0; h < h1; h++) {
          const row = src + (<usize>(h * W) << 2);
          for (let w = w0; w < w1; w++) total += load<f32>(row + (<usize>w << 2));
        }
        store<f32>(dst + (<usize>(oh * outW + ow) << 2), total / <f32>((h1 - h0) * (w1 - w0)));
      }
    }
  }
}

/**
 * Backward of adaptiveAvgPool2dF32 for planes planeStart..planeEnd: gradInput [planes, H, W] is
 * zeroed, then every window adds g / (its size) to its taps.
 */
export function adaptiveAvgPool2dBackwardF32(
  g: usize, gradInput: usize, H: i32, W: i32, outH: i32, outW: i32,
  planeStart: i32, planeEnd: i32,
): void {
  const planeIn = <usize>H * <usize>W;
  const planeOut = <usize>outH * <usize>outW;
  for (let plane = planeStart; plane < planeEnd; plane++) {
    const dst = gradInput + (<usize>plane * planeIn << 2);
    const src = g + (<usize>plane * planeOut << 2);
    memory.fill(dst, 0, planeIn << 2);
    for (let oh = 0; oh < outH; oh++) {
      const h0 = adaptiveStart(oh, H, outH);
      const h1 = adaptiveEnd(oh, H, outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = adaptiveStart(ow, W, outW);
        const w1 = adaptiveEnd(ow, W, outW);
        const share = load<f32>(src + (<usize>(oh * outW + ow) << 2)) / <f32>((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) addRun(dst + (<usize>(h * W + w0) << 2), w1 - w0, share);
      }
    }
  }
}
