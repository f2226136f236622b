/**
 * `fit`: the training loop. Each step runs in a memory scope (clear gradients, forward, loss,
 * backward, optimizer step), so live memory is back to its baseline after every step; each epoch
 * may end with validation in eval mode without the graph. Callbacks see every step and epoch.
 */
import type { Module } from "../nn/module.ts";
import type { Optimizer } from "../optim/optimizer.ts";
import { withGradMode } from "../autograd/grad_mode.ts";
import type { Metric, MetricName } from "../metrics/metric.ts";
import { batchCount, type Batches, batchSize, openBatches, scopedSteps } from "./batches.ts";
import type { Callback, TrainingContext } from "./callback.ts";
import { type EpochLog, History, type StepLog } from "./history.ts";
import { evaluateWith, type LossFunction, resolveMetrics, scalarLoss } from "./evaluate.ts";
import { progressBar, type ProgressOptions } from "./progress.ts";
import { TrainingError } from "./errors.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of `fit`. */
export interface FitOptions {
  /**
   * Training batches `{ x, y }` or `[x, y]`: an array, a DataLoader, a generator, or a function
   * returning one per epoch.
   */
  data: Batches;
  /** (model output, target) → scalar loss, e.g. `F.crossEntropy`. */
  loss: LossFunction;
  /** Updates the parameters after each backward pass. */
  optimizer: Optimizer;
  /** The number of the last epoch (epochs are numbered from 1). */
  epochs: number;
  /** Metrics computed each epoch on the training outputs and on the validation data. */
  metrics?: readonly (Metric | MetricName)[];
  /** Batches evaluated after each epoch (values "val_loss", "val_" + metric). */
  validation?: Batches;
  /** Hooks run in order, before the progress bar. */
  callbacks?: readonly Callback[];
  /** A progress bar on standard error (default true), its options, or false for silence. */
  progress?: boolean | ProgressOptions;
  /** Epochs already done (when resuming from a checkpoint): training runs initialEpoch+1..epochs. */
  initialEpoch?: number;
}

const FIT_KEYS: OptionKeys<FitOptions> = {
  data: true,
  loss: true,
  optimizer: true,
  epochs: true,
  metrics: true,
  validation: true,
  callbacks: true,
  progress: true,
  initialEpoch: true,
};

class Training implements TrainingContext {
  epoch: number;
  stepsInEpoch: number | undefined = undefined;
  stopReason: string | null = null;
  error: Error | null = null;
  readonly history = new History();
  constructor(
    readonly model: Module,
    readonly optimizer: Optimizer,
    readonly metrics: readonly Metric[],
    readonly hasValidation: boolean,
    readonly epochs: number,
    initialEpoch: number,
  ) {
    this.epoch = initialEpoch;
  }
  stop(reason: string): void {
    this.stopReason ??= reason;
  }
}

function clearGradients(model: Module, optimizer: Optimizer): void {
  model.zeroGrad();
  optimizer.zeroGrad();
}

function checkFitOptions(model: Module, options: FitOptions): number {
  checkOptions("fit", options, FIT_KEYS);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(options.epochs) || options.epochs < 1) {
    throw new RangeError(`fit: epochs must be an integer ≥ 1, got ${options.epochs}`);
  }
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= options.epochs) {
    throw new RangeError(
      `fit: initialEpoch must be an integer in [0, epochs − 1 = ${options.epochs - 1}], got ` +
        initialEpoch,
    );
  }
  if (typeof model?.call !== "function" || typeof model.parameters !== "function") {
    throw new TypeError("fit: the model must be an nn.Module");
  }
  if (typeof options.loss !== "function") {
    throw new TypeError("fit: loss must be a function (output, target) → scalar tensor");
  }
  if (typeof options.optimizer?.step !== "function") {
    throw new TypeError("fit: optimizer must be an optimizer (new optim.SGD(...), ...)");
  }
  return initialEpoch;
}

/**
 * Trains `model` for `epochs` epochs and returns the history of losses and metrics.
 * Throws a `TrainingError` naming the epoch and step when a loss is NaN or ±Infinity (before that
 * step's update is applied) or when a step fails; callbacks' `onTrainEnd` still runs.
 * @example
 * const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
 * const history = await fit(model, {
 *   data: [{ x: points, y: labels }],
 *   loss: F.crossEntropy,
 *   optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
 *   epochs: 50,
 *   metrics: ["accuracy"],
 *   callbacks: [earlyStopping({ monitor: "loss", patience: 5 })],
 * });
 * console.log(history.last()); // { loss: ..., accuracy: ... }
 */
