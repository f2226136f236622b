/**
 * `deno task autoencoder`: a convolutional autoencoder on MNIST, plain or denoising. The encoder
 * halves the image twice with stride-2 3×3 convolutions (1×28×28 → 16×14×14 → 32×7×7) and a
 * linear layer squeezes that into a code of 32 numbers; the decoder mirrors it (linear, unflatten,
 * two stride-2 transposed convolutions 7 → 14 → 28) and ends in a sigmoid, as pixels lie in
 * [0, 1]. `train.fit` runs Adam (lr 3e-3, batch 64) on binary cross-entropy per pixel, or on MSE
 * (`--loss mse`), and validates on the 10,000 test digits after each epoch.
 *
 * With `--denoise` each training batch gets fresh Gaussian noise (std 0.5, or `--noise STD`),
 * clipped to [0, 1], while the target stays the clean image; the test digits get one fixed draw
 * of noise, so the noisy input's error beside the denoised one shows what the network removes.
 *
 * Each epoch prints the test MSE per pixel under the progress bar's line (beside the noisy input's
 * when denoising); the run ends with the trivial predictor's MSE (the mean training image) for
 * scale. Pictures in `out/autoencoder/`: `reconstructions.png` (rows original / reconstructed, 16
 * test digits) and `curves.png`, or `denoising.png` (original / noisy / denoised) and
 * `denoising-curves.png`.
 *
 * Usage: `deno task autoencoder [epochs] [--denoise] [--noise STD] [--loss bce|mse] [--seed S]`
 * (default 5 epochs; `--noise STD` implies `--denoise`).
 */
import { parseArgs } from "node:util";
import {
  data,
  DataLoader,
  F,
  io,
  keep,
  manualSeed,
  type metrics,
  nn,
  noGrad,
  optim,
  randn,
  scope,
  type Tensor,
  TensorDataset,
  train,
  viz,
} from "../../runtime/mod.ts";
import { exampleArgs, liveCallbacks } from "./live_flag.ts";

/** Length of the code the encoder squeezes each image into. */
export const CODE_SIZE = 32;

/** 1×28×28 → [N, codeSize]: two stride-2 convolutions (28 → 14 → 7) and a linear layer. */
export function encoder(codeSize = CODE_SIZE): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }), // 14×14
    new nn.ReLU(),
    new nn.Conv2d(16, 32, 3, { stride: 2, padding: 1 }), // 7×7
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(32 * 7 * 7, codeSize),
  );
}

/** [N, codeSize] → [N, 1, 28, 28] in (0, 1): the encoder mirrored, a sigmoid at the end. */
export function decoder(codeSize = CODE_SIZE): nn.Sequential {
  const upsample = (inChannels: number, outChannels: number) =>
    new nn.ConvTranspose2d(inChannels, outChannels, 3, {
      stride: 2,
      padding: 1,
      outputPadding: 1,
    });
  return new nn.Sequential(
    new nn.Linear(codeSize, 32 * 7 * 7),
    new nn.ReLU(),
    new nn.Unflatten(1, [32, 7, 7]),
    upsample(32, 16), // 14×14
    new nn.ReLU(),
    upsample(16, 1), // 28×28
    new nn.Sigmoid(),
  );
}

/**
 * The autoencoder: images [N, 1, 28, 28] in [0, 1] → reconstructions of the same shape in (0, 1),
 * through a code [N, codeSize] (`encoder.call(x)` gives it).
 */
export class Autoencoder extends nn.Module {
  readonly encoder: nn.Sequential;
  readonly decoder: nn.Sequential;
  constructor(readonly codeSize = CODE_SIZE) {
    super();
    if (!Number.isInteger(codeSize) || codeSize < 1) {
      throw new RangeError(`Autoencoder: codeSize must be a positive integer, got ${codeSize}`);
    }
    this.encoder = encoder(codeSize);
    this.decoder = decoder(codeSize);
  }
  forward(images: Tensor): Tensor {
    return this.decoder.call(this.encoder.call(images));
  }
}
// Its forward is its two halves in turn, so ONNX export walks into them.
io.registerOnnxContainer(
  Autoencoder,
  (model, context) =>
    context.child("decoder", model.decoder, context.child("encoder", model.encoder, context.input)),
);

/**
 * Images plus Gaussian noise of standard deviation `std`, clipped to [0, 1] (no gradient).
 * @example const noisy = addNoise(clean, 0.5);
 */
export function addNoise(images: Tensor, std: number): Tensor {
  if (!(std >= 0) || !Number.isFinite(std)) {
    throw new RangeError(`addNoise: the noise std must be a finite number ≥ 0, got ${std}`);
  }
  return scope(() =>
    noGrad(() => F.clamp(F.add(images, randn(images.shape, { std })), { min: 0, max: 1 }))
  );
}

/** Mean squared error per pixel over batches, as a metric of `fit` ("mse", "val_mse"). */
export class MeanSquaredError implements metrics.Metric {
  readonly name = "mse";
  readonly higherIsBetter = false;
  private total = 0;
  private count = 0;
  reset(): void {
    this.total = this.count = 0;
  }
  update(output: Tensor, target: Tensor): void {
    this.total += scope(() => noGrad(() => F.sum(F.square(F.sub(output, target))).item()));
    this.count += output.size;
  }
  compute(): number {
    return this.total / this.count;
  }
}

