// Convolution kernels: im2col and its adjoint col2im, which turn conv2d and the transposed conv2d
// into the packed GEMM of gemm.ts, and the per-channel broadcast that seeds a conv output with its
// bias before the GEMM accumulates into it.
//
// One geometry serves both ops. A conv maps an "input" plane [C, H, W] to an "output" plane
// [outH, outW] per kernel tap: output (oh, ow) reads input (oh·strideH − padH + i·dilationH,
// ow·strideW − padW + j·dilationW) for tap (i, j), and reads zero where that falls outside the
// input. padH/padW are the top/left padding; the bottom/right padding is implied by outH/outW,
// so PyTorch's asymmetric "same" padding of even kernels needs nothing special. The transposed
// conv is the adjoint: its forward is col2im (after Wᵀ·x), its input gradient is im2col (then
// W·cols).
//
// Layout: cols is [C·kH·kW, outH·outW], row (c·kH + i)·kW + j. Conv forward is then
// Y[Cout, P] = W[Cout, K]·cols[K, P] (W exactly as stored), its input gradient
// cols = Wᵀ·dY (the GEMM's transposed A, no copy) then col2im, and its weight gradient
// dW += dY·colsᵀ (the GEMM's transposed B, no copy).
//
// Why im2col + GEMM rather than direct convolution (measured on one thread, relaxed build, batch
// 64): W3's second conv runs at 40-42 GFLOP/s in all three passes, the GEMMs alone at 44-46, with
// im2col taking 2.2 ms and col2im 2.1 ms of about 31 ms. Direct convolution has its best chance on
// W3's first layer, one input channel (a GEMM only 25 deep): a register-blocked direct kernel
// (2 output channels × 28 columns of accumulators, over a once-padded input) reached 30 GFLOP/s
// there, im2col + GEMM 37. So every conv, transposed or not, goes through the GEMM.

// @ts-ignore: decorator
@inline
function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

// @ts-ignore: decorator
@inline
function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/** First output index o < outSize whose input index o·stride + offset is ≥ 0. */
// @ts-ignore: decorator
@inline
function validStart(offset: i32, stride: i32, outSize: i32): i32 {
  return min(max(stride == 1 ? -offset : ceilDiv(-offset, stride), 0), outSize);
}

/** One past the last output index whose input index o·stride + offset is < size (≥ start). */
// @ts-ignore: decorator
@inline
function validEnd(offset: i32, stride: i32, size: i32, outSize: i32, start: i32): i32 {
  const last = stride == 1 ? size - 1 - offset : floorDiv(size - 1 - offset, stride);
  return max(min(last + 1, outSize), start);
}

// @ts-ignore: decorator
@inline
function zeroRun(dst: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), zero);
  for (; k < n; k++) store<f32>(dst + (<usize>k << 2), 0);
}

// @ts-ignore: decorator
@inline
function fillRun(dst: usize, n: i32, value: f32): void {
  const splat = f32x4.splat(value);
  let k = 0;
  for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), splat);
  for (; k < n; k++) store<f32>(dst + (<usize>k << 2), value);
}

/** dst[k] = src[k·stride], k < n (stride in elements). */
// @ts-ignore: decorator
@inline
function gatherRun(dst: usize, src: usize, stride: i32, n: i32): void {
  if (stride == 1) {
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 2;
      v128.store(dst + o, v128.load(src + o));
    }
    for (; k < n; k++) store<f32>(dst + (<usize>k << 2), load<f32>(src + (<usize>k << 2)));
    return;
  }
  let k = 0;
  if (stride == 2) {
    // The even lanes of two vectors; the loads stop at the run's last element, never past it.
    for (; k + 5 <= n; k += 4) {
      const s = src + (<usize>k << 3);
      const even = v128.shuffle<f32>(v128.load(s), v128.load(s, 16), 0, 2, 4, 6);
      v128.store(dst + (<usize>k << 2), even);
    }
  }
  const step = <usize>stride << 2;
  src += <usize>k * step;
  for (; k < n; k++) {
    store<f32>(dst + (<usize>k << 2), load<f32>(src));
    src += step;
  }
}

