/**
 * Turning what a classifier outputs, and what it is compared with, into class indices: logits or
 * probabilities [N, C] → argmax; int32 indices [N]; binary scores [N] or [N, 1] → above a threshold.
 * All with tensor ops; only a few scalars are read out (ranges and the number of classes).
 */
import type { Tensor } from "../tensor.ts";
import { arange } from "../ops/creation.ts";
import { eq, gt, ne } from "../ops/compare.ts";
import { argmax, max, min, sum } from "../ops/reduce.ts";
import { reshape, transpose, unsqueeze } from "../ops/shape_ops.ts";
import { matmul } from "../ops/matmul.ts";
import { formatShape } from "../shape.ts";
import type { OptionKeys } from "../options.ts";

/** How to read predictions: the threshold of binary scores, and whether they are logits. */
export interface ClassificationOptions {
  /**
   * A binary score above this probability counts as class 1 (default 0.5). With `fromLogits` the
   * threshold is still a probability; the logit it corresponds to is used.
   */
  threshold?: number;
  /** Binary scores are logits (before the sigmoid) rather than probabilities. Default false. */
  fromLogits?: boolean;
  /** The number of classes; inferred from the shapes or the largest index when omitted. */
  numClasses?: number;
}

/** The keys of ClassificationOptions (for the metrics' option checks). */
export const CLASSIFICATION_KEYS: OptionKeys<ClassificationOptions> = {
  threshold: true,
  fromLogits: true,
  numClasses: true,
};

/** Predicted and actual classes as float32 indices [N], and the number of classes. */
export interface ClassIndices {
  predicted: Tensor;
  actual: Tensor;
  numClasses: number;
}

function isBinaryShaped(t: Tensor): boolean {
  return t.ndim === 1 || (t.ndim === 2 && t.shape[1] === 1);
}

function flatIndices(t: Tensor): Tensor {
  const flat = reshape(t, [t.shape[0]]);
  return flat.dtype === "int32" ? flat.float() : flat;
}

function predictedClasses(op: string, p: Tensor, options: ClassificationOptions): Tensor {
  if (p.dtype === "int32" && isBinaryShaped(p)) return flatIndices(p);
  if (p.dtype === "float32" && p.ndim === 2 && p.shape[1] >= 2) return argmax(p, 1).float();
  if (p.dtype === "float32" && isBinaryShaped(p)) {
    const threshold = options.threshold ?? 0.5;
    if (!(threshold > 0 && threshold < 1)) {
      throw new RangeError(`${op}: threshold must lie strictly between 0 and 1, got ${threshold}`);
    }
    const cut = options.fromLogits ? Math.log(threshold / (1 - threshold)) : threshold;
    return gt(reshape(p, [p.shape[0]]), cut);
  }
  throw new Error(
    `${op}: predictions of shape ${formatShape(p.shape)} (${p.dtype}) are none of: class ` +
      "scores [N, C] (float32), class indices [N] (int32), binary scores [N] or [N, 1] (float32)",
  );
}

function actualClasses(op: string, t: Tensor): Tensor {
  if (t.dtype === "float32" && t.ndim === 2 && t.shape[1] >= 2) return argmax(t, 1).float();
  if (isBinaryShaped(t)) {
    const labels = flatIndices(t);
    if (t.dtype === "float32" && labels.size > 0 && sum(ne(labels, labels.int().float())).item()) {
      throw new Error(
        `${op}: float targets of shape ${formatShape(t.shape)} must hold whole class numbers ` +
          "(0, 1, 2, ...); pass int32 class indices or one-hot rows [N, C]",
      );
    }
    return labels;
  }
  throw new Error(
    `${op}: targets of shape ${formatShape(t.shape)} (${t.dtype}) are none of: class indices ` +
      "[N] or [N, 1], one-hot or probability rows [N, C]",
  );
}

/**
 * Reads predictions and targets as class indices. Call it inside a `noGrad` (or `scope`): the
 * tensors it returns are intermediates.
 */
export function classIndices(
  op: string,
  predictions: Tensor,
  targets: Tensor,
  options: ClassificationOptions = {},
): ClassIndices {
  if (predictions.ndim === 0 || targets.ndim === 0 || predictions.shape[0] !== targets.shape[0]) {
    throw new Error(
      `${op}: predictions ${formatShape(predictions.shape)} and targets ` +
        `${formatShape(targets.shape)} must have the same number of samples (first dim)`,
    );
  }
  const predicted = predictedClasses(op, predictions, options);
  const actual = actualClasses(op, targets);
  const widths = [predictions, targets].filter((t) => t.ndim === 2 && t.shape[1] >= 2);
  let numClasses = options.numClasses ?? (widths.length > 0 ? widths[0].shape[1] : 0);
  for (const other of widths) {
    if (other.shape[1] !== numClasses) {
      throw new Error(
        `${op}: predictions ${formatShape(predictions.shape)} and targets ` +
          `${formatShape(targets.shape)} disagree on the number of classes (${numClasses})`,
      );
    }
  }
  if (predicted.size === 0) return { predicted, actual, numClasses: Math.max(numClasses, 2) };
  const [lowest, highest] = [
    Math.min(min(predicted).item(), min(actual).item()),
    Math.max(max(predicted).item(), max(actual).item()),
  ];
  if (numClasses === 0) numClasses = Math.max(2, highest + 1);
  if (lowest < 0 || highest >= numClasses) {
    throw new RangeError(
      `${op}: class indices must lie in [0, ${numClasses - 1}], got values from ${lowest} to ` +
        `${highest}`,
    );
  }
  return { predicted, actual, numClasses };
}

/**
 * Counts of (actual, predicted) pairs, row-major [actual][predicted], computed as
 * one-hot(actual)ᵀ · one-hot(predicted) and copied out once.
 */
export function pairCounts(indices: ClassIndices): Float64Array {
  const { predicted, actual, numClasses } = indices;
  if (predicted.size === 0) return new Float64Array(numClasses * numClasses);
  const classes = arange(numClasses);
  const predictedOneHot = eq(unsqueeze(predicted, 1), classes);
  const actualOneHot = eq(unsqueeze(actual, 1), classes);
  return Float64Array.from(matmul(transpose(actualOneHot), predictedOneHot).data());
}
