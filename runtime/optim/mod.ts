/** Optimizers: SGD (momentum, Nesterov, weight decay), Adam and AdamW, on fused kernels. */
export { Optimizer, type OptimizerStateDict, type ParamState } from "./optimizer.ts";
export { SGD, type SGDOptions } from "./sgd.ts";
export { Adam, type AdamOptions, AdamW } from "./adam.ts";
