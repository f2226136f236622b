/**
 * `deno task optimizers`: one MLP (784-128-10, ReLU) on a subset of MNIST, trained from the same
 * initial weights on the same batches by SGD, SGD with momentum, Nesterov, Adagrad, RMSprop, Adam
 * and AdamW. Plots the loss of every step (a trailing mean, log scale) for all of them and prints a
 * table: final and best loss, steps to reach a loss, test accuracy and time.
 *
 * Usage: `deno task optimizers [epochs]` (default 4 epochs of 20,000 images, batch 64: 1,252
 * steps per optimizer).
 * Picture: out/optimizers/loss.{png,svg}.
 */
import {
  data,
  DataLoader,
  F,
  manualSeed,
  nn,
  optim,
  type Tensor,
  TensorDataset,
  train,
  viz,
} from "../../runtime/mod.ts";
import { exampleArgs, liveCallbacks } from "./live_flag.ts";

/** An optimizer of the comparison: its name, learning rate and how to make it. */
export interface OptimizerSpec {
  name: string;
  lr: number;
  make: (params: Tensor[], lr: number) => optim.Optimizer;
}

/**
 * The seven optimizers. Each learning rate gave the lowest training loss after the default run
 * (4 epochs, seed 0) among 1, 0.3, 0.1, ..., 0.001, 0.0003; AdamW takes Adam's rate and PyTorch's
 * default decoupled weight decay 0.01. Momentum 0.9; everything else PyTorch's defaults.
 */
export const OPTIMIZERS: readonly OptimizerSpec[] = [
  { name: "SGD", lr: 0.1, make: (p, lr) => new optim.SGD(p, { lr }) },
  { name: "momentum", lr: 0.03, make: (p, lr) => new optim.SGD(p, { lr, momentum: 0.9 }) },
  {
    name: "Nesterov",
    lr: 0.03,
    make: (p, lr) => new optim.SGD(p, { lr, momentum: 0.9, nesterov: true }),
  },
  { name: "Adagrad", lr: 0.03, make: (p, lr) => new optim.Adagrad(p, { lr }) },
  { name: "RMSprop", lr: 0.001, make: (p, lr) => new optim.RMSprop(p, { lr }) },
  { name: "Adam", lr: 0.003, make: (p, lr) => new optim.Adam(p, { lr }) },
  { name: "AdamW", lr: 0.003, make: (p, lr) => new optim.AdamW(p, { lr, weightDecay: 0.01 }) },
];

/** The network every optimizer trains. Input [N, 1, 28, 28]; output logits [N, 10]. */
export function comparisonMlp(): nn.Sequential {
  return new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );
}

/** Means over the last `window` values (fewer at the start), one per value. */
export function trailingMean(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`trailingMean: window must be a positive integer, got ${window}`);
  }
  let sum = 0;
  return values.map((v, i) => {
    sum += v - (i >= window ? values[i - window] : 0);
    return sum / Math.min(i + 1, window);
  });
}

/** How much data, how long, and what to report. */
export interface ComparisonOptions {
  epochs?: number;
  batchSize?: number;
  trainLimit?: number;
  testLimit?: number;
  /** Seed of the initial weights and of the batch order. */
  seed?: number;
  /** Steps in the trailing mean of the plotted and tabulated losses. */
  window?: number;
  /** "Steps to reach" counts steps until the trailing mean is at or below this loss. */
  lossThreshold?: number;
  optimizers?: readonly OptimizerSpec[];
}

