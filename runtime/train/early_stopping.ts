/**
 * Early stopping: ends training when a monitored value stops improving, optionally restoring the
 * weights of the best epoch.
 */
import type { Tensor } from "../tensor.ts";
import type { Callback, TrainingContext } from "./callback.ts";
import type { EpochLog } from "./history.ts";
import { Monitor, type MonitorMode } from "./monitor.ts";
import { disposeState, snapshotState } from "./snapshot.ts";
import { checkOptions } from "../options.ts";

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /** The value to watch (default "val_loss"; "loss", "accuracy", "val_f1", ...). */
  monitor?: string;
  /** Stop after this many epochs in a row without improvement (default 5; 0 stops at the first). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** "min", "max", or "auto" (losses go down, metrics as they say). Default "auto". */
  mode?: MonitorMode;
  /**
   * Keep a copy of the weights of the best epoch and load it when training ends (stopped early,
   * finished, or failed). Default false.
   */
  restoreBestWeights?: boolean;
}

/** The early-stopping callback; after training it tells the best epoch and where it stopped. */
export class EarlyStopping implements Callback {
  /** The watched series and its best value and epoch. */
  readonly monitor: Monitor;
  /** The epoch at which it stopped training (0 if it did not). */
  stoppedEpoch = 0;
  private readonly patience: number;
  private readonly restoreBestWeights: boolean;
  private waited = 0;
  private bestState: Map<string, Tensor> | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    checkOptions("earlyStopping", options, {
      monitor: true,
      patience: true,
      minDelta: true,
      mode: true,
      restoreBestWeights: true,
    });
    this.patience = options.patience ?? 5;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new RangeError(`earlyStopping: patience must be an integer ≥ 0, got ${this.patience}`);
    }
    this.monitor = new Monitor(
      "earlyStopping",
      options.monitor ?? "val_loss",
      options.mode ?? "auto",
      options.minDelta ?? 0,
    );
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  onTrainStart(): void {
    this.waited = 0;
    this.stoppedEpoch = 0;
    this.monitor.best = NaN;
    this.monitor.bestEpoch = 0;
  }

  onEpochEnd(context: TrainingContext, log: EpochLog): void {
    const value = this.monitor.read(log);
    if (this.monitor.update(value, log.epoch, context.metrics)) {
      this.waited = 0;
      if (this.restoreBestWeights) {
        if (this.bestState !== null) disposeState(this.bestState);
        this.bestState = snapshotState(context.model);
      }
      return;
    }
    if (++this.waited >= this.patience) {
      this.stoppedEpoch = log.epoch;
      const best = Number.isNaN(this.monitor.best)
        ? "no finite value yet"
        : `best ${this.monitor.best.toPrecision(4)} at epoch ${this.monitor.bestEpoch}`;
      context.stop(
        `early stopping: ${this.monitor.monitor} did not improve for ${this.waited} epochs ` +
          `(${best})${this.bestState !== null ? "; restoring the best weights" : ""}`,
      );
    }
  }

  onTrainEnd(context: TrainingContext): void {
    if (this.bestState === null) return;
    context.model.loadStateDict(this.bestState);
    disposeState(this.bestState);
    this.bestState = null;
  }
}

/**
 * Stops training when `monitor` has not improved for `patience` epochs.
 * @example
 * const stopper = earlyStopping({ monitor: "val_loss", patience: 3, restoreBestWeights: true });
 * await fit(model, { data, validation, loss, optimizer, epochs: 100, callbacks: [stopper] });
 * console.log(stopper.monitor.bestEpoch, stopper.stoppedEpoch);
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}
