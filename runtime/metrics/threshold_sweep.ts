/**
 * A binary classifier at many thresholds at once: the counts, precision, recall, F1, accuracy and
 * the ROC rates at each threshold, and the area under the ROC curve. The scores are sorted once and
 * every threshold is a binary search, so a sweep of T thresholds over N samples costs
 * O((N + T) log N). This is an evaluation tool, not a training-step one: it copies the scores out
 * of a tensor once and works in JS numbers (float64).
 */
import { Tensor } from "../tensor.ts";
import { formatShape } from "../shape.ts";
import { checkOptions } from "../options.ts";

/** Scores or labels: a tensor [N] or [N, 1], or plain numbers. */
export type BinaryValues = Tensor | ArrayLike<number>;

/** Options of `thresholdSweep`. */
export interface ThresholdSweepOptions {
  /**
   * The thresholds, in the scores' units; a sample is predicted positive when its score is
   * strictly above (as `precision(..., { threshold })`). Default: −Infinity (everything
   * positive), then every distinct score in increasing order (the last predicts nothing positive),
   * which visits every operating point the scores allow.
   */
  thresholds?: readonly number[];
  /** The value of a ratio whose denominator is 0 (default 0, as the other metrics). */
  zeroDivision?: number;
}

/** One operating point: the counts and the statistics at one threshold. */
export interface ThresholdPoint {
  /** Samples scoring strictly above it are predicted positive. */
  threshold: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  /** TP / (TP + FP). */
  precision: number;
  /** TP / (TP + FN), also the true-positive rate (the ROC curve's y). */
  recall: number;
  /** 2·TP / (2·TP + FP + FN). */
  f1: number;
  /** (TP + TN) / N. */
  accuracy: number;
  /** FP / (FP + TN), the ROC curve's x. */
  falsePositiveRate: number;
}

/** Scores sorted increasingly with the number of positives at or below each position. */
interface SortedScores {
  scores: Float64Array;
  /** Whether the scores came from a float32 tensor (thresholds are then compared in float32). */
  float32: boolean;
  /** positivesUpTo[i] = positives among the i lowest scores (length N + 1). */
  positivesUpTo: Float64Array;
  positives: number;
  negatives: number;
}

function valuesOf(op: string, what: string, values: BinaryValues): ArrayLike<number> {
  if (!(values instanceof Tensor)) return values;
  if (!(values.ndim === 1 || (values.ndim === 2 && values.shape[1] === 1))) {
    throw new Error(
      `${op}: ${what} must have shape [N] or [N, 1], got ${formatShape(values.shape)}`,
    );
  }
  return values.data();
}

function sortedScores(op: string, scores: BinaryValues, labels: BinaryValues): SortedScores {
  const scoreValues = valuesOf(op, "scores", scores);
  const labelValues = valuesOf(op, "labels", labels);
  if (scoreValues.length !== labelValues.length) {
    throw new Error(
      `${op}: ${scoreValues.length} scores but ${labelValues.length} labels; give one label ` +
        "per score",
    );
  }
  const n = scoreValues.length;
  if (n === 0) throw new Error(`${op}: no samples; give at least one score and label`);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scoreValues[i])) {
      throw new RangeError(`${op}: score ${i} is NaN; every score must be a number`);
    }
    if (labelValues[i] !== 0 && labelValues[i] !== 1) {
      throw new RangeError(
        `${op}: label ${i} is ${labelValues[i]}; labels must be 0 or 1 (for one class against ` +
          "the rest, compare the class indices with that class first)",
      );
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    scoreValues[a] - scoreValues[b] || a - b
  );
  const sorted = new Float64Array(n);
  const positivesUpTo = new Float64Array(n + 1);
  order.forEach((index, position) => {
    sorted[position] = scoreValues[index];
    positivesUpTo[position + 1] = positivesUpTo[position] + labelValues[index];
  });
  const positives = positivesUpTo[n];
  const float32 = scores instanceof Tensor && scores.dtype === "float32";
  return { scores: sorted, float32, positivesUpTo, positives, negatives: n - positives };
}

