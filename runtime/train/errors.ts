/** The error `fit` throws when a step fails or its loss is not finite. */

/**
 * A training step failed: the loss was NaN or ±Infinity, or an op threw. The message names the
 * epoch and step; `cause` holds the original error, if any.
 */
export class TrainingError extends Error {
  constructor(
    message: string,
    /** The epoch, from 1. */
    readonly epoch: number,
    /** The step within the epoch, from 1 (0 outside a step, e.g. in a callback). */
    readonly step: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "TrainingError";
  }
}
