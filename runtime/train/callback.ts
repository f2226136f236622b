/**
 * The callback interface of `fit`: hooks at the start and end of training, of each epoch and after
 * each step, all seeing the same `TrainingContext` (model, optimizer, history, and `stop()`).
 * Progress bars, early stopping, checkpoints and a live training page are callbacks.
 */
import type { Module } from "../nn/module.ts";
import type { Optimizer } from "../optim/optimizer.ts";
import type { Metric } from "../metrics/metric.ts";
import type { EpochLog, History, StepLog } from "./history.ts";

/** What a callback sees of the run. */
export interface TrainingContext {
  /** The model being trained. */
  readonly model: Module;
  /** Its optimizer. */
  readonly optimizer: Optimizer;
  /** Everything recorded so far. */
  readonly history: History;
  /** The metrics computed each epoch (for training and validation). */
  readonly metrics: readonly Metric[];
  /** Whether validation data was given (so "val_" values exist). */
  readonly hasValidation: boolean;
  /** The last epoch to run (fit's `epochs`). */
  readonly epochs: number;
  /** The current epoch, from 1 (the first epoch's number minus one before it starts). */
  readonly epoch: number;
  /** Batches in the current epoch, when the data source knows (an array, a DataLoader). */
  readonly stepsInEpoch: number | undefined;
  /** Why training is stopping (set by `stop`), or null. */
  readonly stopReason: string | null;
  /** The error that ended training, during `onTrainEnd` after a failure; else null. */
  readonly error: Error | null;
  /**
   * Ends training after the current step (from `onStepEnd`) or epoch (from `onEpochEnd`); the
   * epoch still gets its validation and `onEpochEnd`.
   */
  stop(reason: string): void;
}

/**
 * Hooks into `fit`. Each may return a promise, which `fit` awaits. Every hook is optional.
 * @example
 * const printer: Callback = {
 *   onEpochEnd(context, log) {
 *     console.log(`epoch ${log.epoch}: ${JSON.stringify(log.values)}`);
 *     if (log.values.loss < 1e-3) context.stop("loss below 1e-3");
 *   },
 * };
 * await fit(model, { ..., callbacks: [printer] });
 */
export interface Callback {
  /** Before the first epoch. */
  onTrainStart?(context: TrainingContext): void | Promise<void>;
  /** Before each epoch's first step. */
  onEpochStart?(context: TrainingContext): void | Promise<void>;
  /** After each step (the optimizer has updated the weights). */
  onStepEnd?(context: TrainingContext, step: StepLog): void | Promise<void>;
  /** After each epoch's training and validation, with its values (already in the history). */
  onEpochEnd?(context: TrainingContext, log: EpochLog): void | Promise<void>;
  /** At the end, also after an error (then `context.error` is set and fit rethrows it). */
  onTrainEnd?(context: TrainingContext): void | Promise<void>;
}