/** The per-pixel losses to train on: binary cross-entropy (of the sigmoid's output) or MSE. */
export type ReconstructionLoss = "bce" | "mse";

const LOSSES: Record<ReconstructionLoss, train.LossFunction> = {
  bce: (output, target) => F.binaryCrossEntropy(output, target),
  mse: (output, target) => F.mseLoss(output, target),
};

/** Options of `trainAutoencoder`. */
export interface AutoencoderOptions {
  /** Epochs over the training images (default 5). */
  epochs?: number;
  /** Std of the Gaussian noise added to the inputs; 0 (default) trains a plain autoencoder. */
  noise?: number;
  /** The training loss (default "bce"). */
  loss?: ReconstructionLoss;
  /** Length of the code (default 32). */
  codeSize?: number;
  /** Use only the first `trainLimit` training and `testLimit` test images. */
  trainLimit?: number;
  testLimit?: number;
  /** Images per step (default 64). */
  batchSize?: number;
  /** Adam's learning rate (default 3e-3). */
  lr?: number;
  /** Seeds the weights, the noise and the shuffle. */
  seed?: number;
  /** A progress bar and a line per epoch (default true). */
  progress?: boolean;
}

/** What one epoch measured on the test digits. */
export interface EpochRecord {
  epoch: number;
  /** MSE per pixel of the reconstructions (of the noisy inputs, if any) vs the clean images. */
  testMse: number;
  seconds: number;
}

/** What a run gives back. */
export interface AutoencoderResult {
  model: Autoencoder;
  history: train.History;
  epochs: EpochRecord[];
  /** MSE per pixel of the noisy test inputs vs the clean ones (null without noise). */
  noisyMse: number | null;
  /** MSE per pixel of the trivial predictor, the mean training image, on the test images. */
  meanImageMse: number;
  /** The clean test images and the model's inputs ([N, 1, 28, 28]; the same without noise). */
  test: { clean: Tensor; inputs: Tensor };
}

/** Mean squared error per pixel of the mean training image as a prediction of every test image. */
export function meanImageMse(trainImages: Tensor, testImages: Tensor): number {
  return scope(() =>
    noGrad(() => {
      const meanImage = F.mean(trainImages, 0, true);
      return F.mean(F.square(F.sub(testImages, meanImage))).item();
    })
  );
}

/** Mean squared error per pixel between two equally shaped image sets. */
export function imageMse(images: Tensor, target: Tensor): number {
  return scope(() => noGrad(() => F.mseLoss(images, target).item()));
}

function checkOptions(
  { epochs, noise, loss, batchSize, lr }: Required<
    Pick<AutoencoderOptions, "epochs" | "noise" | "loss" | "batchSize" | "lr">
  >,
): void {
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(`autoencoder: epochs must be a positive integer, got ${epochs}`);
  }
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new RangeError(`autoencoder: the noise std must be a finite number ≥ 0, got ${noise}`);
  }
  if (!Object.hasOwn(LOSSES, loss)) {
    throw new Error(`autoencoder: loss must be "bce" or "mse", got ${JSON.stringify(loss)}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`autoencoder: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!(lr > 0)) throw new RangeError(`autoencoder: lr must be positive, got ${lr}`);
}

/** Prints a line per epoch under the progress bar's: the test MSE, and the noisy input's. */
function epochPrinter(noisyMse: number | null): train.Callback {
  return {
    onEpochEnd(_context, log) {
      const mse = log.values.val_mse;
      console.log(
        noisyMse === null
          ? `  test reconstruction MSE ${mse.toFixed(5)}`
          : `  test MSE vs clean: noisy input ${noisyMse.toFixed(5)} → denoised ` +
            `${mse.toFixed(5)} (${(noisyMse / mse).toFixed(1)}× lower)`,
      );
    },
  };
}

/**
 * Trains the autoencoder on MNIST with `train.fit`, validating on the test split each epoch.
 * With `noise > 0` the inputs are noisy and the targets clean (a denoising autoencoder).
 * @example
 * const { model, epochs } = await trainAutoencoder({ epochs: 1, trainLimit: 2000, noise: 0.5 });
 * console.log(epochs[0].testMse);
 */
