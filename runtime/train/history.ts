/** The record of a training run: per-epoch losses and metrics, and the loss of every step. */

/** What one epoch produced. Epochs are numbered from 1. */
export interface EpochLog {
  /** 1 for the first epoch (continues from `initialEpoch` when resuming). */
  epoch: number;
  /** Training steps (batches) run in this epoch. */
  steps: number;
  /** Training samples seen in this epoch. */
  samples: number;
  /** Wall time of the epoch, validation included. */
  seconds: number;
  /**
   * "loss" (sample-weighted mean of the step losses), each metric by name, and with validation
   * data "val_loss" and "val_" + each metric.
   */
  values: Record<string, number>;
}

/** What one training step produced. */
export interface StepLog {
  /** The epoch, from 1. */
  epoch: number;
  /** The step within the epoch, from 1. */
  step: number;
  /** Steps since training began, from 1. */
  globalStep: number;
  /** The batch's loss. */
  loss: number;
  /** Samples in the batch. */
  samples: number;
  /**
   * Other named values of the step, e.g. a GAN's `d_loss` and `g_loss`. When given, the progress
   * bar shows their running means in place of the running loss.
   */
  values?: Readonly<Record<string, number>>;
}

/**
 * Losses and metrics of a run, as `fit` returns it.
 * @example
 * const history = await fit(model, { data, loss: F.crossEntropy, optimizer, epochs: 10 });
 * history.series("val_accuracy"); // one value per epoch
 * history.stepLosses;             // one value per step
 */
export class History {
  /** One log per completed epoch, in order. */
  readonly epochs: EpochLog[] = [];
  /** The training loss of every step, in order. */
  readonly stepLosses: number[] = [];

  /** The names of the recorded series ("loss", "accuracy", "val_loss", ...), in first-seen order. */
  names(): string[] {
    return [...new Set(this.epochs.flatMap((log) => Object.keys(log.values)))];
  }

  /** One value per epoch of a series (NaN for an epoch that lacks it). */
  series(name: string): number[] {
    if (this.epochs.length > 0 && !this.names().includes(name)) {
      throw new Error(
        `History: no series "${name}"; it has ${this.names().map((n) => `"${n}"`).join(", ")}`,
      );
    }
    return this.epochs.map((log) => log.values[name] ?? NaN);
  }

  /** The values of the last epoch (empty before the first). */
  last(): Record<string, number> {
    return { ...this.epochs.at(-1)?.values };
  }

  /** A plain object for JSON (epochs and step losses). */
  toJSON(): { epochs: EpochLog[]; stepLosses: number[] } {
    return { epochs: this.epochs, stepLosses: this.stepLosses };
  }
}
