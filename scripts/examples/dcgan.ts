/**
 * `deno task dcgan`: W4 of DESIGN.md, the seed DCGAN on MNIST. The generator maps 100 normal
 * numbers through a dense layer to 7×7×256 and three 5×5 transposed convolutions (7 → 7 → 14 → 28)
 * with batch norm and LeakyReLU between, tanh at the end; the discriminator is two stride-2 5×5
 * convolutions with LeakyReLU and dropout 0.3, and a dense layer to one logit. Both train with
 * Adam (lr 2e-4, betas 0.5 / 0.999) on binary cross-entropy with logits, batch 64, images scaled to
 * [−1, 1]; each step trains the discriminator on a real and a generated batch, then the generator.
 *
 * After each epoch: a grid of samples from a fixed noise batch (`out/dcgan/samples-epoch-N.png`),
 * the loss curves (`out/dcgan/losses.png`), a checkpoint of both models and both optimizers
 * (`out/dcgan/checkpoint.safetensors`), and a verdict on 2,000 samples by the trained mnist-cnn
 * classifier: the Inception Score exp(E_x KL(p(y|x) ‖ p(y))) (10 at most; real test digits score
 * about 9.5) and its mean max-probability (`out/dcgan/inception_score.png`).
 *
 * Usage: `deno task dcgan [epochs] [--steps N] [--no-judge] [--fresh] [--out DIR]
 * [--classifier DIR] [--judge-samples N] [--seed S]`. `epochs` is the epoch to reach (default 3):
 * a run resumes from the checkpoint in the output folder, so `dcgan 3` then `dcgan 6` trains six.
 * `--steps N` limits each epoch to N steps for a quick look, and then writes to `out/dcgan-quick`
 * unless `--out` says otherwise, so a quick look never overwrites the real run's checkpoint.
 * `--live[=PORT]` shows the losses of each step and the sample grid of each epoch on the live
 * training page (http://127.0.0.1:8001/live), which stays up after training until Ctrl-C.
 */
import { parseArgs } from "node:util";
import {
  data,
  DataLoader,
  F,
  full,
  io,
  keep,
  load,
  loadCheckpoint,
  manualSeed,
  memoryStats,
  nn,
  noGrad,
  optim,
  randn,
  saveCheckpoint,
  scope,
  type Tensor,
  TensorDataset,
  train,
  viz,
} from "../../runtime/mod.ts";
import type { LiveTraining } from "../../server/live/mod.ts";
import { exampleArgs, liveFromArgs } from "./live_flag.ts";

/** Length of the generator's input noise. */
export const NOISE_DIM = 100;
/** LeakyReLU's slope for negative inputs: Keras's default, as the seed (TF's DCGAN tutorial). */
const LEAKY_SLOPE = 0.3;

/**
 * The generator: noise [N, 100] → images [N, 1, 28, 28] in [−1, 1]. No biases: each layer but the
 * last feeds a batch norm, which cancels them; the seed has none on the last either.
 */
export function generator(): nn.Sequential {
  const upsample = (inChannels: number, outChannels: number, stride: number) =>
    new nn.ConvTranspose2d(inChannels, outChannels, 5, {
      stride,
      padding: 2,
      outputPadding: stride - 1,
      bias: false,
    });
  return new nn.Sequential(
    new nn.Linear(NOISE_DIM, 7 * 7 * 256, { bias: false }),
    new nn.BatchNorm1d(7 * 7 * 256),
    new nn.LeakyReLU(LEAKY_SLOPE),
    new nn.Unflatten(1, [256, 7, 7]),
    upsample(256, 128, 1), // 7×7
    new nn.BatchNorm2d(128),
    new nn.LeakyReLU(LEAKY_SLOPE),
    upsample(128, 64, 2), // 14×14
    new nn.BatchNorm2d(64),
    new nn.LeakyReLU(LEAKY_SLOPE),
    upsample(64, 1, 2), // 28×28
    new nn.Tanh(),
  );
}

