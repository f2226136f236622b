/** Tensor-level calls of the fused optimizer updates (assembly/optim.ts), each in place. */
import { callKernel } from "../dispatch.ts";
import type { Tensor } from "../../tensor.ts";

/** One fused SGD update of `param` in place (PyTorch's rule; see bindings/optim.ts). */
export function sgdStepKernel(
  param: Tensor,
  grad: Tensor,
  momentumBuffer: Tensor | null,
  options: {
    lr: number;
    momentum: number;
    dampening: number;
    weightDecay: number;
    nesterov: boolean;
    firstStep: boolean;
  },
): void {
  callKernel(
    "sgdStepF32",
    param.ptr,
    grad.ptr,
    momentumBuffer?.ptr ?? 0,
    param.size,
    options.lr,
    options.momentum,
    options.dampening,
    options.weightDecay,
    options.nesterov ? 1 : 0,
    options.firstStep ? 1 : 0,
  );
}

/**
 * One fused Adam / AdamW update of `param` in place, with its moment buffers m and v, and with
 * AMSGrad when `vMax` (the running maximum of v) is given.
 */
export function adamStepKernel(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  vMax: Tensor | null,
  options: {
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    decoupled: boolean;
    step: number;
  },
): void {
  const scalars = [
    param.size,
    options.lr,
    options.beta1,
    options.beta2,
    options.eps,
    options.weightDecay,
    options.decoupled ? 1 : 0,
    1 - options.beta1 ** options.step,
    1 - options.beta2 ** options.step,
  ] as const;
  if (vMax === null) callKernel("adamStepF32", param.ptr, grad.ptr, m.ptr, v.ptr, ...scalars);
  else callKernel("adamAmsgradStepF32", param.ptr, grad.ptr, m.ptr, v.ptr, vMax.ptr, ...scalars);
}

/**
 * One fused RMSprop update of `param` in place. `gradAvg` is needed when centered,
 * `momentumBuffer` when momentum > 0 (null otherwise).
 */
export function rmspropStepKernel(
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor | null,
  momentumBuffer: Tensor | null,
  options: {
    lr: number;
    alpha: number;
    eps: number;
    weightDecay: number;
    momentum: number;
    centered: boolean;
  },
): void {
  callKernel(
    "rmspropStepF32",
    param.ptr,
    grad.ptr,
    squareAvg.ptr,
    gradAvg?.ptr ?? 0,
    momentumBuffer?.ptr ?? 0,
    param.size,
    options.lr,
    options.alpha,
    options.eps,
    options.weightDecay,
    options.momentum,
    options.centered ? 1 : 0,
  );
}

/** One fused Adagrad update of `param` in place, with its running sum of squared gradients. */
export function adagradStepKernel(
  param: Tensor,
  grad: Tensor,
  sum: Tensor,
  options: { lr: number; lrDecay: number; eps: number; weightDecay: number; step: number },
): void {
  callKernel(
    "adagradStepF32",
    param.ptr,
    grad.ptr,
    sum.ptr,
    param.size,
    options.lr,
    options.lrDecay,
    options.eps,
    options.weightDecay,
    options.step,
  );
}