/** The number of sorted scores ≤ threshold (the first position whose score is above it). */
function countAtOrBelow(scores: Float64Array, threshold: number): number {
  let low = 0, high = scores.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (scores[middle] <= threshold) low = middle + 1;
    else high = middle;
  }
  return low;
}

function defaultThresholds(scores: Float64Array): number[] {
  const distinct = [-Infinity];
  for (const score of scores) if (score !== distinct[distinct.length - 1]) distinct.push(score);
  return distinct;
}

/**
 * Precision, recall, F1, accuracy and the ROC rates of binary scores at each threshold.
 * Scores are probabilities, logits or any ranking score [N] (a tensor [N] or [N, 1], or numbers);
 * labels 0/1. A sample counts as predicted positive when its score is strictly above the
 * threshold, so a row agrees with `precision(scores, labels, { threshold })` and the others.
 * @example
 * const probabilities = F.sigmoid(model.call(x));                    // [N, 1]
 * const sweep = thresholdSweep(probabilities, y, { thresholds: [0.3, 0.5, 0.7] });
 * sweep.map((p) => `${p.threshold}: precision ${p.precision}, recall ${p.recall}`);
 */
export function thresholdSweep(
  scores: BinaryValues,
  labels: BinaryValues,
  options: ThresholdSweepOptions = {},
): ThresholdPoint[] {
  checkOptions("thresholdSweep", options, { thresholds: true, zeroDivision: true });
  const sorted = sortedScores("thresholdSweep", scores, labels);
  const thresholds = options.thresholds ?? defaultThresholds(sorted.scores);
  const zeroDivision = options.zeroDivision ?? 0;
  const ratio = (numerator: number, denominator: number) =>
    denominator === 0 ? zeroDivision : numerator / denominator;
  const n = sorted.scores.length;
  return thresholds.map((threshold, i) => {
    if (typeof threshold !== "number" || Number.isNaN(threshold)) {
      throw new RangeError(`thresholdSweep: threshold ${i} is ${threshold}; give numbers`);
    }
    // As the comparison kernels do: a float32 score equal to fround(threshold) is not above it.
    const below = countAtOrBelow(
      sorted.scores,
      sorted.float32 ? Math.fround(threshold) : threshold,
    );
    const falseNegatives = sorted.positivesUpTo[below];
    const trueNegatives = below - falseNegatives;
    const truePositives = sorted.positives - falseNegatives;
    const falsePositives = n - below - truePositives;
    return {
      threshold,
      truePositives,
      falsePositives,
      trueNegatives,
      falseNegatives,
      precision: ratio(truePositives, truePositives + falsePositives),
      recall: ratio(truePositives, sorted.positives),
      f1: ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives),
      accuracy: (truePositives + trueNegatives) / n,
      falsePositiveRate: ratio(falsePositives, sorted.negatives),
    };
  });
}

/**
 * The area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting one half (the Mann–Whitney U statistic over positives × negatives, from
 * mid-ranks). Equals the trapezoidal area under the points of `thresholdSweep` with its default
 * thresholds. Both classes must occur.
 * @example rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) // 0.75
 */
export function rocAuc(scores: BinaryValues, labels: BinaryValues): number {
  const sorted = sortedScores("rocAuc", scores, labels);
  if (sorted.positives === 0 || sorted.negatives === 0) {
    throw new RangeError(
      `rocAuc: the labels hold only class ${sorted.positives === 0 ? 0 : 1}; the area under ` +
        "the ROC curve needs samples of both classes",
    );
  }
  // Sum of the positives' ranks (1-based, ties sharing their mean rank).
  let rankSum = 0;
  const n = sorted.scores.length;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && sorted.scores[end] === sorted.scores[start]) end++;
    const positivesInTie = sorted.positivesUpTo[end] - sorted.positivesUpTo[start];
    rankSum += positivesInTie * (start + 1 + end) / 2;
    start = end;
  }
  const { positives, negatives } = sorted;
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}
