/**
 * Checkpoint on improvement: calls a saving hook (e.g. the io module's save) whenever a monitored
 * value reaches a new best. A non-finite value never counts, and weights holding NaN or ±Infinity
 * are never handed to the hook: training stops with an error instead.
 */
import type { Module } from "../nn/module.ts";
import { firstNonFinite } from "../backend/kernels/fill.ts";
import type { Callback, TrainingContext } from "./callback.ts";
import type { EpochLog } from "./history.ts";
import { Monitor, type MonitorMode } from "./monitor.ts";
import { TrainingError } from "./errors.ts";
import { checkOptions } from "../options.ts";

/** Options of `checkpoint`. */
export interface CheckpointOptions {
  /** Saves the model; `fit` waits for it before the next epoch. */
  onImprovement: (epoch: number, model: Module, value: number) => void | Promise<void>;
  /** The value to watch (default "val_loss"). */
  monitor?: string;
  /** "min", "max", or "auto" (losses go down, metrics as they say). Default "auto". */
  mode?: MonitorMode;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
}

/** The checkpoint callback; `monitor.bestEpoch` is the epoch last saved. */
export class Checkpoint implements Callback {
  /** The watched series and its best value and epoch. */
  readonly monitor: Monitor;
  private readonly onImprovement: CheckpointOptions["onImprovement"];

  constructor(options: CheckpointOptions) {
    if (typeof options?.onImprovement !== "function") {
      throw new TypeError("checkpoint: onImprovement must be a function (epoch, model, value)");
    }
    checkOptions("checkpoint", options, {
      onImprovement: true,
      monitor: true,
      mode: true,
      minDelta: true,
    });
    this.onImprovement = options.onImprovement;
    this.monitor = new Monitor(
      "checkpoint",
      options.monitor ?? "val_loss",
      options.mode ?? "auto",
      options.minDelta ?? 0,
    );
  }

  onTrainStart(): void {
    this.monitor.best = NaN;
    this.monitor.bestEpoch = 0;
  }

  async onEpochEnd(context: TrainingContext, log: EpochLog): Promise<void> {
    const value = this.monitor.read(log);
    if (!this.monitor.update(value, log.epoch, context.metrics)) return;
    for (const [name, t] of context.model.stateDict()) {
      const at = firstNonFinite(t);
      if (at >= 0) {
        throw new TrainingError(
          `checkpoint: "${name}" holds ${t.data()[at]} at flat index ${at} after epoch ` +
            `${log.epoch} although ${this.monitor.monitor} is ${value}; not saving it, and ` +
            "stopping (the last checkpoint saved is the last good one)",
          log.epoch,
          0,
        );
      }
    }
    await this.onImprovement(log.epoch, context.model, value);
  }
}

/**
 * Saves the model each time `monitor` improves (never a model with a non-finite loss or weights).
 * @example
 * const saver = checkpoint({
 *   monitor: "val_accuracy",
 *   onImprovement: (epoch, model) => save(model, "out/best"),
 * });
 * await fit(model, { ..., callbacks: [saver] });
 */
export function checkpoint(options: CheckpointOptions): Checkpoint {
  return new Checkpoint(options);
}
