/** The Iris example: the split, the one-hot NLL against crossEntropy, and what the models reach. */
import assert from "node:assert/strict";
import { F, metrics, randn, tensor } from "../runtime/mod.ts";
import {
  IRIS_SPECIES,
  loadIris,
  oneHotNll,
  stratifiedSplit,
  trainOneAgainstRest,
  trainSoftmax,
} from "../scripts/examples/iris.ts";

const ints = (values: number[]) => tensor(Int32Array.from(values), { dtype: "int32" });

Deno.test("stratifiedSplit: each class keeps its share, rows are disjoint and all used", () => {
  const labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2];
  const { train, test } = stratifiedSplit(labels, 0.4, 3);
  // round(5·0.4) = 2 zeros, round(10·0.4) = 4 ones, round(2·0.4) = 1 two
  const countOf = (rows: number[], c: number) => rows.filter((i) => labels[i] === c).length;
  assert.deepEqual([0, 1, 2].map((c) => countOf(test, c)), [2, 4, 1]);
  assert.deepEqual([...train, ...test].sort((a, b) => a - b), labels.map((_, i) => i));
  assert.deepEqual(stratifiedSplit(labels, 0.4, 3), { train, test }, "same seed, same split");
  assert.throws(() => stratifiedSplit(labels, 1, 0), /testFraction must lie strictly between/);
});

Deno.test("loadIris: 105/45 flowers, 35/15 per species, training features standardised", () => {
  const split = loadIris();
  assert.deepEqual(split.xTrain.shape, [105, 4]);
  assert.deepEqual(split.xTest.shape, [45, 4]);
  const counts = (labels: Int32Array) => [0, 1, 2].map((c) => labels.filter((l) => l === c).length);
  assert.deepEqual(counts(split.yTrain.data() as Int32Array), [35, 35, 35]);
  assert.deepEqual(counts(split.yTest.data() as Int32Array), [15, 15, 15]);
  const means = F.mean(split.xTrain, 0).toArray() as number[];
  const variances = F.var(split.xTrain, 0, { correction: 0 }).toArray() as number[];
  means.forEach((m, i) => assert.ok(Math.abs(m) < 1e-5, `feature ${i} mean ${m}`));
  variances.forEach((v, i) => assert.ok(Math.abs(v - 1) < 1e-4, `feature ${i} variance ${v}`));
  assert.deepEqual(IRIS_SPECIES, ["setosa", "versicolor", "virginica"]);
});

Deno.test("oneHotNll: equals crossEntropy in value and gradient; log 3 at zero logits", () => {
  const labels = ints([2, 0, 1, 1, 0, 2]);
  const oneHot = tensor(
    [2, 0, 1, 1, 0, 2].map((label) => [0, 1, 2].map((c) => (c === label ? 1 : 0))),
  );
  const logits = randn([6, 3], { std: 3, requiresGrad: true });
  const nll = oneHotNll(logits, oneHot);
  nll.backward();
  const nllGrad = logits.grad!.data().slice();
  logits.grad = null;
  const crossEntropy = F.crossEntropy(logits, labels);
  crossEntropy.backward();
  const crossEntropyGrad = logits.grad!.data();
  assert.ok(
    Math.abs(nll.item() - crossEntropy.item()) <= 1e-6 * crossEntropy.item(),
    `${nll.item()} vs ${crossEntropy.item()}`,
  );
  nllGrad.forEach((g, i) =>
    assert.ok(Math.abs(g - crossEntropyGrad[i]) < 1e-6, `grad ${i}: ${g} vs ${crossEntropyGrad[i]}`)
  );
  const atZero = oneHotNll(tensor([[0, 0, 0], [0, 0, 0]]), tensor([[1, 0, 0], [0, 0, 1]]));
  assert.ok(Math.abs(atZero.item() - Math.log(3)) < 1e-6, `${atZero.item()} vs log 3`);
});

Deno.test("softmax regression: ≥ 90% test accuracy; its one-hot NLL is its crossEntropy", async () => {
  const { report, testLoss, history } = await trainSoftmax(loadIris(), { epochs: 200 });
  assert.ok(report.accuracy >= 0.9, `test accuracy ${report.accuracy}`);
  assert.ok(report.f1 >= 0.9, `macro F1 ${report.f1}`);
  assert.equal(report.confusion.total, 45);
  assert.ok(
    Math.abs(testLoss.oneHotNll - testLoss.crossEntropy) <= 1e-6 * testLoss.crossEntropy,
    `${testLoss.oneHotNll} vs ${testLoss.crossEntropy}`,
  );
  const losses = history.series("loss");
  assert.ok(losses[losses.length - 1] < 0.25 * losses[0], `loss ${losses[0]} → ${losses.at(-1)}`);
});

Deno.test("one against the rest: setosa perfect, virginica ≥ 90%, versicolor above chance", async () => {
  const split = loadIris();
  const setosa = await trainOneAgainstRest(split, 0, { epochs: 200 });
  assert.equal(setosa.report.accuracy, 1, "setosa is linearly separable");
  assert.equal(setosa.report.auc, 1);
  const virginica = await trainOneAgainstRest(split, 2, { epochs: 200 });
  assert.ok(virginica.report.accuracy >= 0.9, `virginica accuracy ${virginica.report.accuracy}`);
  // Versicolor lies between the other two: no line separates it, but its score still ranks.
  const versicolor = await trainOneAgainstRest(split, 1, { epochs: 200 });
  assert.ok(versicolor.report.auc >= 0.7, `versicolor AUC ${versicolor.report.auc}`);
  // The sweep at 0.5 is the report's operating point (accuracy there is a float32 mean).
  const [atHalf] = metrics.thresholdSweep(versicolor.probabilities, versicolor.targets, {
    thresholds: [0.5],
  });
  const { report } = versicolor;
  for (const name of ["accuracy", "precision", "recall", "f1"] as const) {
    assert.ok(Math.abs(atHalf[name] - report[name]) < 1e-6, `${name}: ${atHalf[name]}`);
  }
  assert.equal(atHalf.truePositives, report.confusion.get(1, 1));
  assert.equal(atHalf.falsePositives, report.confusion.get(0, 1));
});
