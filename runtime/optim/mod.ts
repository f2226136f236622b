/**
 * Optimizers on fused kernels (SGD with momentum/Nesterov/weight decay, Adam and AdamW with
 * optional AMSGrad, RMSprop, Adagrad), learning-rate schedulers (step, exponential, cosine) and
 * gradient clipping by norm, all following PyTorch's rules.
 */
export { Optimizer, type OptimizerStateDict, type ParamState } from "./optimizer.ts";
export { SGD, type SGDOptions } from "./sgd.ts";
export { Adam, type AdamOptions, AdamW } from "./adam.ts";
export { RMSprop, type RMSpropOptions } from "./rmsprop.ts";
export { Adagrad, type AdagradOptions } from "./adagrad.ts";
export {
  CosineAnnealingLR,
  ExponentialLR,
  LRScheduler,
  type SchedulerStateDict,
  StepLR,
} from "./lr_scheduler.ts";
export { clipGradNorm, type ClipGradNormOptions } from "./clip_grad.ts";