/** dst[k·stride] += src[k], k < n (stride in elements). */
// @ts-ignore: decorator
@inline
function scatterAddRun(dst: usize, src: usize, stride: i32, n: i32): void {
  if (stride == 1) {
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; k < n; k++) {
      const o = <usize>k << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
    return;
  }
  let k = 0;
  if (stride == 2) {
    // src spread onto the even lanes of two vectors of dst; the odd lanes are stored back as
    // they were, and the accesses stop at the run's last element.
    const zero = f32x4.splat(0);
    for (; k + 5 <= n; k += 4) {
      const d = dst + (<usize>k << 3);
      const v = v128.load(src + (<usize>k << 2));
      const low = v128.load(d);
      const high = v128.load(d, 16);
      const sumLow = f32x4.add(low, v128.shuffle<f32>(v, zero, 0, 4, 1, 4));
      const sumHigh = f32x4.add(high, v128.shuffle<f32>(v, zero, 2, 4, 3, 4));
      v128.store(d, v128.shuffle<f32>(sumLow, low, 0, 5, 2, 7));
      v128.store(d, v128.shuffle<f32>(sumHigh, high, 0, 5, 2, 7), 16);
    }
  }
  const step = <usize>stride << 2;
  dst += <usize>k * step;
  for (; k < n; k++) {
    store<f32>(dst, load<f32>(dst) + load<f32>(src + (<usize>k << 2)));
    dst += step;
  }
}

/**
 * Rows rowStart..rowEnd of cols [channels·kernelH·kernelW, outH·outW] (rows colsStride floats
 * apart) from one image x [channels, height, width]: cols[(c·kernelH + i)·kernelW + j,
 * oh·outW + ow] = x[c, oh·strideH − padH + i·dilationH, ow·strideW − padW + j·dilationW], 0
 * outside x. The floats between the end of a row and the next row are left alone.
 */
export function im2colF32(
  x: usize, channels: i32, height: i32, width: i32, kernelH: i32, kernelW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32, dilationW: i32,
  outH: i32, outW: i32, cols: usize, colsStride: i32, rowStart: i32, rowEnd: i32,
): void {
  const taps = kernelH * kernelW;
  rowStart = max(rowStart, 0);
  rowEnd = min(rowEnd, channels * taps);
  if (rowStart >= rowEnd) return;
  const rowBytes = <usize>colsStride << 2;
  const outRow = <usize>outW << 2;
  const inRow = <usize>width << 2;
  // Row = (c·kernelH + i)·kernelW + j, stepped without divisions.
  let c = rowStart / taps;
  let i = (rowStart - c * taps) / kernelW;
  let j = rowStart - c * taps - i * kernelW;
  for (let row = rowStart; row < rowEnd; row++) {
    const offsetH = i * dilationH - padH;
    const offsetW = j * dilationW - padW;
    const ohStart = validStart(offsetH, strideH, outH);
    const ohEnd = validEnd(offsetH, strideH, height, outH, ohStart);
    const owStart = validStart(offsetW, strideW, outW);
    const owEnd = validEnd(offsetW, strideW, width, outW, owStart);
    const count = owEnd - owStart;
    let dst = cols + <usize>row * rowBytes;
    zeroRun(dst, ohStart * outW);
    dst += <usize>ohStart * outRow;
    let src = x + <usize>c * <usize>height * inRow +
      <usize>(ohStart * strideH + offsetH) * inRow + (<usize>(owStart * strideW + offsetW) << 2);
    const srcStep = <usize>strideH * inRow;
    if (strideW == 1 && count >= 4 && owStart <= 4 && outW - owEnd <= 4) {
      // The common stride-1 row: at most 4 zeros either side, all in whole vectors (stores that
      // overlap write the same value twice), which took im2col from 4.3 to 2.7 ms on W3's conv2.
      const zero = f32x4.splat(0);
      const last = <usize>(count - 4) << 2;
      const tail = <usize>(outW - 4) << 2;
      const lead = <usize>owStart << 2;
      for (let oh = ohStart; oh < ohEnd; oh++) {
        v128.store(dst, zero);
        v128.store(dst + tail, zero);
        const d = dst + lead;
        for (let k: usize = 0; k < last; k += 16) v128.store(d + k, v128.load(src + k));
        v128.store(d + last, v128.load(src + last));
        dst += outRow;
        src += srcStep;
      }
    } else {
      for (let oh = ohStart; oh < ohEnd; oh++) {
        zeroRun(dst, owStart);
        gatherRun(dst + (<usize>owStart << 2), src, strideW, count);
        zeroRun(dst + (<usize>owEnd << 2), outW - owEnd);
        dst += outRow;
        src += srcStep;
      }
    }
    zeroRun(dst, (outH - ohEnd) * outW);
    if (++j == kernelW) {
      j = 0;
      if (++i == kernelH) {
        i = 0;
        c++;
      }
    }
  }
}