/** The discriminator: images [N, 1, 28, 28] → one logit per image [N, 1] (real > 0 > fake). */
export function discriminator(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 64, 5, { stride: 2, padding: 2 }), // 14×14
    new nn.LeakyReLU(LEAKY_SLOPE),
    new nn.Dropout(0.3),
    new nn.Conv2d(64, 128, 5, { stride: 2, padding: 2 }), // 7×7
    new nn.LeakyReLU(LEAKY_SLOPE),
    new nn.Dropout(0.3),
    new nn.Flatten(),
    new nn.Linear(7 * 7 * 128, 1),
  );
}

/**
 * Both networks in one module, so that one checkpoint holds them (`generator.0.weight`,
 * `discriminator.7.bias`, ...). Its forward is the generator's.
 */
export class Dcgan extends nn.Module {
  readonly generator = generator();
  readonly discriminator = discriminator();
  forward(noise: Tensor): Tensor {
    return this.generator.call(noise);
  }
}

/**
 * The two Adam optimizers as one for `saveCheckpoint` / `loadCheckpoint`, which take one: the
 * generator's parameters keep their indices, the discriminator's follow them.
 */
export class DcganOptimizers implements io.StatefulOptimizer {
  readonly generator: optim.Adam;
  readonly discriminator: optim.Adam;
  constructor(gan: Dcgan, options: optim.AdamOptions = { lr: 2e-4, betas: [0.5, 0.999] }) {
    this.generator = new optim.Adam(gan.generator.parameters(), options);
    this.discriminator = new optim.Adam(gan.discriminator.parameters(), options);
  }
  stateDict(): io.OptimizerState {
    const g = this.generator.stateDict(), d = this.discriminator.stateDict();
    const offset = this.generator.params.length;
    const state = new Map(g.state);
    for (const [index, slots] of d.state) state.set(offset + index, slots);
    return { state, options: { generator: g.options, discriminator: d.options } };
  }
  loadStateDict({ state, options }: io.OptimizerState): void {
    const offset = this.generator.params.length;
    const part = (from: number, to: number) =>
      new Map([...state].filter(([i]) => i >= from && i < to).map(([i, s]) => [i - from, s]));
    this.generator.loadStateDict({
      state: part(0, offset),
      options: options.generator as Record<string, unknown>,
    });
    this.discriminator.loadStateDict({
      state: part(offset, Infinity),
      options: options.discriminator as Record<string, unknown>,
    });
  }
}

/** What one training step reports: both losses and the discriminator's mean verdicts D(x), D(G(z)). */
export interface StepResult {
  discriminatorLoss: number;
  generatorLoss: number;
  /** Mean σ(D(x)) over the real batch (1: sure they are real). */
  realScore: number;
  /** Mean σ(D(G(z))) over the generated batch, before the discriminator's update. */
  fakeScore: number;
}

function bce(logits: Tensor, target: number): Tensor {
  return F.binaryCrossEntropyWithLogits(logits, full(logits.shape, target));
}

function meanSigmoid(logits: Tensor): number {
  return noGrad(() => F.mean(F.sigmoid(logits)).item());
}

/**
 * One DCGAN step on a batch of real images [N, 1, 28, 28] in [−1, 1], in its own memory scope:
 * the discriminator learns real → 1 and generated → 0, then the generator learns to make the
 * updated discriminator say 1. While the generator learns, the discriminator's weights do not
 * collect gradients (they would be thrown away).
 */
