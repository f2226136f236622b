/**
 * Training: `fit` (epochs of scoped steps, validation, metrics, a progress bar), `evaluate`, the
 * `History` it returns, and callbacks (`earlyStopping`, `checkpoint`, or any `Callback`).
 * @example
 * import { F, nn, optim, train } from "./runtime/mod.ts";
 * const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
 * const history = await train.fit(model, {
 *   data: () => loader,                    // yields [x, y] or { x, y }
 *   validation: testBatches,
 *   loss: F.crossEntropy,
 *   optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }),
 *   epochs: 20,
 *   metrics: ["accuracy", "f1"],
 *   callbacks: [train.earlyStopping({ patience: 3, restoreBestWeights: true })],
 * });
 */
export { fit, type FitOptions } from "./fit.ts";
export { evaluate, type EvaluateOptions, type LossFunction } from "./evaluate.ts";
export { type Batch, type Batches, type BatchLike, type BatchSource } from "./batches.ts";
export { type EpochLog, History, type StepLog } from "./history.ts";
export type { Callback, TrainingContext } from "./callback.ts";
export { TrainingError } from "./errors.ts";
export { EarlyStopping, earlyStopping, type EarlyStoppingOptions } from "./early_stopping.ts";
export { Checkpoint, checkpoint, type CheckpointOptions } from "./checkpoint.ts";
export { Monitor, type MonitorMode } from "./monitor.ts";
export { memoryLog, type MemoryLogOptions, type MemoryReading } from "./memory_log.ts";
export {
  formatDuration,
  ProgressBar,
  progressBar,
  type ProgressOptions,
  type ProgressOutput,
} from "./progress.ts";