export async function trainAutoencoder(
  options: AutoencoderOptions = {},
): Promise<AutoencoderResult> {
  const {
    epochs = 5,
    noise = 0,
    loss = "bce",
    codeSize = CODE_SIZE,
    batchSize = 64,
    lr = 3e-3,
    seed = 0,
    progress = true,
  } = options;
  checkOptions({ epochs, noise, loss, batchSize, lr });
  manualSeed(seed);
  const model = new Autoencoder(codeSize);
  const trainSplit = await data.mnistSplit("train", { limit: options.trainLimit });
  const testSplit = await data.mnistSplit("test", { limit: options.testLimit });
  trainSplit.labels.dispose();
  testSplit.labels.dispose();
  const clean = testSplit.images;
  const inputs = noise > 0 ? keep(addNoise(clean, noise)) : clean;
  const noisyMse = noise > 0 ? imageMse(inputs, clean) : null;
  const trainingSet = new TensorDataset(trainSplit.images);
  try {
    const history = await train.fit(model, {
      data: new DataLoader(trainingSet, {
        batchSize,
        shuffle: true,
        seed,
        // The target is the clean batch; the input gets fresh noise every time it is drawn.
        transform: ([images]) => [noise > 0 ? addNoise(images, noise) : images, images],
      }),
      validation: new DataLoader(new TensorDataset(inputs, clean), { batchSize: 500 }),
      loss: LOSSES[loss],
      optimizer: new optim.Adam(model.parameters(), { lr }),
      epochs,
      metrics: [new MeanSquaredError()],
      progress: false,
      callbacks: [
        ...(progress ? [train.progressBar(), epochPrinter(noisyMse)] : []),
        ...(await liveCallbacks()),
      ],
    });
    return {
      model,
      history,
      epochs: history.epochs.map((log) => ({
        epoch: log.epoch,
        testMse: log.values.val_mse,
        seconds: log.seconds,
      })),
      noisyMse,
      meanImageMse: meanImageMse(trainSplit.images, clean),
      test: { clean, inputs },
    };
  } finally {
    trainingSet.dispose();
  }
}

/** Digits shown in the reconstruction grid. */
const SHOWN = 16;

/**
 * The first 16 test digits in rows: original, (noisy,) reconstructed; written to `path`.
 */
export async function plotReconstructions(
  model: Autoencoder,
  test: { clean: Tensor; inputs: Tensor },
  path: `${string}.png` | `${string}.svg`,
  title: string,
): Promise<void> {
  const count = Math.min(SHOWN, test.clean.shape[0]);
  const denoising = test.inputs !== test.clean;
  const wasTraining = model.training;
  const [clean, inputs, outputs] = noGrad(() => {
    const clean = F.narrow(test.clean, 0, 0, count);
    const inputs = F.narrow(test.inputs, 0, 0, count);
    return [clean, inputs, model.eval().call(inputs)];
  });
  model.train(wasTraining);
  const rows = [{ label: "original", images: clean }];
  if (denoising) rows.push({ label: "noisy", images: inputs });
  rows.push({ label: denoising ? "denoised" : "reconstructed", images: outputs });
  await viz.plotImageRows(rows, path, { title });
  for (const t of [clean, inputs, outputs]) t.dispose();
}

/** The command line: `[epochs] [--denoise] [--noise STD] [--loss bce|mse] [--seed S]`. */
async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      denoise: { type: "boolean", default: false },
      noise: { type: "string" },
      loss: { type: "string", default: "bce" },
      seed: { type: "string", default: "0" },
    },
  });
  const number = (text: string, what: string) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw new Error(`autoencoder: ${what} must be a number, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  const epochs = number(positionals[0] ?? "5", "the number of epochs");
  const noise = values.noise !== undefined
    ? number(values.noise, "--noise (the noise std)")
    : values.denoise
    ? 0.5
    : 0;
  const out = "out/autoencoder";
  const started = performance.now();
  const result = await trainAutoencoder({
    epochs,
    noise,
    loss: values.loss as ReconstructionLoss,
    seed: number(values.seed, "--seed"),
  });
  const seconds = (performance.now() - started) / 1000;
  const last = result.epochs[result.epochs.length - 1];
  const perEpoch = result.epochs.reduce((s, r) => s + r.seconds, 0) / result.epochs.length;
  console.log(
    `${noise > 0 ? `denoising autoencoder (noise std ${noise})` : "autoencoder"}, ` +
      `${epochs} epochs: test MSE ${last.testMse.toFixed(5)}` +
      (result.noisyMse === null ? "" : ` (noisy input ${result.noisyMse.toFixed(5)})`) +
      `; the mean training image scores ${result.meanImageMse.toFixed(5)}; ` +
      `${perEpoch.toFixed(1)} s per epoch, ${seconds.toFixed(0)} s in all`,
  );
  const [grid, curves] = noise > 0
    ? [`${out}/denoising.png`, `${out}/denoising-curves.png`] as const
    : [`${out}/reconstructions.png`, `${out}/curves.png`] as const;
  const title = noise > 0
    ? `MNIST test digits, Gaussian noise std ${noise}, denoised (MSE ${last.testMse.toFixed(4)})`
    : `MNIST test digits through a ${CODE_SIZE}-number code (MSE ${last.testMse.toFixed(4)})`;
  await plotReconstructions(result.model, result.test, grid, title);
  await viz.plotHistory(result.history, curves, {
    title: `${values.loss === "mse" ? "MSE" : "BCE"} loss and MSE per pixel`,
  });
  console.log(`wrote ${grid} and ${curves}`);
}

if (import.meta.main) {
  try {
    await main(exampleArgs());
  } catch (error) {
    const message = (error as Error).message;
    console.error(message.startsWith("autoencoder") ? message : `autoencoder: ${message}`);
    Deno.exit(1);
  }
}
