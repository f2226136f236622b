/**
 * Everything edgegrad offers, without loading the kernel module (for hosts that load it their
 * own way: edge workers import the .wasm as a module, browsers fetch it). Call `initBackend(module)`
 * before the first op. Under Deno, import `mod.ts` instead: it loads the kernels itself.
 */
import "./tensor_methods.ts";

export { type DType, type NestedArray, Storage, Tensor } from "./tensor.ts";
export {
  arange,
  type CreationOptions,
  eye,
  full,
  manualSeed,
  ones,
  onesLike,
  rand,
  randn,
  type RandnOptions,
  tensor,
  type TensorOptions,
  uniform,
  zeros,
  zerosLike,
} from "./ops/creation.ts";
export * as F from "./functional.ts";
export * as optim from "./optim/mod.ts";
export * as nn from "./nn/mod.ts";
export * as train from "./train/mod.ts";
export * as metrics from "./metrics/mod.ts";
export * as data from "./data/mod.ts";
export * as io from "./io/mod.ts";
export * as text from "./text/mod.ts";
export { DataLoader, type Dataset, TensorDataset } from "./data/mod.ts";
export {
  load,
  loadCheckpoint,
  loadSafetensors,
  save,
  saveCheckpoint,
  saveSafetensors,
} from "./io/mod.ts";
export {
  type Callback,
  checkpoint,
  earlyStopping,
  evaluate,
  fit,
  History,
  type TrainingContext,
  TrainingError,
} from "./train/mod.ts";
export { grad, type GradOptions, valueAndGrad } from "./autograd/functional.ts";
export { isGradEnabled, noGrad, withGradMode } from "./autograd/grad_mode.ts";
export { keep, scope } from "./backend/scope.ts";
export { toDot } from "./autograd/dot.ts";
export { gradcheck, GradcheckError, type GradcheckOptions } from "./autograd/gradcheck.ts";
export { IndexOutOfRange } from "./backend/kernels/gather.ts";
export { backend, hasBackend, initBackend } from "./backend/backend.ts";
export { numThreads, setNumThreads, threadsReady } from "./backend/threads/pool.ts";
export { type KernelBuild, supportsRelaxedSimd } from "./backend/module.ts";

import { backend } from "./backend/backend.ts";

/** Memory figures of the allocator: live bytes and blocks, peak, and linear memory reserved. */
export function memoryStats(): {
  liveBytes: number;
  liveBlocks: number;
  peakBytes: number;
  reservedBytes: number;
  memoryBytes: number;
} {
  const a = backend().allocator;
  return {
    liveBytes: a.liveBytes,
    liveBlocks: a.liveBlocks,
    peakBytes: a.peakBytes,
    reservedBytes: a.reservedBytes,
    memoryBytes: a.memoryBytes,
  };
}
