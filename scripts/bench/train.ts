/**
 * Training throughput of W2, W3 and W4 (DESIGN.md), ours beside TensorFlow.js's wasm backend
 * (XNNPACK, one thread) on the same workload in the same run, with the ratio:
 *
 * - W2: the MLP 784-256-128-10 (ReLU), SGD with momentum 0.9, batch 128, batches drawn by a
 *   shuffling loader from a 60,000-sample dataset: samples/s, and our process's peak RSS.
 * - W3: the mnist-cnn CNN (conv 5×5 32, max-pool, conv 5×5 64, max-pool, dense 128, dense 10),
 *   Adam, batch 64: images/s.
 * - W4: the DCGAN of `scripts/examples/dcgan.ts`, batch 64: ms per step, a step being the
 *   discriminator's update on a real and a generated batch, then the generator's.
 *
 * The data are random numbers of MNIST's shapes (the speed does not depend on them). Each figure
 * times a fixed number of steps after warm-up steps. Ours runs first, then TF.js, so that our
 * RSS figures are not inflated by TF.js's memory.
 *
 * TF.js runs its idiomatic form: `tf.layers` models (NHWC, fused conv/dense + activation kernels)
 * trained by `optimizer.minimize` inside `tf.tidy`. Its wasm backend has no Conv2DBackpropFilter
 * kernel, so no conv layer can learn; this benchmark registers one for it, built from its own
 * forward conv as scripts/bench/conv.ts does (the batch as channels, dy as a filter dilated by the
 * stride, transposes around it). TF.js's tape cannot outlive an update, so its DCGAN step runs the
 * generator forward twice (once untaped for the discriminator's update, once taped for the
 * generator's); ours keeps the generator's graph across the discriminator's update and runs it
 * once.
 *
 * Run: `npx deno run -A scripts/bench/train.ts` (about 2 minutes; alone, for meaningful RSS).
 */
import {
  backend,
  DataLoader,
  F,
  keep,
  manualSeed,
  memoryStats,
  optim,
  randn,
  scope,
  type Tensor,
  tensor,
  TensorDataset,
} from "../../runtime/mod.ts";
import { mlp } from "../examples/mnist_mlp.ts";
import { cnn } from "../examples/mnist_cnn.ts";
import { Dcgan, DcganOptimizers, trainStep } from "../examples/dcgan.ts";

/** Warm-up and timed steps of each workload, per side (TF.js is slower: fewer steps). */
export const STEPS = {
  w2: { warmup: 20, ours: 400, tfjs: 100 },
  w3: { warmup: 3, ours: 40, tfjs: 12 },
  w4: { warmup: 2, ours: 10, tfjs: 4 },
};
export const DATASET_SIZE = 60_000;
/** Distinct synthetic batches cycled through in W3 and W4. */
export const POOL = 4;

/** A side's result: steps timed, seconds, and the peak RSS seen (ours only). */
export interface Timing {
  steps: number;
  seconds: number;
  peakRss?: number;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

/** Labels 0..9 in a fixed pattern. */
export function labelsOf(count: number, offset: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => (i * 7 + offset) % 10);
}

/** Runs `warmup` untimed then `steps` timed calls of `step(i)`; samples RSS after each. */
export function timeSteps(
  warmup: number,
  steps: number,
  step: (i: number) => void,
  rss = false,
): Timing {
  let peakRss = 0;
  for (let i = 0; i < warmup; i++) step(i);
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    step(warmup + i);
    if (rss) peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
  }
  const seconds = (performance.now() - start) / 1000;
  return rss ? { steps, seconds, peakRss } : { steps, seconds };
}

// --- ours ---------------------------------------------------------------------------------------

/** W2 on our side (exported for the thread benchmark). */
export function oursW2(): Timing {
  manualSeed(0);
  const dataset = new TensorDataset(
    randn([DATASET_SIZE, 1, 28, 28]),
    tensor(labelsOf(DATASET_SIZE, 0), { dtype: "int32" }),
  );
  const loader = new DataLoader(dataset, { batchSize: 128, shuffle: true, seed: 0 });
  const batches = loader.batchIndices(0);
  const model = mlp();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.02, momentum: 0.9 });
  const timing = timeSteps(STEPS.w2.warmup, STEPS.w2.ours, (i) =>
    scope(() => {
      const [x, y] = loader.batch(batches[i % batches.length]);
      optimizer.zeroGrad();
      F.crossEntropy(model.call(x), y).backward();
      optimizer.step();
      optimizer.zeroGrad();
    }), true);
  dataset.dispose();
  return timing;
}

function pool(make: (i: number) => Tensor[]): Tensor[][] {
  return Array.from({ length: POOL }, (_, i) => keep(make(i)));
}

