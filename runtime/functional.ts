/**
 * `F`: the functional ops, as `torch.nn.functional` plus the tensor math, for models written
 * without modules. Every op records its gradient.
 * @example
 * import { F } from "./runtime/mod.ts";
 * const loss = F.crossEntropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), labels);
 */
export {
  abs,
  add,
  clamp,
  div,
  exp,
  log,
  log1p,
  mul,
  neg,
  pow,
  sign,
  sqrt,
  square,
  sub,
} from "./ops/arithmetic.ts";
export { eq, ge, gt, le, lt, maximum, minimum, ne, where } from "./ops/compare.ts";
export {
  amax,
  amin,
  argmax,
  argmin,
  logsumexp,
  max,
  mean,
  min,
  sum,
  variance as var,
  type VarianceOptions,
} from "./ops/reduce.ts";
export type { ClampBounds } from "./ops/arithmetic.ts";
export {
  cat,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  slice,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from "./ops/shape_ops.ts";
export { gather, indexSelect } from "./ops/indexing.ts";
export { indexAdd } from "./ops/index_add.ts";
export { sparseMatmul, type SparseMatrix } from "./ops/sparse_matmul.ts";
export { linear, matmul } from "./ops/matmul.ts";
export {
  elu,
  gelu,
  type GeluOptions,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  silu,
  softmax,
  softplus,
  type SoftplusOptions,
  tanh,
} from "./ops/activation.ts";
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from "./ops/loss.ts";
export type { HuberLossOptions, LossOptions, Reduction, SmoothL1LossOptions } from "./ops/loss.ts";
export {
  conv2d,
  type Conv2dOptions,
  convTranspose2d,
  type ConvTranspose2dOptions,
} from "./ops/conv.ts";
export * from "./ops/pool.ts";
export { erf } from "./ops/erf.ts";
export { pad, type PadMode } from "./ops/pad.ts";
export { cumsum, type CumsumOptions } from "./ops/cumsum.ts";
export { tril, triu } from "./ops/triangular.ts";
export * from "./ops/norm.ts";
export {
  gruCell,
  lstmCell,
  recurrent,
  type RecurrentMode,
  type RecurrentOptions,
  type RecurrentResult,
  type RecurrentWeights,
  rnnReluCell,
  rnnTanhCell,
} from "./ops/rnn.ts";
export {
  causalMask,
  scaledDotProductAttention,
  type ScaledDotProductAttentionOptions,
} from "./ops/attention.ts";
export { rmsNorm, type RmsNormOptions } from "./ops/rms_norm.ts";
export { type SinusoidalOptions, sinusoidalPositionalEncoding } from "./ops/positional.ts";
