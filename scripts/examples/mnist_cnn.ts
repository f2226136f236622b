/**
 * `deno task mnist-cnn`: W3 of DESIGN.md. A CNN (conv 5×5 32, max-pool 2, conv 5×5 64, max-pool 2,
 * dense 128, dense 10; ReLU) trained on MNIST with Adam (lr 1e-3, batch 64); goal ≥ 99.0% test
 * accuracy. Saves the model directory the server serves (`models/mnist-cnn/`: config.json and
 * model.safetensors), the training curves and a grid of misclassified digits.
 *
 * Usage: `deno task mnist-cnn [epochs] [modelDir] [--live[=PORT]]` (default 3 epochs,
 * models/mnist-cnn); `--live` shows the run on the live training page (http://127.0.0.1:8001/live).
 */
import { data, manualSeed, nn, optim, save, type train, viz } from "../../runtime/mod.ts";
import { fitOnMnist, plotMistakes } from "./mnist_fit.ts";
import { exampleArgs } from "./live_flag.ts";

/** The W3 network. Input [N, 1, 28, 28] normalised; output logits [N, 10]. */
export function cnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 5, { padding: "same" }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 5, { padding: "same" }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(64 * 7 * 7, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );
}

/** Trains the CNN; returns the model, its history, the final test accuracy and the test split. */
export async function trainMnistCnn(
  { epochs = 3, trainLimit, testLimit, seed = 0, progress = true, batchSize = 64, lr = 1e-3 }: {
    epochs?: number;
    trainLimit?: number;
    testLimit?: number;
    seed?: number;
    progress?: boolean;
    batchSize?: number;
    lr?: number;
  } = {},
): Promise<
  { model: nn.Sequential; history: train.History; accuracy: number; test: data.MnistSplit }
> {
  manualSeed(seed);
  const model = cnn();
  const optimizer = new optim.Adam(model.parameters(), { lr });
  const run = {
    epochs,
    batchSize,
    validationBatchSize: 500,
    seed,
    progress,
    trainLimit,
    testLimit,
  };
  return { model, ...(await fitOnMnist(model, optimizer, run)) };
}

/** Saves the trained CNN as a model directory the server can load. */
export async function saveMnistCnn(model: nn.Module, dir: string, accuracy: number): Promise<void> {
  await save(model, dir, {
    inputShape: [1, 28, 28],
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
    preprocessing: { scale: 1 / 255, mean: data.MNIST_MEAN, std: data.MNIST_STD },
    metadata: { dataset: "MNIST", testAccuracy: accuracy, trainedAt: new Date().toISOString() },
  });
}

/**
 * Trains the CNN and saves it as `dir`, saying so: what the server and the grad-cam example do
 * when the model directory is missing.
 */
export async function trainAndSaveMnistCnn(dir: string, epochs = 3): Promise<void> {
  console.log(`${dir} is missing: training the MNIST CNN first (${epochs} epochs)`);
  const { model, accuracy } = await trainMnistCnn({ epochs });
  await saveMnistCnn(model, dir, accuracy);
  console.log(`saved ${dir} (test accuracy ${(accuracy * 100).toFixed(2)}%)`);
}

if (import.meta.main) {
  const [epochsArg, dirArg] = exampleArgs();
  const epochs = Number(epochsArg ?? 3);
  const dir = dirArg ?? "models/mnist-cnn";
  const { model, history, accuracy, test } = await trainMnistCnn({ epochs });
  console.log(`MNIST CNN: test accuracy ${(accuracy * 100).toFixed(2)}% (goal ≥ 99.0%)`);
  await saveMnistCnn(model, dir, accuracy);
  console.log(`saved ${dir}/config.json and ${dir}/model.safetensors`);
  await Deno.mkdir("out", { recursive: true });
  await viz.plotHistory(history, "out/mnist_cnn_curves.png");
  const mistakes = await plotMistakes(model, test, "out/mnist_cnn_mistakes.png");
  console.log(
    `wrote out/mnist_cnn_curves.png and out/mnist_cnn_mistakes.png (${mistakes} mistakes shown)`,
  );
}