export function trainStep(gan: Dcgan, optimizers: DcganOptimizers, real: Tensor): StepResult {
  const { generator, discriminator } = gan;
  return scope(() => {
    const noise = randn([real.shape[0], NOISE_DIM]);
    const fake = generator.call(noise);

    optimizers.discriminator.zeroGrad();
    const realLogits = discriminator.call(real);
    const fakeLogits = discriminator.call(fake.detach());
    const discriminatorLoss = F.add(bce(realLogits, 1), bce(fakeLogits, 0));
    discriminatorLoss.backward();
    optimizers.discriminator.step();
    optimizers.discriminator.zeroGrad();

    optimizers.generator.zeroGrad();
    const discriminatorWeights = discriminator.parameters();
    for (const p of discriminatorWeights) p.requiresGrad = false;
    let generatorLoss: Tensor;
    try {
      generatorLoss = bce(discriminator.call(fake), 1);
      generatorLoss.backward();
    } finally {
      for (const p of discriminatorWeights) p.requiresGrad = true;
    }
    optimizers.generator.step();
    optimizers.generator.zeroGrad();
    return {
      discriminatorLoss: discriminatorLoss.item(),
      generatorLoss: generatorLoss.item(),
      realScore: meanSigmoid(realLogits),
      fakeScore: meanSigmoid(fakeLogits),
    };
  });
}

/** How the judge sees an image: MNIST's normalisation of pixels in [0, 1]. */
export interface ClassifierInput {
  mean: number;
  std: number;
}

/** What the judge says of a set of images. */
export interface Verdict {
  /** exp(E_x KL(p(y|x) ‖ p(y))): 1 (one class, or no confidence) to 10 (sure, all classes alike). */
  inceptionScore: number;
  /** Mean over the images of the classifier's highest class probability. */
  meanMaxProbability: number;
}

/** Images in [−1, 1] → the classifier's input: v = (x + 1)/2 in [0, 1], then (v − mean)/std. */
export function classifierInput(images: Tensor, { mean, std }: ClassifierInput): Tensor {
  return F.div(F.sub(F.mul(F.add(images, 1), 0.5), mean), std);
}

/**
 * The Inception Score and mean max-probability of classifier logits [N, classes]. Computed from
 * log-probabilities, so a class probability that underflows to 0 adds 0, not NaN.
 */
export function verdict(logits: Tensor): Verdict {
  return noGrad(() => {
    const logP = F.logSoftmax(logits, 1);
    const p = F.exp(logP);
    const logMarginal = F.log(F.mean(p, 0, true));
    const kl = F.sum(F.mul(p, F.sub(logP, logMarginal)), 1);
    return {
      inceptionScore: Math.exp(F.mean(kl).item()),
      meanMaxProbability: F.mean(F.max(p, 1)).item(),
    };
  });
}

/** Images per batch when judging (no more memory than a training step's). */
const JUDGE_BATCH = 50;

/**
 * Judges the generator by `samples` images made from noise drawn with `seed` (the same noise each
 * time; the global random state is restored after, so judging leaves training unchanged). The
 * generator runs in evaluation mode (batch norm with its running statistics).
 */
export function judge(
  gan: Dcgan,
  classifier: nn.Module,
  { samples = 2000, seed = 12345, input = { mean: data.MNIST_MEAN, std: data.MNIST_STD } }: {
    samples?: number;
    seed?: number;
    input?: ClassifierInput;
  } = {},
): Verdict {
  const state = io.getRandomState();
  const wasTraining = gan.training;
  gan.eval();
  classifier.eval();
  try {
    manualSeed(seed);
    return noGrad(() => {
      const logits: Tensor[] = [];
      for (let start = 0; start < samples; start += JUDGE_BATCH) {
        const count = Math.min(JUDGE_BATCH, samples - start);
        logits.push(scope(() => {
          const images = gan.generator.call(randn([count, NOISE_DIM]));
          return classifier.call(classifierInput(images, input));
        }));
      }
      return verdict(F.cat(logits, 0));
    });
  } finally {
    gan.train(wasTraining);
    io.setRandomState(state);
  }
}