export async function fit(model: Module, options: FitOptions): Promise<History> {
  const initialEpoch = checkFitOptions(model, options);
  const metrics = resolveMetrics("fit", options.metrics ?? []);
  const context = new Training(
    model,
    options.optimizer,
    metrics,
    options.validation !== undefined,
    options.epochs,
    initialEpoch,
  );
  const callbacks = [...(options.callbacks ?? [])];
  if (options.progress !== false) {
    callbacks.push(progressBar(options.progress === true ? {} : options.progress));
  }
  const wasTraining = model.training;
  try {
    for (const c of callbacks) await c.onTrainStart?.(context);
    while (context.epoch < options.epochs && context.stopReason === null) {
      context.epoch++;
      await runEpoch(context, options, callbacks);
    }
  } catch (error) {
    context.error = error instanceof Error ? error : new Error(String(error));
  } finally {
    model.train(wasTraining);
  }
  for (const c of callbacks) {
    try {
      await c.onTrainEnd?.(context);
    } catch (error) {
      context.error ??= error instanceof Error ? error : new Error(String(error));
    }
  }
  if (context.error !== null) throw context.error;
  return context.history;
}

async function runEpoch(
  context: Training,
  options: FitOptions,
  callbacks: readonly Callback[],
): Promise<void> {
  const { model, optimizer, metrics, history, epoch } = context;
  const started = performance.now();
  const source = openBatches(options.data, `fit: the data of epoch ${epoch}`);
  context.stepsInEpoch = batchCount(source);
  const total = context.stepsInEpoch === undefined ? "" : `/${context.stepsInEpoch}`;
  const where = (index: number) =>
    `fit: epoch ${epoch}/${options.epochs}, step ${index + 1}${total}`;
  model.train();
  for (const metric of metrics) metric.reset();
  for (const c of callbacks) await c.onEpochStart?.(context);

  let lossSum = 0, samples = 0, steps = 0;
  const training = scopedSteps(source, where, (batch, index) => {
    try {
      clearGradients(model, optimizer);
      const output = model.call(batch.x);
      const loss = options.loss(output, batch.y);
      const value = scalarLoss("fit", loss);
      if (!Number.isFinite(value)) {
        throw new TrainingError(
          `${where(index)}: the loss is ${value}; training stopped before applying this ` +
            "step's update (lower the learning rate, check the data for NaN/Inf, or clip the " +
            "gradients)",
          epoch,
          index + 1,
        );
      }
      loss.backward();
      optimizer.step();
      withGradMode(false, () => {
        for (const metric of metrics) metric.update(output, batch.y);
      });
      clearGradients(model, optimizer);
      return { loss: value, samples: batchSize(batch) };
    } catch (error) {
      if (error instanceof TrainingError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new TrainingError(`${where(index)}: ${message}`, epoch, index + 1, { cause: error });
    }
  });
  for await (const result of training) {
    steps++;
    samples += result.samples;
    lossSum += result.loss * result.samples;
    history.stepLosses.push(result.loss);
    const step: StepLog = {
      epoch,
      step: steps,
      globalStep: history.stepLosses.length,
      loss: result.loss,
      samples: result.samples,
    };
    for (const c of callbacks) await c.onStepEnd?.(context, step);
    if (context.stopReason !== null) break;
  }
  if (steps === 0) {
    throw new TrainingError(`fit: the data of epoch ${epoch} yielded no batches`, epoch, 0);
  }

  const values: Record<string, number> = { loss: lossSum / samples };
  for (const metric of metrics) values[metric.name] = metric.compute();
  if (options.validation !== undefined) {
    const validation = await evaluateWith("fit (validation)", model, options.validation, metrics, {
      loss: options.loss,
    });
    for (const [name, value] of Object.entries(validation)) values[`val_${name}`] = value;
    model.train();
  }
  const log: EpochLog = {
    epoch,
    steps,
    samples,
    seconds: (performance.now() - started) / 1000,
    values,
  };
  history.epochs.push(log);
  for (const c of callbacks) await c.onEpochEnd?.(context, log);
}