/** One optimizer's run. */
export interface OptimizerRun {
  name: string;
  lr: number;
  /** The batch loss of every step. */
  stepLosses: number[];
  /** Their trailing mean over `window` steps. */
  smoothed: number[];
  /** The trailing mean at the last step, and its lowest value. */
  finalLoss: number;
  bestLoss: number;
  /** The first step whose trailing mean is ≤ lossThreshold, or null. */
  stepsToThreshold: number | null;
  /** Loss over the whole training subset after training. */
  trainLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** The runs, and the training subset's loss at the shared initial weights. */
export interface Comparison {
  runs: OptimizerRun[];
  initialTrainLoss: number;
  window: number;
  lossThreshold: number;
}

/**
 * Trains one copy of the MLP per optimizer: every copy starts from the same weights (one seeded
 * model's state dict, loaded into each) and sees the same batches in the same order.
 */
export async function compareOptimizers(options: ComparisonOptions = {}): Promise<Comparison> {
  const {
    epochs = 4,
    batchSize = 64,
    trainLimit = 20000,
    testLimit = 2000,
    seed = 0,
    window = 50,
    lossThreshold = 0.2,
    optimizers = OPTIMIZERS,
  } = options;
  const trainSplit = await data.mnistSplit("train", { limit: trainLimit, normalize: true });
  const test = await data.mnistSplit("test", { limit: testLimit, normalize: true });
  const trainSet = new TensorDataset(trainSplit.images, trainSplit.labels);
  const testBatches = new DataLoader(new TensorDataset(test.images, test.labels), {
    batchSize: 1000,
  });
  const wholeTrainSet = new DataLoader(trainSet, { batchSize: 1000 });
  const loss = (logits: Tensor, labels: Tensor) => F.crossEntropy(logits, labels);
  manualSeed(seed);
  const initial = comparisonMlp();
  const { loss: initialTrainLoss } = await train.evaluate(initial, wholeTrainSet, [], { loss });
  const runs: OptimizerRun[] = [];
  for (const spec of optimizers) {
    const model = comparisonMlp();
    model.loadStateDict(initial.stateDict());
    const started = performance.now();
    const history = await train.fit(model, {
      data: new DataLoader(trainSet, { batchSize, shuffle: true, seed }),
      loss,
      optimizer: spec.make(model.parameters(), spec.lr),
      epochs,
      callbacks: await liveCallbacks(),
      progress: false,
    });
    const seconds = (performance.now() - started) / 1000;
    const { accuracy } = await train.evaluate(model, testBatches, ["accuracy"]);
    const { loss: trainLoss } = await train.evaluate(model, wholeTrainSet, [], { loss });
    const smoothed = trailingMean(history.stepLosses, window);
    const reached = smoothed.findIndex((v) => v <= lossThreshold);
    runs.push({
      name: spec.name,
      lr: spec.lr,
      stepLosses: history.stepLosses,
      smoothed,
      finalLoss: smoothed[smoothed.length - 1],
      bestLoss: Math.min(...smoothed),
      stepsToThreshold: reached < 0 ? null : reached + 1,
      trainLoss,
      testAccuracy: accuracy,
      seconds,
    });
  }
  return { runs, initialTrainLoss, window, lossThreshold };
}

/** The comparison as a text table, one row per optimizer. */
export function comparisonTable(comparison: Comparison): string {
  const header = [
    "optimizer",
    "lr",
    "final loss",
    "best loss",
    `steps to ≤ ${comparison.lossThreshold}`,
    "train loss",
    "test acc.",
    "time (s)",
  ];
  const rows = comparison.runs.map((run) => [
    run.name,
    String(run.lr),
    run.finalLoss.toFixed(4),
    run.bestLoss.toFixed(4),
    run.stepsToThreshold === null ? "never" : String(run.stepsToThreshold),
    run.trainLoss.toFixed(4),
    `${(run.testAccuracy * 100).toFixed(2)}%`,
    run.seconds.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

if (import.meta.main) {
  const epochs = Number(exampleArgs()[0] ?? 4);
  const started = performance.now();
  const comparison = await compareOptimizers({ epochs });
  const steps = comparison.runs[0].stepLosses.length;
  console.log(
    `MLP 784-128-10 on 20,000 MNIST images, ${epochs} epochs of batch 64 (${steps} steps), same ` +
      `initial weights (training loss ${comparison.initialTrainLoss.toFixed(4)}) and batches ` +
      `for all; losses are trailing means over ${comparison.window} steps\n`,
  );
  console.log(comparisonTable(comparison));
  const series = comparison.runs.map((run): viz.LineSeries => ({
    name: `${run.name} (lr ${run.lr})`,
    y: run.smoothed,
    width: 1.5,
  }));
  const chart = {
    title: `loss per step, trailing mean over ${comparison.window} steps`,
    xLabel: "step",
    yLabel: "training loss",
    yScale: "log" as const,
  };
  await viz.plotLines(series, "out/optimizers/loss.png", chart);
  await viz.plotLines(series, "out/optimizers/loss.svg", chart);
  console.log(
    `\nwrote out/optimizers/loss.png and .svg (${
      ((performance.now() - started) / 1000).toFixed(1)
    } s in all)`,
  );
}