/** The judge's verdict on real test digits, for reference. */
export async function judgeRealDigits(
  classifier: nn.Module,
  { samples = 2000, input = { mean: data.MNIST_MEAN, std: data.MNIST_STD } } = {},
): Promise<Verdict> {
  const test = await data.mnistSplit("test", { limit: samples, normalize: input });
  classifier.eval();
  try {
    return noGrad(() => {
      const logits: Tensor[] = [];
      for (let start = 0; start < samples; start += JUDGE_BATCH) {
        const count = Math.min(JUDGE_BATCH, samples - start);
        logits.push(scope(() => classifier.call(F.narrow(test.images, 0, start, count))));
      }
      return verdict(F.cat(logits, 0));
    });
  } finally {
    test.images.dispose();
    test.labels.dispose();
  }
}

/** The trained mnist-cnn and how it expects its input, or a message saying how to make it. */
export async function loadJudge(
  dir: string,
): Promise<{ classifier: nn.Module; input: ClassifierInput }> {
  try {
    await Deno.stat(`${dir}/config.json`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(
      `dcgan: the judge ${dir}/config.json is missing; train it first with ` +
        "`npx deno task mnist-cnn` (3 epochs, 99% test accuracy, a few minutes), point to " +
        "another with --classifier DIR, or skip judging with --no-judge",
    );
  }
  const { model, config } = await load(dir);
  const pre = config.preprocessing ?? {};
  const input = {
    mean: typeof pre.mean === "number" ? pre.mean : data.MNIST_MEAN,
    std: typeof pre.std === "number" ? pre.std : data.MNIST_STD,
  };
  return { classifier: model.eval(), input };
}

/** One epoch's record, kept in the checkpoint so a resumed run plots the whole history. */
export interface EpochRecord {
  epoch: number;
  steps: number;
  msPerStep: number;
  discriminatorLoss: number;
  generatorLoss: number;
  realScore: number;
  fakeScore: number;
  inceptionScore: number | null;
  meanMaxProbability: number | null;
}

/**
 * The run's history: per-epoch records, and the losses averaged over windows of LOSS_WINDOW steps
 * (each at the step in its middle, counted from the start of training).
 */
export interface DcganHistory {
  epochs: EpochRecord[];
  lossSteps: number[];
  discriminatorLoss: number[];
  generatorLoss: number[];
}

/** Steps per point of the loss curves. */
const LOSS_WINDOW = 10;

/** Options of `trainDcgan`. */
export interface DcganOptions {
  /** The epoch to reach (a resumed run continues from its checkpoint's). */
  epochs?: number;
  /** At most this many steps per epoch (for a quick look). */
  stepsPerEpoch?: number;
  /** Folder of the checkpoint, sample grids and curves. */
  out?: string;
  /** Start over even when a checkpoint exists. */
  fresh?: boolean;
  /** The classifier's model directory, or null to skip judging. */
  classifier?: string | null;
  /** Samples per verdict. */
  judgeSamples?: number;
  /** Seeds the weights, the fixed noise and the shuffle. */
  seed?: number;
  /** A live training page to publish the step losses, epoch values and sample grids to. */
  live?: LiveTraining | null;
}

const BATCH = 64;
const GRID_COLUMNS = 8;

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** What one epoch of training gives back before it is judged. */
interface EpochRun {
  results: StepResult[];
  seconds: number;
  /** The least and most live bytes seen after a step (equal when memory is flat). */
  live: [number, number];
}

/** The progress bar of `fit`, driven by hand: it sees a context with the epoch and its length. */
function progress(gan: Dcgan, optimizers: DcganOptimizers, epochs: number) {
  const bar = train.progressBar();
  const context: train.TrainingContext & { epoch: number; stepsInEpoch: number } = {
    model: gan,
    optimizer: optimizers.discriminator,
    history: new train.History(),
    metrics: [],
    hasValidation: false,
    epochs,
    epoch: 0,
    stepsInEpoch: 0,
    stopReason: null,
    error: null,
    stop() {},
  };
  return { bar, context };
}

/**
 * Runs one epoch's steps, each in its own scope; throws on a NaN or infinite loss. `afterStep`
 * sees each step's result (awaited, so a live page can be served between steps).
 */
async function trainEpoch(
  gan: Dcgan,
  optimizers: DcganOptimizers,
  loader: DataLoader,
  epoch: number,
  stepsPerEpoch: number | undefined,
  { bar, context }: ReturnType<typeof progress>,
  afterStep?: (stepInEpoch: number, result: StepResult, samples: number) => Promise<void>,
): Promise<EpochRun> {
  const batches = loader.batchIndices(epoch - 1).slice(0, stepsPerEpoch);
  context.epoch = epoch;
  context.stepsInEpoch = batches.length;
  bar.onEpochStart();
  const results: StepResult[] = [];
  const live: [number, number] = [Infinity, 0];
  const started = performance.now();
  for (const [index, rows] of batches.entries()) {
    const result = scope(() => trainStep(gan, optimizers, loader.batch(rows)[0]));
    const { discriminatorLoss, generatorLoss } = result;
    if (!Number.isFinite(discriminatorLoss + generatorLoss)) {
      throw new Error(
        `dcgan: epoch ${epoch}, step ${index + 1}: the losses are ${discriminatorLoss} ` +
          `(discriminator) and ${generatorLoss} (generator); the checkpoint of epoch ` +
          `${epoch - 1} is intact`,
      );
    }
    results.push(result);
    const bytes = memoryStats().liveBytes;
    live[0] = Math.min(live[0], bytes);
    live[1] = Math.max(live[1], bytes);
    // The bar shows both running losses.
    bar.onStepEnd(context, {
      epoch,
      step: index + 1,
      globalStep: index + 1,
      loss: discriminatorLoss + generatorLoss,
      samples: rows.length,
      values: { d_loss: discriminatorLoss, g_loss: generatorLoss },
    });
    await afterStep?.(index + 1, result, rows.length);
  }
  return { results, seconds: (performance.now() - started) / 1000, live };
}

/** Adds an epoch's losses (windows of LOSS_WINDOW steps) and record to the history. */
function recordEpoch(
  history: DcganHistory,
  epoch: number,
  { results, seconds }: EpochRun,
  judged: Verdict | null,
): EpochRecord {
  const firstStep = history.epochs.reduce((n, record) => n + record.steps, 0);
  for (let start = 0; start < results.length; start += LOSS_WINDOW) {
    const window = results.slice(start, start + LOSS_WINDOW);
    history.lossSteps.push(firstStep + start + window.length / 2);
    history.discriminatorLoss.push(mean(window.map((r) => r.discriminatorLoss)));
    history.generatorLoss.push(mean(window.map((r) => r.generatorLoss)));
  }
  const record: EpochRecord = {
    epoch,
    steps: results.length,
    msPerStep: (1000 * seconds) / results.length,
    discriminatorLoss: mean(results.map((r) => r.discriminatorLoss)),
    generatorLoss: mean(results.map((r) => r.generatorLoss)),
    realScore: mean(results.map((r) => r.realScore)),
    fakeScore: mean(results.map((r) => r.fakeScore)),
    inceptionScore: judged?.inceptionScore ?? null,
    meanMaxProbability: judged?.meanMaxProbability ?? null,
  };
  history.epochs.push(record);
  return record;
}

/**
 * Trains the DCGAN up to `epochs` epochs, resuming from `out/checkpoint.safetensors` when it
 * exists; after each epoch judges it, saves the checkpoint and draws the pictures. Returns the
 * model and the whole run's history.
 */
export async function trainDcgan(options: DcganOptions = {}): Promise<
  { gan: Dcgan; history: DcganHistory }
> {
  const {
    epochs = 3,
    stepsPerEpoch,
    out = "out/dcgan",
    fresh = false,
    classifier: classifierDir = "models/mnist-cnn",
    judgeSamples = 2000,
    seed = 0,
    live = null,
  } = options;
  const judgeModel = classifierDir === null ? null : await loadJudge(classifierDir);
  manualSeed(seed);
  const fixedNoise = keep(randn([GRID_COLUMNS * GRID_COLUMNS, NOISE_DIM]));
  const gan = new Dcgan();
  const optimizers = new DcganOptimizers(gan);
  const { images, labels } = await data.mnistSplit("train", {
    normalize: { mean: 0.5, std: 0.5 }, // (v − 0.5)/0.5: pixels in [−1, 1], as tanh makes them
  });
  labels.dispose();
  const dataset = new TensorDataset(images);
  const loader = new DataLoader(dataset, { batchSize: BATCH, shuffle: true, seed, dropLast: true });
  const checkpointPath = `${out}/checkpoint.safetensors`;
  let history: DcganHistory = {
    epochs: [],
    lossSteps: [],
    discriminatorLoss: [],
    generatorLoss: [],
  };
  let done = 0;
  try {
    if (!fresh && await exists(checkpointPath)) {
      const loaded = await loadCheckpoint(checkpointPath, { model: gan, optimizer: optimizers });
      done = loaded.epoch;
      history = loaded.extra.history as DcganHistory;
      console.log(`resumed from ${checkpointPath} after epoch ${done}`);
    }
    if (done >= epochs) {
      console.log(`${checkpointPath} has ${done} epochs already; ask for more: dcgan ${done + 1}`);
      return { gan, history };
    }
    await Deno.mkdir(out, { recursive: true });
    if (judgeModel !== null) {
      const real = await judgeRealDigits(judgeModel.classifier, {
        samples: judgeSamples,
        input: judgeModel.input,
      });
      console.log(
        `judge ${classifierDir}: real test digits score IS ${real.inceptionScore.toFixed(2)}, ` +
          `mean max-probability ${real.meanMaxProbability.toFixed(3)} (${judgeSamples} images)`,
      );
    }
    const shown = progress(gan, optimizers, epochs);
    const stepsInEpoch = Math.min(stepsPerEpoch ?? Infinity, Math.floor(images.shape[0] / BATCH));
    live?.startRun({
      title: "DCGAN on MNIST",
      epochs,
      stepsInEpoch,
      initialEpoch: done,
      metrics: ["D(x)", "D(G(z))", ...(judgeModel === null ? [] : ["IS", "max_prob"])],
    });
    let globalStep = 0;
    const publishStep = async (stepInEpoch: number, result: StepResult, samples: number) => {
      await live?.publishStep({
        step: ++globalStep,
        epoch: shown.context.epoch,
        stepInEpoch,
        values: { d_loss: result.discriminatorLoss, g_loss: result.generatorLoss },
        samples,
      });
    };
    for (let epoch = done + 1; epoch <= epochs; epoch++) {
      live?.startEpoch(epoch, stepsInEpoch);
      const run = await trainEpoch(
        gan,
        optimizers,
        loader,
        epoch,
        stepsPerEpoch,
        shown,
        live === null ? undefined : publishStep,
      );
      const judged = judgeModel === null
        ? null
        : judge(gan, judgeModel.classifier, { samples: judgeSamples, input: judgeModel.input });
      const record = recordEpoch(history, epoch, run, judged);
      await saveCheckpoint(checkpointPath, {
        model: gan,
        optimizer: optimizers,
        epoch,
        extra: { history },
      });
      const grid = await drawEpoch(gan, fixedNoise, history, out, epoch);
      await live?.publishImage(grid, `samples from the fixed noise after epoch ${epoch}`);
      await live?.publishEpoch({
        epoch,
        values: epochValues(record),
        steps: record.steps,
        samples: record.steps * BATCH,
        seconds: run.seconds,
      });
      shown.bar.onEpochEnd(shown.context, {
        epoch,
        steps: record.steps,
        samples: record.steps * BATCH,
        seconds: run.seconds,
        values: epochValues(record),
      });
      const [low, high] = run.live;
      console.log(
        `  ${record.msPerStep.toFixed(0)} ms per G+D step; live memory after each step ` +
          (low === high ? `${megabytes(high)} (flat)` : `${megabytes(low)}..${megabytes(high)}`) +
          `, wasm memory ${megabytes(memoryStats().memoryBytes)}, RSS ` +
          `${megabytes(Deno.memoryUsage().rss)}; wrote ${out}/samples-epoch-${epoch}.png, ` +
          "losses.png, checkpoint.safetensors",
      );
    }
    await live?.endRun();
    return { gan, history };
  } finally {
    fixedNoise.dispose();
    dataset.dispose();
  }
}

function epochValues(record: EpochRecord): Record<string, number> {
  const values: Record<string, number> = {
    d_loss: record.discriminatorLoss,
    g_loss: record.generatorLoss,
    "D(x)": record.realScore,
    "D(G(z))": record.fakeScore,
  };
  if (record.inceptionScore !== null) values.IS = record.inceptionScore;
  if (record.meanMaxProbability !== null) values.max_prob = record.meanMaxProbability;
  return values;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The fixed noise's samples, the loss curves and, when judged, the score curves; returns the
 * samples' PNG.
 */
async function drawEpoch(
  gan: Dcgan,
  fixedNoise: Tensor,
  history: DcganHistory,
  out: string,
  epoch: number,
): Promise<Uint8Array> {
  const samples = noGrad(() => {
    gan.eval();
    try {
      return gan.generator.call(fixedNoise);
    } finally {
      gan.train();
    }
  });
  const grid = await viz.plotImageGrid(samples, `${out}/samples-epoch-${epoch}.png`, {
    columns: GRID_COLUMNS,
    range: [-1, 1],
  });
  samples.dispose();
  const steps = history.lossSteps;
  await viz.plotLines(
    [
      { name: "discriminator", x: steps, y: history.discriminatorLoss },
      { name: "generator", x: steps, y: history.generatorLoss },
    ],
    `${out}/losses.png`,
    { title: `DCGAN losses (mean of ${LOSS_WINDOW} steps)`, xLabel: "step", yLabel: "BCE" },
  );
  const judged = history.epochs.filter((r) => r.inceptionScore !== null);
  if (judged.length > 0) {
    await viz.plotLines(
      [{
        name: "Inception Score (mnist-cnn, 2,000 samples)",
        x: judged.map((r) => r.epoch),
        y: judged.map((r) => r.inceptionScore as number),
      }],
      `${out}/inception_score.png`,
      { title: "DCGAN samples judged by mnist-cnn", xLabel: "epoch", yLabel: "IS" },
    );
  }
  return grid;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: exampleArgs(),
    allowPositionals: true,
    options: {
      steps: { type: "string" },
      "no-judge": { type: "boolean", default: false },
      fresh: { type: "boolean", default: false },
      out: { type: "string" },
      classifier: { type: "string", default: "models/mnist-cnn" },
      "judge-samples": { type: "string", default: "2000" },
      seed: { type: "string", default: "0" },
    },
  });
  const epochs = Number(positionals[0] ?? 3);
  const stepsPerEpoch = values.steps === undefined ? undefined : Number(values.steps);
  if (!Number.isInteger(epochs) || epochs < 1) {
    console.error(`dcgan: the number of epochs must be a positive integer, got ${positionals[0]}`);
    Deno.exit(2);
  }
  const out = values.out ?? (stepsPerEpoch === undefined ? "out/dcgan" : "out/dcgan-quick");
  try {
    const { history } = await trainDcgan({
      epochs,
      stepsPerEpoch,
      out,
      fresh: values.fresh,
      classifier: values["no-judge"] ? null : values.classifier,
      judgeSamples: Number(values["judge-samples"]),
      seed: Number(values.seed),
      live: await liveFromArgs(),
    });
    const last = history.epochs.at(-1);
    if (last?.inceptionScore != null) {
      console.log(
        `DCGAN after ${last.epoch} epochs: Inception Score ${last.inceptionScore.toFixed(2)} ` +
          `(goal ≥ 6.3 after 3 epochs, ≥ 6.9 after 6), mean max-probability ` +
          `${(last.meanMaxProbability as number).toFixed(3)}`,
      );
    }
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
