/**
 * What the MNIST examples share: training a classifier on MNIST with test-set validation, and a
 * picture of the digits it gets wrong.
 */
import {
  data,
  DataLoader,
  F,
  nn,
  noGrad,
  type optim,
  type Tensor,
  tensor,
  TensorDataset,
  train,
  viz,
} from "../../runtime/mod.ts";
import { liveCallbacks } from "./live_flag.ts";

/** How much MNIST to use and how to batch it. */
export interface MnistFitOptions {
  epochs: number;
  batchSize: number;
  /** Batch size of the validation pass (memory, not results). */
  validationBatchSize: number;
  /** Seed of the training loader's shuffle. */
  seed: number;
  progress: boolean;
  trainLimit?: number;
  testLimit?: number;
}

/** What a run gives back: the history, the final test accuracy and the test split. */
export interface MnistFitResult {
  history: train.History;
  accuracy: number;
  test: data.MnistSplit;
}

/**
 * Fits `model` on normalised MNIST with cross-entropy, validating on the test split each epoch
 * (loading the data draws no random numbers, so a model made just before keeps its seeded start).
 * With `--live` among the process's arguments, the live training page shows the run.
 */
export async function fitOnMnist(
  model: nn.Module,
  optimizer: optim.Optimizer,
  options: MnistFitOptions,
): Promise<MnistFitResult> {
  const trainSplit = await data.mnistSplit("train", { limit: options.trainLimit, normalize: true });
  const test = await data.mnistSplit("test", { limit: options.testLimit, normalize: true });
  const history = await train.fit(model, {
    data: new DataLoader(new TensorDataset(trainSplit.images, trainSplit.labels), {
      batchSize: options.batchSize,
      shuffle: true,
      seed: options.seed,
    }),
    validation: new DataLoader(new TensorDataset(test.images, test.labels), {
      batchSize: options.validationBatchSize,
    }),
    loss: (out, target) => F.crossEntropy(out, target),
    optimizer,
    epochs: options.epochs,
    metrics: ["accuracy"],
    progress: options.progress,
    // RSS and wasm memory after each epoch: flat across epochs (W2's memory goal).
    callbacks: [...(options.progress ? [train.memoryLog()] : []), ...(await liveCallbacks())],
  });
  const accuracies = history.series("val_accuracy");
  return { history, accuracy: accuracies[accuracies.length - 1], test };
}

/**
 * Predicted classes of images [N, 1, 28, 28], a batch at a time: the whole test split at once
 * would need about a gigabyte for the CNN's first layer.
 */
export function predict(model: nn.Module, images: Tensor, batchSize = 500): Int32Array {
  const n = images.shape[0];
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    out.set(
      noGrad(() => F.argmax(model(F.narrow(images, 0, start, count)), 1)).data(),
      start,
    );
  }
  return out;
}

/** A PNG grid of the first misclassified test digits, captioned "predicted (true)". */
export async function plotMistakes(
  model: nn.Module,
  test: data.MnistSplit,
  path: `${string}.png`,
): Promise<number> {
  model.eval();
  const predicted = predict(model, test.images);
  const truth = test.labels.data();
  const wrong = [...predicted.keys()].filter((i) => predicted[i] !== truth[i]).slice(0, 64);
  if (wrong.length > 0) {
    const index = tensor(Int32Array.from(wrong), { dtype: "int32" });
    const images = noGrad(() => F.indexSelect(test.images, 0, index));
    await viz.plotImageGrid(images, path, {
      columns: 8,
      labels: wrong.map((i) => `${predicted[i]} (${truth[i]})`),
    });
  }
  return wrong.length;
}
