/**
 * Exports of the pooling, normalisation and dropout kernels (assembly/pool.ts, assembly/norm.ts),
 * as TypeScript sees them. Pointers and sizes as in exports.ts: byte offsets of 4-byte-aligned f32
 * (or i32) arrays, element counts, and a range (planeStart..planeEnd, channelStart..channelEnd)
 * giving the slice of the output a call computes.
 *
 * Pooling works on planes [H, W]: an NCHW tensor is N·C planes. Window geometry is PyTorch's:
 * output (oh, ow) reads input rows oh·strideH − padH + i·dilationH, i < kH, and columns alike; taps
 * outside the input are skipped. The caller computes outH/outW (ceilMode included).
 *
 * Batch norm views x as [N, C, L] (L = H·W for images, 1 for [N, C]). Dropout and embedding reuse
 * the generator (randomUniformF32) and indexSelectF32/indexAddF32 of exports.ts.
 */
export interface NnExports {
  // ---- pooling (assembly/pool.ts) ----
  /**
   * Max pooling of planes planeStart..planeEnd of x [planes, H, W] into out [planes, outH, outW]
   * (a NaN in a window wins). indices (i32, out's shape), unless 0, gets the position h·W + w in
   * its plane of each window's maximum: the first in row-major scan order on ties, the last NaN if
   * the window has any; −1 for a window with no tap inside the input. Pass 0 when no gradient is
   * needed: the kernel is then a plain max.
   */
  maxPool2dF32(
    x: number,
    out: number,
    indices: number,
    H: number,
    W: number,
    outH: number,
    outW: number,
    kH: number,
    kW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    dilationH: number,
    dilationW: number,
    planeStart: number,
    planeEnd: number,
  ): void;
  /**
   * Backward of maxPool2dF32 for planes planeStart..planeEnd: zeroes gradInput
   * [planes, inputPlane] (inputPlane = H·W) and adds g[plane, o] at indices[plane, o]
   * (outputPlane = outH·outW entries per plane; −1 entries are skipped).
   */
  maxPool2dBackwardF32(
    g: number,
    indices: number,
    gradInput: number,
    inputPlane: number,
    outputPlane: number,
    planeStart: number,
    planeEnd: number,
  ): void;
  /**
   * Average pooling of planes planeStart..planeEnd of x [planes, H, W] into out
   * [planes, outH, outW]. A window's divisor is divisorOverride when nonzero, else its size
   * clipped to the padded input (countIncludePad = 1) or to the input (0); windows with no tap
   * inside the input give 0.
   */
  avgPool2dF32(
    x: number,
    out: number,
    H: number,
    W: number,
    outH: number,
    outW: number,
    kH: number,
    kW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    countIncludePad: number,
    divisorOverride: number,
    planeStart: number,
    planeEnd: number,
  ): void;
  /**
   * Backward of avgPool2dF32 for planes planeStart..planeEnd: zeroes gradInput [planes, H, W] and
   * adds g / divisor to the taps of every window (the forward's windows and divisors exactly).
   */
  avgPool2dBackwardF32(
    g: number,
    gradInput: number,
    H: number,
    W: number,
    outH: number,
    outW: number,
    kH: number,
    kW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    countIncludePad: number,
    divisorOverride: number,
    planeStart: number,
    planeEnd: number,
  ): void;
  /**
   * Adaptive average pooling of planes planeStart..planeEnd of x [planes, H, W] into out
   * [planes, outH, outW]: output row oh averages input rows floor(oh·H/outH) ..
   * ceil((oh+1)·H/outH) − 1 (columns alike).
   */
  adaptiveAvgPool2dF32(
    x: number,
    out: number,
    H: number,
    W: number,
    outH: number,
    outW: number,
    planeStart: number,
    planeEnd: number,
  ): void;
  /**
   * Backward of adaptiveAvgPool2dF32 for planes planeStart..planeEnd: zeroes gradInput
   * [planes, H, W] and adds g / (window size) to the taps of every window.
   */
  adaptiveAvgPool2dBackwardF32(
    g: number,
    gradInput: number,
    H: number,
    W: number,
    outH: number,
    outW: number,
    planeStart: number,
    planeEnd: number,
  ): void;

  // ---- batch norm and dropout (assembly/norm.ts) ----
  /**
   * Statistics of channels channelStart..channelEnd of x [N, C, L] (accumulated in f64): mean[c]
   * and the biased variance[c] over N·L values. runningMean / runningVar (0 for none) are updated
   * in place: running = (1 − momentum)·running + momentum·batch, with the unbiased variance
   * (·M/(M − 1), M = N·L) for runningVar.
   */
  batchNormStatsF32(
    x: number,
    mean: number,
    variance: number,
    runningMean: number,
    runningVar: number,
    momentum: number,
    N: number,
    C: number,
    L: number,
    channelStart: number,
    channelEnd: number,
  ): void;
  /**
   * out = (x − mean[c]) / sqrt(variance[c] + eps) · weight[c] + bias[c] for channels
   * channelStart..channelEnd of x [N, C, L]; weight and bias may be 0 (absent: 1 and 0).
   */
  batchNormForwardF32(
    x: number,
    mean: number,
    variance: number,
    weight: number,
    bias: number,
    out: number,
    eps: number,
    N: number,
    C: number,
    L: number,
    channelStart: number,
    channelEnd: number,
  ): void;
  /**
   * Backward of batch norm for channels channelStart..channelEnd, x and g [N, C, L], with
   * x̂ = (x − mean[c]) / sqrt(variance[c] + eps): writes sumG[c] = Σ g and sumGXhat[c] = Σ g·x̂
   * (the gradients of bias and weight), and, when gradInput is nonzero,
   * gradInput = weight[c]/sqrt(variance[c] + eps) · (g − (sumG[c] + x̂·sumGXhat[c]) / (N·L)) for
   * training = 1 (batch statistics), or weight[c]/sqrt(variance[c] + eps) · g for training = 0.
   * weight may be 0 (absent: 1).
   */
  batchNormBackwardF32(
    g: number,
    x: number,
    mean: number,
    variance: number,
    weight: number,
    gradInput: number,
    sumG: number,
    sumGXhat: number,
    eps: number,
    training: number,
    N: number,
    C: number,
    L: number,
    channelStart: number,
    channelEnd: number,
  ): void;
  /**
   * mask[i] = uniform[i] ≥ p ? scale : 0 for i < n (uniform draws in [0, 1), so an element
   * survives with probability 1 − p); mask may be uniform itself.
   */
  dropoutMaskF32(uniform: number, mask: number, n: number, p: number, scale: number): void;
}
