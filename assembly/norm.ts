// Batch-norm kernels and the dropout mask. x is viewed as [N, C, L] (L = H·W for images, 1 for
// [N, C]); a channel's values are N contiguous rows of L floats. Statistics and the reductions of
// the backward pass accumulate in f64 (two passes: the mean, then squared deviations from it), so
// a channel of a large batch keeps its precision. Every batch-norm kernel computes channels
// channelStart..channelEnd only, so that a scheduler can split a call by channels.
//
// Layer norm reuses these kernels with N = 1, C = rows, L = the normalised size: its statistics
// are a row's, exactly a batch-norm channel's of that view (runtime/ops/norm.ts).

// Σ p[0..n) in f64.
// @ts-ignore: decorator
@inline function rowSum(p: usize, n: i32): f64 {
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3)));
  }
  let total = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) +
    f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; i < n; i++) total += <f64>load<f32>(p + (<usize>i << 2));
  return total;
}

// Σ (p[i] − mean)² over i < n, in f64.
// @ts-ignore: decorator
@inline function rowSquaredDeviations(p: usize, n: i32, mean: f64): f64 {
  const m = f64x2.splat(mean);
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const dLo = f64x2.sub(f64x2.promote_low_f32x4(v), m);
    const dHi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3)), m);
    lo = f64x2.add(lo, f64x2.mul(dLo, dLo));
    hi = f64x2.add(hi, f64x2.mul(dHi, dHi));
  }
  let total = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) +
    f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; i < n; i++) {
    const d = <f64>load<f32>(p + (<usize>i << 2)) - mean;
    total += d * d;
  }
  return total;
}

// 1 / sqrt(variance + eps) in f64.
// @ts-ignore: decorator
@inline function inverseStd(variance: usize, c: i32, eps: f64): f64 {
  return 1.0 / Math.sqrt(<f64>load<f32>(variance + (<usize>c << 2)) + eps);
}

// weight[c], or 1 when there is no weight (pointer 0).
// @ts-ignore: decorator
@inline function channelValue(values: usize, c: i32, absent: f32): f32 {
  return values == 0 ? absent : load<f32>(values + (<usize>c << 2));
}

/**
 * Batch statistics of channels channelStart..channelEnd of x [N, C, L]: mean[c] and the biased
 * variance[c] over the N·L values of channel c. When runningMean / runningVar are nonzero
 * pointers they are updated in place as PyTorch does:
 * running = (1 − momentum)·running + momentum·batch, with the unbiased variance (·M/(M − 1),
 * M = N·L) for runningVar.
 */
export function batchNormStatsF32(
  x: usize, mean: usize, variance: usize, runningMean: usize, runningVar: usize,
  momentum: f64, N: i32, C: i32, L: i32, channelStart: i32, channelEnd: i32,
): void {
  const count = <f64>N * <f64>L;
  const channelStride = <usize>C * <usize>L << 2;
  for (let c = channelStart; c < channelEnd; c++) {
    const first = x + (<usize>c * <usize>L << 2);
    let total: f64 = 0;
    for (let n = 0; n < N; n++) total += rowSum(first + <usize>n * channelStride, L);
    const mu = total / count;
    let squares: f64 = 0;
    for (let n = 0; n < N; n++) squares += rowSquaredDeviations(first + <usize>n * channelStride, L, mu);
    const at = <usize>c << 2;
    store<f32>(mean + at, <f32>mu);
    store<f32>(variance + at, <f32>(squares / count));
    if (runningMean != 0) {
      const old = <f64>load<f32>(runningMean + at);
      store<f32>(runningMean + at, <f32>((1 - momentum) * old + momentum * mu));
    }
    if (runningVar != 0) {
      const old = <f64>load<f32>(runningVar + at);
      const unbiased = squares / (count - 1);
      store<f32>(runningVar + at, <f32>((1 - momentum) * old + momentum * unbiased));
    }
  }
}

/**
 * out = (x − mean[c]) / sqrt(variance[c] + eps) · weight[c] + bias[c] for channels
 * channelStart..channelEnd of x [N, C, L], computed as x·scale + shift per channel (as PyTorch).
 * weight and bias may be 0 (absent: 1 and 0).
 */
export function batchNormForwardF32(
  x: usize, mean: usize, variance: usize, weight: usize, bias: usize, out: usize, eps: f64,
  N: i32, C: i32, L: i32, channelStart: i32, channelEnd: i32,
): void {
  const channelStride = <usize>C * <usize>L << 2;
  for (let c = channelStart; c < channelEnd; c++) {
    const scale64 = inverseStd(variance, c, eps) * <f64>channelValue(weight, c, 1);
    const shift64 = <f64>channelValue(bias, c, 0) -
      <f64>load<f32>(mean + (<usize>c << 2)) * scale64;
    const scale = <f32>scale64;
    const shift = <f32>shift64;
    const scaleV = f32x4.splat(scale);
    const shiftV = f32x4.splat(shift);
    const offset = <usize>c * <usize>L << 2;
    for (let n = 0; n < N; n++) {
      const src = x + offset + <usize>n * channelStride;
      const dst = out + offset + <usize>n * channelStride;
      let i = 0;
      for (; i + 4 <= L; i += 4) {
        const o = <usize>i << 2;
        v128.store(dst + o, f32x4.add(f32x4.mul(v128.load(src + o), scaleV), shiftV));
      }
      for (; i < L; i++) {
        const o = <usize>i << 2;
        store<f32>(dst + o, load<f32>(src + o) * scale + shift);
      }
    }
  }
}

