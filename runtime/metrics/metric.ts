/**
 * Metrics that accumulate over batches (for `fit` and `evaluate`): `reset`, `update` per batch,
 * `compute` at the end. Precision, recall and F1 sum a confusion matrix over the batches, so the
 * epoch value is that of the whole epoch, not a mean of per-batch values.
 */
import type { Tensor } from "../tensor.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { eq } from "../ops/compare.ts";
import { sum } from "../ops/reduce.ts";
import {
  CLASSIFICATION_KEYS,
  type ClassificationOptions,
  classIndices,
  pairCounts,
} from "./labels.ts";
import { averageOptions, type ClassStatistic, ConfusionMatrix } from "./confusion_matrix.ts";
import { SCORE_KEYS, type ScoreOptions } from "./classification.ts";
import { checkOptions } from "../options.ts";

/**
 * A metric computed over many batches. Write one to track anything per epoch.
 * @example
 * class MeanAbsoluteError implements Metric {
 *   readonly name = "mae";
 *   readonly higherIsBetter = false;
 *   private total = 0; private count = 0;
 *   reset() { this.total = 0; this.count = 0; }
 *   update(output: Tensor, target: Tensor) {
 *     this.total += noGrad(() => F.sum(F.abs(F.sub(output, target))).item());
 *     this.count += output.size;
 *   }
 *   compute() { return this.total / this.count; }
 * }
 */
export interface Metric {
  /** The key in logs and `History` ("accuracy"); validation values are named "val_" + name. */
  readonly name: string;
  /** Whether larger values are better (early stopping and checkpoints read it in "auto" mode). */
  readonly higherIsBetter: boolean;
  /** Forgets what was accumulated. */
  reset(): void;
  /** Adds one batch: the model's output and the target. */
  update(output: Tensor, target: Tensor): void;
  /** The value over everything since the last reset (NaN before any update). */
  compute(): number;
}

/** The names `fit` and `evaluate` accept in place of metric objects. */
export type MetricName = "accuracy" | "precision" | "recall" | "f1";

/** Options of the streaming metrics: how to read predictions, and an optional name. */
export type MetricOptions = ClassificationOptions & { name?: string };

/**
 * Accuracy over batches: counts correct predictions with tensor ops (one scalar read per batch).
 * @example await fit(model, { ..., metrics: [new Accuracy()] })
 */
export class Accuracy implements Metric {
  readonly name: string;
  readonly higherIsBetter = true;
  private correct = 0;
  private count = 0;
  constructor(private readonly options: MetricOptions = {}) {
    checkOptions("Accuracy", options, { ...CLASSIFICATION_KEYS, name: true });
    this.name = options.name ?? "accuracy";
  }
  reset(): void {
    this.correct = 0;
    this.count = 0;
  }
  update(output: Tensor, target: Tensor): void {
    this.correct += noGrad(() => {
      const { predicted, actual } = classIndices(this.name, output, target, this.options);
      return predicted.size === 0 ? 0 : sum(eq(predicted, actual)).item();
    });
    this.count += output.shape[0];
  }
  compute(): number {
    return this.correct / this.count;
  }
}

/** Precision, recall or F1 over batches, from a confusion matrix summed over them. */
export class ClassScore implements Metric {
  readonly name: string;
  readonly higherIsBetter = true;
  private matrix: ConfusionMatrix | null = null;
  constructor(
    readonly statistic: ClassStatistic,
    private readonly options: ScoreOptions & { name?: string } = {},
  ) {
    checkOptions(statistic, options, { ...SCORE_KEYS, name: true });
    this.name = options.name ?? statistic;
  }
  reset(): void {
    this.matrix = null;
  }
  update(output: Tensor, target: Tensor): void {
    const batch = noGrad(() => {
      const indices = classIndices(this.name, output, target, this.options);
      return new ConfusionMatrix(indices.numClasses, pairCounts(indices));
    });
    this.matrix = this.matrix === null ? batch : this.matrix.merge(batch);
  }
  compute(): number {
    if (this.matrix === null) return NaN;
    return this.matrix.average(this.statistic, averageOptions(this.options));
  }
  /** The confusion matrix summed since the last reset (null before any update). */
  get confusionMatrix(): ConfusionMatrix | null {
    return this.matrix;
  }
}

/** Precision over batches. @example new Precision({ average: "macro" }) */
export class Precision extends ClassScore {
  constructor(options: ScoreOptions & { name?: string } = {}) {
    super("precision", options);
  }
}

/** Recall over batches. @example new Recall({ positiveLabel: 0 }) */
export class Recall extends ClassScore {
  constructor(options: ScoreOptions & { name?: string } = {}) {
    super("recall", options);
  }
}

/** F1 over batches. @example new F1Score({ average: "macro" }) */
export class F1Score extends ClassScore {
  constructor(options: ScoreOptions & { name?: string } = {}) {
    super("f1", options);
  }
}

/** A metric object for a name or an object (objects are returned as they are). */
export function resolveMetric(metric: Metric | MetricName): Metric {
  if (typeof metric !== "string") return metric;
  switch (metric) {
    case "accuracy":
      return new Accuracy();
    case "precision":
      return new Precision();
    case "recall":
      return new Recall();
    case "f1":
      return new F1Score();
    default:
      throw new Error(
        `unknown metric "${metric}"; expected "accuracy", "precision", "recall", "f1" or a ` +
          "Metric object",
      );
  }
}
