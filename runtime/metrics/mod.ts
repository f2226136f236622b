/**
 * Classification metrics: one-shot functions over a set of predictions (`accuracy`, `precision`,
 * `recall`, `f1Score`, `confusionMatrix`) and metrics that accumulate over batches for `fit`
 * (`Accuracy`, `Precision`, `Recall`, `F1Score`, or any object implementing `Metric`).
 * @example
 * import { metrics } from "./runtime/mod.ts";
 * metrics.accuracy(logits, labels);                       // logits [N, C], labels int32 [N]
 * metrics.f1Score(logits, labels, { average: "macro" });
 * metrics.precision(probabilities, targets, { threshold: 0.8 }); // binary, [N] in (0, 1)
 * console.log(metrics.confusionMatrix(logits, labels).toString());
 * metrics.thresholdSweep(probabilities, targets); // precision, recall, F1, ROC at every threshold
 */
export {
  accuracy,
  confusionMatrix,
  f1Score,
  precision,
  recall,
  type ScoreOptions,
} from "./classification.ts";
export {
  type Average,
  type AverageOptions,
  type ClassStatistic,
  ConfusionMatrix,
} from "./confusion_matrix.ts";
export type { ClassificationOptions } from "./labels.ts";
export {
  type BinaryValues,
  rocAuc,
  type ThresholdPoint,
  thresholdSweep,
  type ThresholdSweepOptions,
} from "./threshold_sweep.ts";
export {
  Accuracy,
  ClassScore,
  F1Score,
  type Metric,
  type MetricName,
  type MetricOptions,
  Precision,
  Recall,
  resolveMetric,
} from "./metric.ts";