/**
 * The adjoint of im2colF32, for channels channelStart..channelEnd of x [channels, height, width]:
 * x[c] = bias[c] (0 when bias = 0) + the sum of every cols entry that im2colF32 would have copied
 * from that element. cols (rows colsStride floats apart) and the geometry are as in im2colF32;
 * bias points at `channels` floats.
 */
export function col2imF32(
  cols: usize, colsStride: i32, channels: i32, height: i32, width: i32, kernelH: i32,
  kernelW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32,
  dilationW: i32, outH: i32, outW: i32, x: usize, bias: usize, channelStart: i32,
  channelEnd: i32,
): void {
  channelStart = max(channelStart, 0);
  channelEnd = min(channelEnd, channels);
  const rowBytes = <usize>colsStride << 2;
  const outRow = <usize>outW << 2;
  const inRow = <usize>width << 2;
  for (let c = channelStart; c < channelEnd; c++) {
    const plane = x + <usize>c * <usize>height * inRow;
    fillRun(plane, height * width, bias != 0 ? load<f32>(bias + (<usize>c << 2)) : 0);
    for (let i = 0; i < kernelH; i++) {
      const offsetH = i * dilationH - padH;
      const ohStart = validStart(offsetH, strideH, outH);
      const ohEnd = validEnd(offsetH, strideH, height, outH, ohStart);
      for (let j = 0; j < kernelW; j++) {
        const offsetW = j * dilationW - padW;
        const owStart = validStart(offsetW, strideW, outW);
        const owEnd = validEnd(offsetW, strideW, width, outW, owStart);
        const count = owEnd - owStart;
        const row = (c * kernelH + i) * kernelW + j;
        let src = cols + <usize>row * rowBytes + <usize>ohStart * outRow + (<usize>owStart << 2);
        let dst = plane + <usize>(ohStart * strideH + offsetH) * inRow +
          (<usize>(owStart * strideW + offsetW) << 2);
        const dstStep = <usize>strideH * inRow;
        for (let oh = ohStart; oh < ohEnd; oh++) {
          scatterAddRun(dst, src, strideW, count);
          src += outRow;
          dst += dstStep;
        }
      }
    }
  }
}

/**
 * out viewed as [rows, size], rows rowStart..rowEnd: out[r, p] = values[r % channels]. Seeds a
 * batch of [channels, size] planes with each channel's bias.
 */
export function broadcastChannelsF32(
  values: usize, channels: i32, size: i32, out: usize, rowStart: i32, rowEnd: i32,
): void {
  const rowBytes = <usize>size << 2;
  for (let r = max(rowStart, 0); r < rowEnd; r++) {
    fillRun(out + <usize>r * rowBytes, size, load<f32>(values + (<usize>(r % channels) << 2)));
  }
}