/**
 * Backward of batch norm for channels channelStart..channelEnd of x [N, C, L] and upstream g
 * (same shape), with x̂ = (x − mean[c]) / sqrt(variance[c] + eps):
 * sumG[c] = Σ g and sumGXhat[c] = Σ g·x̂ (the bias and weight gradients), always written;
 * when gradInput is nonzero, gradInput = weight[c]/sqrt(variance[c] + eps) · (g − (sumG[c] +
 * x̂·sumGXhat[c]) / (N·L)) if training (mean and variance are the batch's own statistics, through
 * which the gradient flows), or weight[c]/sqrt(variance[c] + eps) · g if not (fixed statistics).
 * weight may be 0 (absent: 1).
 */
export function batchNormBackwardF32(
  g: usize, x: usize, mean: usize, variance: usize, weight: usize,
  gradInput: usize, sumG: usize, sumGXhat: usize, eps: f64, training: i32,
  N: i32, C: i32, L: i32, channelStart: i32, channelEnd: i32,
): void {
  const count = <f64>N * <f64>L;
  const channelStride = <usize>C * <usize>L << 2;
  for (let c = channelStart; c < channelEnd; c++) {
    const at = <usize>c << 2;
    const mu = <f64>load<f32>(mean + at);
    const invStd = inverseStd(variance, c, eps);
    const offset = <usize>c * <usize>L << 2;
    const m = f64x2.splat(mu);
    let gLo = f64x2.splat(0);
    let gHi = f64x2.splat(0);
    let gxLo = f64x2.splat(0);
    let gxHi = f64x2.splat(0);
    let totalG: f64 = 0;
    let totalGX: f64 = 0;
    for (let n = 0; n < N; n++) {
      const gRow = g + offset + <usize>n * channelStride;
      const xRow = x + offset + <usize>n * channelStride;
      let i = 0;
      for (; i + 4 <= L; i += 4) {
        const o = <usize>i << 2;
        const gv = v128.load(gRow + o);
        const xv = v128.load(xRow + o);
        const gvLo = f64x2.promote_low_f32x4(gv);
        const gvHi = f64x2.promote_low_f32x4(v128.shuffle<i32>(gv, gv, 2, 3, 2, 3));
        const dLo = f64x2.sub(f64x2.promote_low_f32x4(xv), m);
        const dHi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(xv, xv, 2, 3, 2, 3)), m);
        gLo = f64x2.add(gLo, gvLo);
        gHi = f64x2.add(gHi, gvHi);
        gxLo = f64x2.add(gxLo, f64x2.mul(gvLo, dLo));
        gxHi = f64x2.add(gxHi, f64x2.mul(gvHi, dHi));
      }
      for (; i < L; i++) {
        const o = <usize>i << 2;
        const gs = <f64>load<f32>(gRow + o);
        totalG += gs;
        totalGX += gs * (<f64>load<f32>(xRow + o) - mu);
      }
    }
    totalG += f64x2.extract_lane(gLo, 0) + f64x2.extract_lane(gLo, 1) +
      f64x2.extract_lane(gHi, 0) + f64x2.extract_lane(gHi, 1);
    totalGX += f64x2.extract_lane(gxLo, 0) + f64x2.extract_lane(gxLo, 1) +
      f64x2.extract_lane(gxHi, 0) + f64x2.extract_lane(gxHi, 1);
    const totalGXhat = totalGX * invStd;
    store<f32>(sumG + at, <f32>totalG);
    store<f32>(sumGXhat + at, <f32>totalGXhat);
    if (gradInput == 0) continue;
    const k = <f32>(invStd * <f64>channelValue(weight, c, 1));
    // training: gradInput = k·(g − meanG − (x − mean)·slope), slope = invStd·sumGXhat / M
    const meanG = training != 0 ? <f32>(totalG / count) : 0;
    const slope = training != 0 ? <f32>(invStd * totalGXhat / count) : 0;
    const muF = <f32>mu;
    const kV = f32x4.splat(k);
    const meanGV = f32x4.splat(meanG);
    const slopeV = f32x4.splat(slope);
    const muV = f32x4.splat(muF);
    for (let n = 0; n < N; n++) {
      const gRow = g + offset + <usize>n * channelStride;
      const xRow = x + offset + <usize>n * channelStride;
      const dst = gradInput + offset + <usize>n * channelStride;
      let i = 0;
      if (training != 0) {
        for (; i + 4 <= L; i += 4) {
          const o = <usize>i << 2;
          const centered = f32x4.sub(v128.load(xRow + o), muV);
          const inner = f32x4.sub(f32x4.sub(v128.load(gRow + o), meanGV), f32x4.mul(centered, slopeV));
          v128.store(dst + o, f32x4.mul(kV, inner));
        }
        for (; i < L; i++) {
          const o = <usize>i << 2;
          const centered = load<f32>(xRow + o) - muF;
          store<f32>(dst + o, k * (load<f32>(gRow + o) - meanG - centered * slope));
        }
      } else {
        for (; i + 4 <= L; i += 4) {
          const o = <usize>i << 2;
          v128.store(dst + o, f32x4.mul(kV, v128.load(gRow + o)));
        }
        for (; i < L; i++) {
          const o = <usize>i << 2;
          store<f32>(dst + o, k * load<f32>(gRow + o));
        }
      }
    }
  }
}

/**
 * Dropout's mask from uniform draws in [0, 1): mask[i] = uniform[i] ≥ p ? scale : 0, i < n, so an
 * element survives with probability 1 − p (mask may be uniform itself, for an in-place update).
 * @splitElements n: uniform, mask
 */
export function dropoutMaskF32(uniform: usize, mask: usize, n: i32, p: f32, scale: f32): void {
  const pV = f32x4.splat(p);
  const scaleV = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(mask + o, v128.and(f32x4.ge(v128.load(uniform + o), pV), scaleV));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(mask + o, load<f32>(uniform + o) >= p ? scale : 0);
  }
}
