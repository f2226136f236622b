/** Evaluation: a model's loss and metrics over batches, in eval mode without recording the graph. */
import type { Tensor } from "../tensor.ts";
import type { Module } from "../nn/module.ts";
import { withGradMode } from "../autograd/grad_mode.ts";
import { type Metric, type MetricName, resolveMetric } from "../metrics/metric.ts";
import { type Batches, batchSize, openBatches, scopedSteps } from "./batches.ts";
import { checkOptions } from "../options.ts";

/** A loss: (model output, target) → a scalar tensor (mean over the batch). */
export type LossFunction = (output: Tensor, target: Tensor) => Tensor;

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Also report this loss (sample-weighted mean over batches) as "loss". */
  loss?: LossFunction;
}

/** Metric objects for names and objects, checking that their names are distinct and not "loss". */
export function resolveMetrics(owner: string, metrics: readonly (Metric | MetricName)[]): Metric[] {
  const resolved = metrics.map(resolveMetric);
  const names = new Set<string>();
  for (const metric of resolved) {
    if (metric.name === "loss" || metric.name.startsWith("val_") || names.has(metric.name)) {
      throw new Error(
        `${owner}: metric name "${metric.name}" is taken (names must be distinct, not "loss", ` +
          'not starting with "val_"); pass { name } to tell them apart',
      );
    }
    names.add(metric.name);
  }
  return resolved;
}

/** Checks that a loss function returned one value and reads it. */
export function scalarLoss(owner: string, loss: Tensor): number {
  if (loss?.size !== 1) {
    throw new Error(
      `${owner}: the loss function must return a scalar tensor, got ` +
        (loss?.shape ? `shape [${loss.shape.join(", ")}]` : String(loss)) +
        ' (use reduction "mean")',
    );
  }
  return loss.item();
}

/**
 * Loss and metrics of `model` over `data`, per sample (batches weighted by their size). Runs in
 * eval mode (dropout off, batch norm on running statistics) without recording the graph, one
 * memory scope per batch, and puts the model back in the mode it was in.
 * @example
 * const { loss, accuracy } = await evaluate(model, testBatches, ["accuracy"], { loss: F.crossEntropy });
 */
export async function evaluate(
  model: Module,
  data: Batches,
  metrics: readonly (Metric | MetricName)[] = [],
  options: EvaluateOptions = {},
): Promise<Record<string, number>> {
  checkOptions("evaluate", options, { loss: true });
  return await evaluateWith("evaluate", model, data, resolveMetrics("evaluate", metrics), options);
}

/** `evaluate` over already-resolved metrics, naming `owner` in errors. */
export async function evaluateWith(
  owner: string,
  model: Module,
  data: Batches,
  metrics: readonly Metric[],
  options: EvaluateOptions,
): Promise<Record<string, number>> {
  const wasTraining = model.training;
  model.eval();
  for (const metric of metrics) metric.reset();
  let lossSum = 0;
  let samples = 0;
  try {
    const source = openBatches(data, owner);
    const steps = scopedSteps(
      source,
      (i) => `${owner}: batch ${i + 1}`,
      (batch) =>
        withGradMode(false, () => {
          const output = model.call(batch.x);
          for (const metric of metrics) metric.update(output, batch.y);
          const n = batchSize(batch);
          return {
            n,
            loss: options.loss ? scalarLoss(owner, options.loss(output, batch.y)) * n : 0,
          };
        }),
    );
    for await (const { n, loss } of steps) {
      samples += n;
      lossSum += loss;
    }
  } finally {
    model.train(wasTraining);
  }
  const values: Record<string, number> = {};
  if (options.loss) values.loss = lossSum / samples;
  for (const metric of metrics) values[metric.name] = metric.compute();
  return values;
}
