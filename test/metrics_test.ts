/** Metrics against values computed by hand (the matrices are written out in the comments). */
import assert from "node:assert/strict";
import { memoryStats, type Tensor, tensor } from "../runtime/mod.ts";
import {
  Accuracy,
  accuracy,
  confusionMatrix,
  F1Score,
  f1Score,
  Precision,
  precision,
  Recall,
  recall,
} from "../runtime/metrics/mod.ts";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: got ${actual}, expected ${expected}`);

const ints = (values: number[]): Tensor => tensor(Int32Array.from(values), { dtype: "int32" });

// Three classes. Rows actual, columns predicted:
//        0 1 2
//   0 │  1 1 1
//   1 │  0 2 0
//   2 │  1 0 2
const actual = [0, 0, 1, 1, 2, 2, 2, 0];
const predicted = [0, 1, 1, 1, 2, 0, 2, 2];
/** Logits whose argmax is `predicted`, with distractors that are not one-hot. */
const logits = () =>
  tensor(predicted.map((p, i) => [0, 1, 2].map((c) => (c === p ? 2 : 0.3 * ((i + c) % 3)))));

Deno.test("multi-class: accuracy, macro/weighted/micro precision, recall and F1 by hand", () => {
  for (const predictions of [logits(), ints(predicted)]) {
    const targets = ints(actual);
    close(accuracy(predictions, targets), 5 / 8, "accuracy");
    // precision per class 1/2, 2/3, 2/3; recall 1/3, 1, 2/3; F1 2/5, 4/5, 2/3
    close(precision(predictions, targets), (1 / 2 + 2 / 3 + 2 / 3) / 3, "macro precision");
    close(recall(predictions, targets, { average: "macro" }), 2 / 3, "macro recall");
    close(f1Score(predictions, targets), (2 / 5 + 4 / 5 + 2 / 3) / 3, "macro F1");
    close(f1Score(predictions, targets, { average: "weighted" }), 0.6, "weighted F1");
    close(f1Score(predictions, targets, { average: "micro" }), 5 / 8, "micro F1");
    close(
      recall(predictions, targets, { average: "binary", positiveLabel: 2 }),
      2 / 3,
      "one vs rest",
    );
  }
});

Deno.test("confusion matrix: rows actual, columns predicted; one-hot targets read by argmax", () => {
  const oneHot = tensor(actual.map((a) => [0, 1, 2].map((c) => (c === a ? 1 : 0))));
  const matrix = confusionMatrix(logits(), oneHot);
  assert.deepEqual(matrix.toArray(), [[1, 1, 1], [0, 2, 0], [1, 0, 2]]);
  assert.equal(matrix.total, 8);
  assert.equal(matrix.falsePositives(0), 1);
  assert.equal(matrix.falseNegatives(0), 2);
  assert.match(matrix.toString(["cat", "dog", "eel"]), /dog │\s+0\s+2\s+0/);
});

// Binary, probabilities p and 0/1 targets; at threshold 0.5 the predictions are 1 0 1 0 1 0 1 0:
// TP 3 (0, 4, 6), FP 1 (2), FN 2 (3, 7), TN 2 (1, 5).
const probabilities = [0.9, 0.2, 0.6, 0.4, 0.8, 0.1, 0.7, 0.3];
const labels = [1, 0, 0, 1, 1, 0, 1, 1];

Deno.test("binary: threshold, positive label, logits and the counts by hand", () => {
  const p = tensor(probabilities), y = tensor(labels);
  assert.deepEqual(confusionMatrix(p, y).toArray(), [[2, 1], [2, 3]]);
  close(accuracy(p, y), 5 / 8, "accuracy");
  close(precision(p, y), 3 / 4, "precision");
  close(recall(p, y), 3 / 5, "recall");
  close(f1Score(p, y), 2 / 3, "F1");
  // At 0.65 the 0.6 is no longer positive: TP 3, FP 0, FN 2.
  close(precision(p, y, { threshold: 0.65 }), 1, "precision at 0.65");
  close(accuracy(p, y, { threshold: 0.65 }), 6 / 8, "accuracy at 0.65");
  // Class 0 as the positive one: predicted 0 at 1, 3, 5, 7 of which 1 and 5 are 0.
  close(precision(p, y, { positiveLabel: 0 }), 1 / 2, "precision of class 0");
  close(recall(p, y, { positiveLabel: 0 }), 2 / 3, "recall of class 0");
  const logitColumn = tensor(probabilities.map((q) => [Math.log(q / (1 - q))]));
  close(f1Score(logitColumn, ints(labels), { fromLogits: true }), 2 / 3, "F1 from logits");
  close(precision(tensor([0.1, 0.2]), tensor([1, 0])), 0, "no positive predictions → 0");
});

Deno.test("streaming metrics over two batches equal the metrics over all", () => {
  const all = logits(), targets = ints(actual);
  const streaming = [
    new Accuracy(),
    new Precision(),
    new Recall(),
    new F1Score({ name: "f1macro" }),
  ];
  for (const metric of streaming) {
    metric.reset();
    metric.update(all.slice(0, 0, 3), targets.slice(0, 0, 3));
    metric.update(all.slice(0, 3), targets.slice(0, 3));
  }
  const [acc, prec, rec, f1] = streaming.map((m) => m.compute());
  close(acc, accuracy(all, targets), "accuracy");
  close(prec, precision(all, targets), "precision");
  close(rec, recall(all, targets), "recall");
  close(f1, f1Score(all, targets), "F1");
  assert.equal(streaming[3].name, "f1macro");
  streaming[0].reset();
  assert.ok(Number.isNaN(streaming[0].compute()));
});

Deno.test("metrics free their intermediates and say what is wrong with their inputs", () => {
  const p = logits(), y = ints(actual);
  accuracy(p, y);
  const before = memoryStats().liveBytes;
  f1Score(p, y);
  confusionMatrix(p, y);
  assert.equal(memoryStats().liveBytes, before);
  assert.throws(() => accuracy(p, ints([0, 1])), /same number of samples/);
  assert.throws(() => accuracy(p, ints(actual.map((a) => a + 1))), /\[0, 2\].*to 3/);
  assert.throws(() => accuracy(tensor([0.2, 0.9]), tensor([0.5, 1])), /whole class numbers/);
  assert.throws(() => accuracy(tensor([[[1]]]), tensor([1])), /none of/);
  assert.throws(() => precision(tensor([0.2, 0.9]), tensor([0, 1]), { threshold: 1 }), /threshold/);
});
