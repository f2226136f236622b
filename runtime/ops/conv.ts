/**
 * 2-D convolution and transposed convolution (PyTorch semantics, NCHW), each beside its gradients.
 * The two are adjoint linear maps: conv2d's input gradient is the transposed conv of the output
 * gradient, and the transposed conv's input gradient is the conv2d of its output gradient, both
 * with the same weight; no zero-stuffed copies are ever made (see runtime/backend/kernels/conv.ts).
 */
import type { Tensor } from "../tensor.ts";
import {
  channelSumKernel,
  conv2dAdjointKernel,
  conv2dKernel,
  conv2dWeightGradKernel,
  type ConvGeometry,
} from "../backend/kernels/conv.ts";
import { record } from "../autograd/engine.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { relu } from "./activation.ts";
import {
  conv2dGeometry,
  type Conv2dOptions,
  convTranspose2dGeometry,
  type ConvTranspose2dOptions,
} from "./conv_geometry.ts";

export {
  CONV2D_KEYS,
  type Conv2dOptions,
  CONV_TRANSPOSE2D_KEYS,
  type ConvTranspose2dOptions,
} from "./conv_geometry.ts";

/**
 * 2-D convolution (cross-correlation, as PyTorch): input [N, Cin, H, W] (or unbatched
 * [Cin, H, W]), weight [Cout, Cin/groups, kH, kW], bias [Cout] → [N, Cout, Hout, Wout] with
 * Hout = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (likewise Wout).
 * @example
 * const x = randn([64, 1, 28, 28]);
 * const w = randn([32, 1, 5, 5], { requiresGrad: true });
 * conv2d(x, w, null, { padding: "same" }); // [64, 32, 28, 28]
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  const g = conv2dGeometry(input, weight, bias, options);
  return convolution("conv2d", input, weight, bias, g, false);
}

/**
 * relu(conv2d(input, weight, bias, options)). When no gradient is recorded (inference), the GEMM
 * applies the ReLU as it stores the conv's output, which saves a pass over it and a tensor; the
 * result has the same bits as the two ops one after the other, which is what runs otherwise.
 * `nn.fuse` uses it for a Conv2d followed by a ReLU.
 */
export function conv2dRelu(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  const recording = isGradEnabled() &&
    (input.requiresGrad || weight.requiresGrad || bias?.requiresGrad === true);
  if (recording) return relu(conv2d(input, weight, bias, options));
  const g = conv2dGeometry(input, weight, bias, options);
  return unbatchedLike(conv2dKernel(input, weight, bias, g, true), input);
}

/**
 * 2-D transposed convolution (PyTorch's conv_transpose2d, the gradient of conv2d with respect to
 * its input): input [N, Cin, H, W] (or unbatched [Cin, H, W]), weight [Cin, Cout/groups, kH, kW],
 * bias [Cout] → [N, Cout, Hout, Wout] with
 * Hout = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1 (likewise Wout).
 * @example
 * const z = randn([64, 128, 7, 7]);
 * const w = randn([128, 64, 5, 5], { requiresGrad: true });
 * convTranspose2d(z, w, null, { stride: 2, padding: 2, outputPadding: 1 }); // [64, 64, 14, 14]
 */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  // The geometry of the conv that this op transposes: its input side is our output.
  const g = convTranspose2dGeometry(input, weight, bias, options);
  return convolution("convTranspose2d", input, weight, bias, g, true);
}

/**
 * conv2d (`transposed` false) or convTranspose2d (true) over the conv geometry `g`, with its
 * gradients. The two are adjoint linear maps, so each one's input gradient is the other one of
 * the output gradient with the same weight, and both weight gradients are the same correlation
 * of the conv side's input with the conv side's output (for the transposed op: dy and x).
 */
function convolution(
  op: string,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
  transposed: boolean,
): Tensor {
  const [forward, adjoint] = transposed
    ? [conv2dAdjointKernel, conv2dKernel]
    : [conv2dKernel, conv2dAdjointKernel];
  const out = unbatchedLike(forward(input, weight, bias, g), input);
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return record(out, op, inputs, (gradOut) => {
    // Linear in x: dx = adjoint(dy) with the same weight (Convᵀ for conv2d, Conv for its transpose).
    const gradInput = input.requiresGrad
      ? unbatchedLike(adjoint(gradOut, weight, null, g), input)
      : null;
    // dW[co, ci, i, j] = Σ_n Σ_p dy[n, co, p] · x[n, ci, p shifted by the tap (i, j)] over the
    // conv side's x and dy: for the transposed op, its output gradient and its input.
    const [x, dy] = transposed ? [gradOut, input] : [input, gradOut];
    const gradWeight = weight.requiresGrad ? conv2dWeightGradKernel(x, dy, g) : null;
    const channels = transposed ? g.inChannels : g.outChannels;
    const gradBias = bias?.requiresGrad ? channelSumKernel(gradOut, g.batch, channels) : null;
    return bias ? [gradInput, gradWeight, gradBias] : [gradInput, gradWeight];
  });
}

/**
 * The kernels see an unbatched [C, H, W] input as a batch of one (same memory); this drops that
 * batch dim from a kernel result when `like` is unbatched, and returns the result as is otherwise.
 */
function unbatchedLike(result: Tensor, like: Tensor): Tensor {
  if (like.ndim === 4) return result;
  const unbatched = result.alias(result.shape.slice(1));
  result.dispose();
  return unbatched;
}
