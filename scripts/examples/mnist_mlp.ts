/**
 * `deno task mnist-mlp`: W2 of DESIGN.md. An MLP 784-256-128-10 (ReLU) trained on MNIST with SGD
 * (momentum 0.9, lr 0.02, batch 128), test accuracy after each epoch; goal ≥ 98%. Writes the
 * training curves and a grid of misclassified test digits.
 *
 * Usage: `deno task mnist-mlp [epochs] [--live[=PORT]]` (default 12; seed 0 reaches 98.25%);
 * `--live` shows the run on the live training page (http://127.0.0.1:8001/live).
 */
import {
  type data,
  manualSeed,
  metrics,
  nn,
  noGrad,
  optim,
  type train,
  viz,
} from "../../runtime/mod.ts";
import { fitOnMnist, plotMistakes } from "./mnist_fit.ts";
import { exampleArgs } from "./live_flag.ts";

/** The W2 network. Input [N, 1, 28, 28] (or [N, 784]); output logits [N, 10]. */
export function mlp(): nn.Sequential {
  return new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Linear(256, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );
}

/** Trains the MLP; returns the model, its history and the final test accuracy. */
export async function trainMnistMlp(
  {
    epochs = 10,
    trainLimit,
    testLimit,
    seed = 0,
    progress = true,
    batchSize = 128,
    lr = 0.02,
    adam = false,
  }: {
    epochs?: number;
    /** Adam instead of SGD with momentum (for short runs). */
    adam?: boolean;
    lr?: number;
    batchSize?: number;
    trainLimit?: number;
    testLimit?: number;
    seed?: number;
    progress?: boolean;
  } = {},
): Promise<
  { model: nn.Sequential; history: train.History; accuracy: number; test: data.MnistSplit }
> {
  manualSeed(seed);
  const model = mlp();
  const optimizer = adam
    ? new optim.Adam(model.parameters(), { lr })
    : new optim.SGD(model.parameters(), { lr, momentum: 0.9 });
  const run = {
    epochs,
    batchSize,
    validationBatchSize: 1000,
    seed,
    progress,
    trainLimit,
    testLimit,
  };
  return { model, ...(await fitOnMnist(model, optimizer, run)) };
}

if (import.meta.main) {
  const epochs = Number(exampleArgs()[0] ?? 12);
  const { model, history, accuracy, test } = await trainMnistMlp({ epochs });
  console.log(
    `MNIST MLP 784-256-128-10: test accuracy ${(accuracy * 100).toFixed(2)}% (goal ≥ 98%)`,
  );
  const confusion = metrics.confusionMatrix(noGrad(() => model.call(test.images)), test.labels);
  console.log(
    `correct per digit 0-9: ${
      Array.from(confusion.counts).filter((_, i) => i % 11 === 0).join(" ")
    }`,
  );
  await Deno.mkdir("out", { recursive: true });
  await viz.plotHistory(history, "out/mnist_mlp_curves.png");
  const mistakes = await plotMistakes(model, test, "out/mnist_mlp_mistakes.png");
  console.log(
    `wrote out/mnist_mlp_curves.png and out/mnist_mlp_mistakes.png (${mistakes} mistakes shown)`,
  );
}
