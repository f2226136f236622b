/** The threshold sweep and ROC AUC against counts worked out by hand (the table is in comments). */
import assert from "node:assert/strict";
import { tensor } from "../runtime/mod.ts";
import {
  accuracy,
  f1Score,
  precision,
  recall,
  rocAuc,
  type ThresholdPoint,
  thresholdSweep,
} from "../runtime/metrics/mod.ts";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: got ${actual}, expected ${expected}`);

// Four positives and four negatives, with ties at 0.8 (one of each) and 0.4 (one positive, two
// negatives). A sample is positive when its score is strictly above the threshold:
//
//  threshold │ TP FP TN FN │ precision recall  F1    accuracy  FPR
//  −∞        │  4  4  0  0 │ 1/2       1       2/3   1/2       1
//  0.1       │  4  3  1  0 │ 4/7       1       8/11  5/8       3/4
//  0.4       │  3  1  3  1 │ 3/4       3/4     3/4   6/8       1/4
//  0.6       │  2  1  3  2 │ 2/3       1/2     4/7   5/8       1/4
//  0.8       │  1  0  4  3 │ 1         1/4     2/5   5/8       0
//  0.9       │  0  0  4  4 │ 0 (0/0)   0       0     1/2       0
const scores = [0.9, 0.8, 0.8, 0.6, 0.4, 0.4, 0.4, 0.1];
const labels = [1, 1, 0, 1, 0, 1, 0, 0];
const table: [number, number[], number[]][] = [
  [-Infinity, [4, 4, 0, 0], [1 / 2, 1, 2 / 3, 1 / 2, 1]],
  [0.1, [4, 3, 1, 0], [4 / 7, 1, 8 / 11, 5 / 8, 3 / 4]],
  [0.4, [3, 1, 3, 1], [3 / 4, 3 / 4, 3 / 4, 6 / 8, 1 / 4]],
  [0.6, [2, 1, 3, 2], [2 / 3, 1 / 2, 4 / 7, 5 / 8, 1 / 4]],
  [0.8, [1, 0, 4, 3], [1, 1 / 4, 2 / 5, 5 / 8, 0]],
  [0.9, [0, 0, 4, 4], [0, 0, 0, 1 / 2, 0]],
];

function checkRow(point: ThresholdPoint, counts: number[], ratios: number[]): void {
  const at = `threshold ${point.threshold}`;
  assert.deepEqual(
    [point.truePositives, point.falsePositives, point.trueNegatives, point.falseNegatives],
    counts,
    `${at}: TP FP TN FN`,
  );
  const names = ["precision", "recall", "f1", "accuracy", "falsePositiveRate"] as const;
  names.forEach((name, i) => close(point[name], ratios[i], `${at}: ${name}`));
}

Deno.test("thresholdSweep: default thresholds are −∞ and every distinct score, values by hand", () => {
  const sweep = thresholdSweep(scores, labels);
  assert.deepEqual(sweep.map((p) => p.threshold), table.map(([t]) => t));
  sweep.forEach((point, i) => checkRow(point, table[i][1], table[i][2]));
});

Deno.test("thresholdSweep: given thresholds, edges and ties, in the order given", () => {
  const sweep = thresholdSweep(scores, labels, {
    thresholds: [0.85, 0.8, 2, -5, Infinity, 0.45, 0.399],
  });
  // 0.85 and 0.8 both leave only 0.9 above; 2 and +∞ nothing, −5 everything; 0.45 is 0.4's row
  // and 0.399 the row of 0.1 (all three 0.4 ties now above).
  checkRow(sweep[0], ...table[4].slice(1) as [number[], number[]]);
  checkRow(sweep[1], ...table[4].slice(1) as [number[], number[]]);
  checkRow(sweep[2], ...table[5].slice(1) as [number[], number[]]);
  checkRow(sweep[3], ...table[0].slice(1) as [number[], number[]]);
  checkRow(sweep[4], ...table[5].slice(1) as [number[], number[]]);
  checkRow(sweep[5], ...table[2].slice(1) as [number[], number[]]);
  checkRow(sweep[6], ...table[1].slice(1) as [number[], number[]]);
  assert.deepEqual(sweep.map((p) => p.threshold), [0.85, 0.8, 2, -5, Infinity, 0.45, 0.399]);
});

Deno.test("thresholdSweep: zeroDivision sets 0/0 (no predicted positives, no negatives)", () => {
  const [nothingPredicted] = thresholdSweep(scores, labels, { thresholds: [1], zeroDivision: 1 });
  assert.equal(nothingPredicted.precision, 1);
  assert.equal(nothingPredicted.recall, 0, "recall 0/4 is no 0/0");
  const [onlyPositives] = thresholdSweep([0.2, 0.7], [1, 1], {
    thresholds: [0.5],
    zeroDivision: Number.NaN,
  });
  assert.ok(Number.isNaN(onlyPositives.falsePositiveRate), "FPR of no negatives");
  close(onlyPositives.recall, 1 / 2, "recall");
  close(onlyPositives.precision, 1, "precision");
});

Deno.test("thresholdSweep on tensors agrees with precision/recall/f1Score/accuracy", () => {
  // float32 tensors: 0.8 is stored as fround(0.8), and the threshold 0.8 must leave it out as
  // the comparison kernel does.
  const probabilities = tensor(scores.map((s) => [s])); // [8, 1]
  const targets = tensor(Int32Array.from(labels), { dtype: "int32" });
  const thresholds = [0.05, 0.3, 0.4, 0.5, 0.8, 0.85];
  const sweep = thresholdSweep(probabilities, targets, { thresholds });
  sweep.forEach((point, i) => {
    const threshold = thresholds[i];
    close(point.precision, precision(probabilities, targets, { threshold }), `precision ${i}`);
    close(point.recall, recall(probabilities, targets, { threshold }), `recall ${i}`);
    close(point.f1, f1Score(probabilities, targets, { threshold }), `F1 ${i}`);
    close(point.accuracy, accuracy(probabilities, targets, { threshold }), `accuracy ${i}`);
  });
  checkRow(sweep[4], ...table[4].slice(1) as [number[], number[]]);
});

Deno.test("rocAuc: ties count one half; equals the trapezoids under the sweep's ROC points", () => {
  // Positive/negative pairs: 0.9 beats 4; 0.8 beats 3 and ties 1; 0.6 beats 3; 0.4 beats 1 and
  // ties 2: (4 + 3.5 + 3 + 2) / 16.
  close(rocAuc(scores, labels), 12.5 / 16, "AUC");
  const points = thresholdSweep(scores, labels).reverse(); // from (0, 0) to (1, 1)
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    area += (b.falsePositiveRate - a.falsePositiveRate) * (a.recall + b.recall) / 2;
  }
  close(area, 12.5 / 16, "trapezoidal area");
  close(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75, "doc example");
  close(rocAuc([3, 3, 3], [0, 1, 0]), 0.5, "all tied");
  close(rocAuc([-2, 5], tensor([0, 1])), 1, "perfect, tensor labels");
});

Deno.test("thresholdSweep and rocAuc: bad input gets a clear error", () => {
  assert.throws(() => thresholdSweep([0.1, 0.2], [1]), /2 scores but 1 labels/);
  assert.throws(() => thresholdSweep([0.1, 0.2], [1, 2]), /label 1 is 2; labels must be 0 or 1/);
  assert.throws(() => thresholdSweep([0.1, 0.2], [0.5, 1]), /label 0 is 0.5/);
  assert.throws(() => thresholdSweep([0.1, NaN], [0, 1]), /score 1 is NaN/);
  assert.throws(() => thresholdSweep(tensor([0.1, NaN]), [0, 1]), /score 1 is NaN/);
  assert.throws(() => thresholdSweep([], []), /no samples/);
  assert.throws(
    () => thresholdSweep([0.1, 0.2], [0, 1], { thresholds: [0.5, NaN] }),
    /threshold 1 is NaN/,
  );
  assert.throws(
    () => thresholdSweep(tensor([[0.1, 0.9]]), [1]),
    /scores must have shape \[N\] or \[N, 1\], got \[1, 2\]/,
  );
  assert.throws(() => rocAuc([0.1, 0.2], [1, 1]), /only class 1; .* both classes/);
  assert.throws(() => rocAuc([0.1, 0.2], [0, 0]), /only class 0/);
});
