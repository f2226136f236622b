/**
 * Classification metrics of one set of predictions: accuracy, precision, recall, F1 and the
 * confusion matrix. Predictions may be logits or probabilities [N, C], int32 class indices [N], or
 * binary scores [N] / [N, 1] (probabilities, or logits with `fromLogits`); targets class indices,
 * 0/1 values or one-hot rows. Computed with tensor ops; only scalars and the C×C counts are copied.
 */
import type { Tensor } from "../tensor.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { eq } from "../ops/compare.ts";
import { mean } from "../ops/reduce.ts";
import {
  CLASSIFICATION_KEYS,
  type ClassificationOptions,
  classIndices,
  pairCounts,
} from "./labels.ts";
import {
  AVERAGE_KEYS,
  type AverageOptions,
  averageOptions,
  type ClassStatistic,
  ConfusionMatrix,
} from "./confusion_matrix.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of precision, recall and F1: how to read the predictions and how to average. */
export type ScoreOptions = ClassificationOptions & AverageOptions;

/** The keys of ScoreOptions. */
export const SCORE_KEYS: OptionKeys<ScoreOptions> = { ...CLASSIFICATION_KEYS, ...AVERAGE_KEYS };

/**
 * The fraction of samples whose predicted class is the target class (NaN for no samples).
 * @example accuracy(logits, labels) // logits [N, C], labels int32 [N]
 */
export function accuracy(
  predictions: Tensor,
  targets: Tensor,
  options: ClassificationOptions = {},
): number {
  checkOptions("accuracy", options, CLASSIFICATION_KEYS);
  return noGrad(() => {
    const { predicted, actual } = classIndices("accuracy", predictions, targets, options);
    return predicted.size === 0 ? NaN : mean(eq(predicted, actual)).item();
  });
}

/**
 * Counts of (actual, predicted) class pairs.
 * @example
 * const matrix = confusionMatrix(logits, labels);
 * matrix.get(7, 1) // sevens taken for ones
 */
export function confusionMatrix(
  predictions: Tensor,
  targets: Tensor,
  options: ClassificationOptions = {},
): ConfusionMatrix {
  checkOptions("confusionMatrix", options, CLASSIFICATION_KEYS);
  return noGrad(() => {
    const indices = classIndices("confusionMatrix", predictions, targets, options);
    return new ConfusionMatrix(indices.numClasses, pairCounts(indices));
  });
}

function score(
  statistic: ClassStatistic,
  predictions: Tensor,
  targets: Tensor,
  options: ScoreOptions,
): number {
  checkOptions(statistic, options, SCORE_KEYS);
  return noGrad(() => {
    const indices = classIndices(statistic, predictions, targets, options);
    const matrix = new ConfusionMatrix(indices.numClasses, pairCounts(indices));
    return matrix.average(statistic, averageOptions(options));
  });
}

/**
 * TP / (TP + FP): of the samples predicted positive, the fraction that are. Binary by default for
 * two classes (positive label 1), macro-averaged for more.
 * @example precision(probabilities, labels, { threshold: 0.7 })
 */
export function precision(
  predictions: Tensor,
  targets: Tensor,
  options: ScoreOptions = {},
): number {
  return score("precision", predictions, targets, options);
}

/**
 * TP / (TP + FN): of the positive samples, the fraction found. Averaging as `precision`.
 * @example recall(logits, labels, { average: "macro" })
 */
export function recall(predictions: Tensor, targets: Tensor, options: ScoreOptions = {}): number {
  return score("recall", predictions, targets, options);
}

/**
 * The harmonic mean of precision and recall, 2·TP / (2·TP + FP + FN); the macro average is the
 * mean of the per-class F1 (as scikit-learn). Averaging as `precision`.
 * @example f1Score(binaryLogits, labels, { fromLogits: true }) // binaryLogits [N], labels 0/1
 */
export function f1Score(predictions: Tensor, targets: Tensor, options: ScoreOptions = {}): number {
  return score("f1", predictions, targets, options);
}
