/** Watching one value of the epoch logs for improvement (shared by early stopping and checkpoints). */
import type { Metric } from "../metrics/metric.ts";
import type { EpochLog } from "./history.ts";

/** Whether the monitored value should go down ("min"), up ("max"), or as its name says ("auto"). */
export type MonitorMode = "min" | "max" | "auto";

/** "auto": losses go down; a metric goes the way its `higherIsBetter` says; other names go down. */
export function resolveMode(
  monitor: string,
  mode: MonitorMode,
  metrics: readonly Metric[],
): "min" | "max" {
  if (mode !== "auto") return mode;
  const base = monitor.startsWith("val_") ? monitor.slice(4) : monitor;
  const metric = metrics.find((m) => m.name === base);
  return metric?.higherIsBetter ? "max" : "min";
}

/** The best value seen of one series and the epoch it came from. */
export class Monitor {
  /** The best value so far (NaN before the first finite one). */
  best = NaN;
  /** The epoch of the best value (0 before). */
  bestEpoch = 0;
  private direction: "min" | "max" | null = null;

  constructor(
    readonly owner: string,
    readonly monitor: string,
    readonly mode: MonitorMode,
    readonly minDelta: number,
  ) {
    if (!["min", "max", "auto"].includes(mode)) {
      throw new Error(`${owner}: mode must be "min", "max" or "auto", got "${mode}"`);
    }
    if (!(minDelta >= 0)) throw new RangeError(`${owner}: minDelta must be ≥ 0, got ${minDelta}`);
  }

  /** The monitored value in an epoch log; throws naming the values there are when it is absent. */
  read(log: EpochLog): number {
    const value = log.values[this.monitor];
    if (value === undefined) {
      const hint = this.monitor.startsWith("val_")
        ? " (pass validation data to fit, or monitor a training value)"
        : "";
      throw new Error(
        `${this.owner}: monitors "${this.monitor}" but epoch ${log.epoch} has only ` +
          `${Object.keys(log.values).map((n) => `"${n}"`).join(", ")}${hint}`,
      );
    }
    return value;
  }

  /**
   * Records `value` if it beats the best by more than minDelta (a non-finite value never does);
   * returns whether it did.
   */
  update(value: number, epoch: number, metrics: readonly Metric[]): boolean {
    this.direction ??= resolveMode(this.monitor, this.mode, metrics);
    if (!Number.isFinite(value)) return false;
    const better = Number.isNaN(this.best) ||
      (this.direction === "min"
        ? value < this.best - this.minDelta
        : value > this.best + this.minDelta);
    if (better) {
      this.best = value;
      this.bestEpoch = epoch;
    }
    return better;
  }
}
