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
 *
 * The parts are in `dcgan/`: the networks (`models.ts`), the training step (`step.ts`), an epoch
 * of steps and the run's history (`epoch.ts`), the judge (`judge.ts`), the pictures
 * (`pictures.ts`). This file parses the flags, builds the run, loops over epochs and reports.
 */
import { parseArgs } from "node:util";
import {
  data,
  DataLoader,
  keep,
  loadCheckpoint,
  manualSeed,
  randn,
  saveCheckpoint,
  TensorDataset,
} from "../../runtime/mod.ts";
import type { LiveTraining } from "../../server/live/mod.ts";
import {
  type DcganHistory,
  epochCost,
  epochValues,
  progress,
  recordEpoch,
  trainEpoch,
} from "./dcgan/epoch.ts";
import { judge, judgeRealDigits, loadJudge } from "./dcgan/judge.ts";
import { Dcgan, DcganOptimizers, NOISE_DIM } from "./dcgan/models.ts";
import { drawEpoch, GRID_COLUMNS } from "./dcgan/pictures.ts";
import type { StepResult } from "./dcgan/step.ts";
import { exampleArgs, liveFromArgs } from "./live_flag.ts";

export { Dcgan, DcganOptimizers, discriminator, generator, NOISE_DIM } from "./dcgan/models.ts";
export { type StepResult, trainStep } from "./dcgan/step.ts";
export {
  type ClassifierInput,
  classifierInput,
  judge,
  judgeRealDigits,
  loadJudge,
  type Verdict,
  verdict,
} from "./dcgan/judge.ts";
export type { DcganHistory, EpochRecord } from "./dcgan/epoch.ts";

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
      console.log(
        `  ${epochCost(record, run)}; wrote ${out}/samples-epoch-${epoch}.png, losses.png, ` +
          "checkpoint.safetensors",
      );
    }
    await live?.endRun();
    return { gan, history };
  } finally {
    fixedNoise.dispose();
    dataset.dispose();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
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
