/**
 * Exports of the convolution kernels (assembly/conv.ts): im2col and its adjoint col2im, which turn
 * conv2d and the transposed conv2d into GEMMs, and the bias broadcast that seeds a conv output.
 *
 * Geometry, shared by all three: a conv maps an input plane [channels, height, width] to an output
 * plane [outH, outW] per kernel tap (i, j): output (oh, ow) reads input
 * (oh·strideH − padH + i·dilationH, ow·strideW − padW + j·dilationW), zero outside the input.
 * padH/padW are the top/left padding; the bottom/right padding is whatever outH/outW imply.
 * cols is [channels·kernelH·kernelW, outH·outW] with row (c·kernelH + i)·kernelW + j, rows
 * colsStride floats apart (≥ outH·outW: one image's columns may sit in a wider matrix that holds
 * several images side by side).
 * Pointers are byte offsets of f32 arrays in linear memory; sizes are element counts; the arrays
 * must not overlap.
 */
export interface ConvExports {
  /**
   * Rows rowStart..rowEnd of cols from one image x [channels, height, width]:
   * cols[(c·kernelH + i)·kernelW + j, oh·outW + ow] = x[c, ih, iw] (the input position above),
   * or 0 where it falls in the padding. Floats between rows are left alone.
   */
  im2colF32(
    x: number,
    channels: number,
    height: number,
    width: number,
    kernelH: number,
    kernelW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    dilationH: number,
    dilationW: number,
    outH: number,
    outW: number,
    cols: number,
    colsStride: number,
    rowStart: number,
    rowEnd: number,
  ): void;
  /**
   * The adjoint of im2colF32 for channels channelStart..channelEnd of x [channels, height, width]:
   * x[c, ih, iw] = bias[c] + Σ of the cols entries im2colF32 would copy from x[c, ih, iw]
   * (overwrites x; bias is 0 for none, else a pointer to `channels` floats).
   */
  col2imF32(
    cols: number,
    colsStride: number,
    channels: number,
    height: number,
    width: number,
    kernelH: number,
    kernelW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    dilationH: number,
    dilationW: number,
    outH: number,
    outW: number,
    x: number,
    bias: number,
    channelStart: number,
    channelEnd: number,
  ): void;
  /**
   * out viewed as [rows, size], rows rowStart..rowEnd: out[r, p] = values[r % channels]
   * (a batch of [channels, size] planes filled with each channel's value, e.g. its bias).
   */
  broadcastChannelsF32(
    values: number,
    channels: number,
    size: number,
    out: number,
    rowStart: number,
    rowEnd: number,
  ): void;
}