/** W3 on our side. */
export function oursW3(): Timing {
  manualSeed(0);
  const batches = pool((i) => [
    randn([64, 1, 28, 28]),
    tensor(labelsOf(64, i), { dtype: "int32" }),
  ]);
  const model = cnn();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const timing = timeSteps(STEPS.w3.warmup, STEPS.w3.ours, (i) =>
    scope(() => {
      const [x, y] = batches[i % POOL];
      optimizer.zeroGrad();
      F.crossEntropy(model.call(x), y).backward();
      optimizer.step();
      optimizer.zeroGrad();
    }), true);
  batches.flat().forEach((t) => t.dispose());
  return timing;
}

/** W4 on our side. */
export function oursW4(): Timing & { liveFlat: boolean } {
  manualSeed(0);
  const batches = pool(() => [scope(() => F.tanh(randn([64, 1, 28, 28])))]);
  const gan = new Dcgan();
  const optimizers = new DcganOptimizers(gan);
  const live: number[] = [];
  const timing = timeSteps(STEPS.w4.warmup, STEPS.w4.ours, (i) => {
    trainStep(gan, optimizers, batches[i % POOL][0]);
    if (i >= STEPS.w4.warmup) live.push(memoryStats().liveBytes);
  }, true);
  batches.flat().forEach((t) => t.dispose());
  return { ...timing, liveFlat: live.every((bytes) => bytes === live[0]) };
}

// --- the table ----------------------------------------------------------------------------------

/** Runs W2, W3 and W4 on both sides and prints the table. */
export async function benchTrain(): Promise<void> {
  const rssAtStart = Deno.memoryUsage().rss;
  console.log(
    `\nTraining, one thread: edgegrad (${backend().build} build) beside TensorFlow.js wasm ` +
      "(XNNPACK, tf.layers + optimizer.minimize), synthetic data of MNIST's shapes. TF.js's wasm " +
      "backend lacks Conv2DBackpropFilter: this benchmark registers one built from its forward " +
      "conv (batch as channels, dilated dy as the filter, transposes), as bench/conv.ts does; " +
      "without it TF.js cannot train W3 or W4.",
  );
  const ours = { w2: oursW2(), w3: oursW3(), w4: oursW4() };
  // Loaded only now, so that TF.js's modules (about 27 MiB) are not in our side's RSS figures.
  const { startTfjs, tfjsW2, tfjsW3, tfjsW4 } = await import("./train_tfjs.ts");
  await startTfjs();
  const theirs = { w2: tfjsW2(), w3: tfjsW3(), w4: tfjsW4() };

  const perSecond = (t: Timing, batch: number) => (t.steps * batch) / t.seconds;
  const msPerStep = (t: Timing) => (1000 * t.seconds) / t.steps;
  const whole = (v: number) => Math.round(v).toLocaleString("en-US");
  const rate = (name: string, side: "w2" | "w3", batch: number, unit: string, goal: string) => {
    const a = perSecond(ours[side], batch), b = perSecond(theirs[side], batch);
    return [name, `${whole(a)} ${unit}`, `${whole(b)} ${unit}`, (a / b).toFixed(2), goal];
  };
  const a = msPerStep(ours.w4), b = msPerStep(theirs.w4);
  const rows = [
    rate(
      "W2 MLP 784-256-128-10, SGD momentum, batch 128",
      "w2",
      128,
      "samples/s",
      "≥ 20,000 samples/s",
    ),
    rate("W3 CNN (mnist-cnn), Adam, batch 64", "w3", 64, "images/s", "≥ 450 images/s"),
    [
      "W4 DCGAN, D then G step, batch 64",
      `${whole(a)} ms/step`,
      `${whole(b)} ms/step`,
      (b / a).toFixed(2),
      "≤ 1,500 ms/step",
    ],
  ];
  console.log("| workload | edgegrad | tfjs-wasm | ratio | goal |");
  console.log("|---|---:|---:|---:|---|");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(
    "ratio = edgegrad speed / tfjs-wasm speed (above 1: edgegrad is faster). Steps timed after " +
      `warm-up: W2 ${STEPS.w2.ours}/${STEPS.w2.tfjs}, W3 ${STEPS.w3.ours}/${STEPS.w3.tfjs}, ` +
      `W4 ${STEPS.w4.ours}/${STEPS.w4.tfjs} (edgegrad/tfjs). W2 includes gathering each batch ` +
      "from the dataset on both sides (TF.js: tf.gather). TF.js's W4 step runs the generator " +
      "forward twice (its tape cannot outlive the discriminator's update); ours once.",
  );
  console.log(
    `edgegrad process RSS: ${mib(rssAtStart)} at start, peak ${mib(ours.w2.peakRss ?? 0)} in W2 ` +
      `(60,000-sample dataset in memory; goal < 300 MiB), ${mib(ours.w3.peakRss ?? 0)} in W3, ` +
      `${mib(ours.w4.peakRss ?? 0)} in W4; W4 live bytes after each step ` +
      `${ours.w4.liveFlat ? "flat" : "NOT flat"}, wasm memory ${
        mib(memoryStats().memoryBytes)
      } (measured before TF.js's backend started).`,
  );
}

if (import.meta.main) await benchTrain();
