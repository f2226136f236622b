/**
 * Convolution throughput on the layers of W3 (MNIST CNN) and W4 (DCGAN), batch 64: for each layer
 * the forward pass, the input gradient and the weight gradient, in ms and GFLOP/s, ours (one
 * thread, the build the runtime picks: relaxed SIMD where the engine has it) beside TensorFlow.js's
 * wasm backend (XNNPACK, one thread, NHWC, its native layout) in the same run, with the ratio.
 *
 * How TF.js computes each pass: conv2d forward is tf.conv2d, its input gradient
 * tf.conv2dTranspose (the Conv2DBackpropInput kernel); the transposed conv's forward is
 * tf.conv2dTranspose and its input gradient tf.conv2d. TF.js's wasm backend has no
 * Conv2DBackpropFilter, so its weight gradient is built from its own forward conv: the batch
 * becomes the channel axis (transposes of x and dy), dy becomes a filter dilated by the stride, and
 * the result is transposed back into the filter layout; the figure includes those transposes.
 * TF.js gets a new filter tensor before every call (outside the timing), as in training, so that
 * XNNPACK cannot reuse weights it packed for an earlier call; we pack every call anyway.
 *
 * FLOPs of every pass: 2 · batch · Cout · Hout · Wout · (Cin/groups) · kH · kW of the conv (for a
 * transposed conv, of the conv it transposes). Every figure is the median of all its calls,
 * gathered over ROUNDS passes over the whole table, so that a burst of load on the machine spoils
 * one pass of a figure rather than the figure.
 *
 * Run: `npx deno run -A scripts/bench/conv.ts` (about 40 seconds on an idle machine).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs"; // registers the gradients tfjs-core alone lacks
import { median, useTfjsWasm } from "./tfjs_peer.ts";
import { backend, F, manualSeed, noGrad, randn, type Tensor } from "../../runtime/mod.ts";

const BATCH = 64;

/** One layer: a conv2d or a convTranspose2d of W3 or W4 (shapes as PyTorch states them). */
interface Layer {
  name: string;
  transposed: boolean;
  /** [N, C, H, W] of the layer's input. */
  input: [number, number, number, number];
  /** conv2d: [Cout, Cin, kH, kW]; convTranspose2d: [Cin, Cout, kH, kW]. */
  weight: [number, number, number, number];
  stride: number;
  padding: number;
  outputPadding: number;
}

const LAYERS: Layer[] = [
  layer("W3 conv1 1→32 5x5 same, 28x28", false, [1, 28, 28], [32, 1, 5, 5], 1, 2),
  layer("W3 conv2 32→64 5x5 same, 14x14", false, [32, 14, 14], [64, 32, 5, 5], 1, 2),
  layer("W4 G convT 256→128 5x5 pad 2, 7x7", true, [256, 7, 7], [256, 128, 5, 5], 1, 2),
  layer("W4 G convT 128→64 5x5 s2, 7→14", true, [128, 7, 7], [128, 64, 5, 5], 2, 2, 1),
  layer("W4 G convT 64→1 5x5 s2, 14→28", true, [64, 14, 14], [64, 1, 5, 5], 2, 2, 1),
  layer("W4 D conv 1→64 5x5 s2, 28→14", false, [1, 28, 28], [64, 1, 5, 5], 2, 2),
  layer("W4 D conv 64→128 5x5 s2, 14→7", false, [64, 14, 14], [128, 64, 5, 5], 2, 2),
];

/** The layer with a speed goal: forward, grad input and grad weight at least 35 GFLOP/s each. */
const GOAL_LAYER = LAYERS[1];

function layer(
  name: string,
  transposed: boolean,
  [channels, height, width]: number[],
  weight: [number, number, number, number],
  stride: number,
  padding: number,
  outputPadding = 0,
): Layer {
  return {
    name,
    transposed,
    input: [BATCH, channels, height, width],
    weight,
    stride,
    padding,
    outputPadding,
  };
}

/** The layer's output [N, C, H, W]. */
function outputShape(l: Layer): [number, number, number, number] {
  const [n, , h, w] = l.input;
  const k = l.weight[2];
  const size = (x: number) =>
    l.transposed
      ? (x - 1) * l.stride - 2 * l.padding + k + l.outputPadding
      : Math.floor((x + 2 * l.padding - k) / l.stride) + 1;
  return [n, l.transposed ? l.weight[1] : l.weight[0], size(h), size(w)];
}

/** 2·N·Cout·Hout·Wout·Cin·kH·kW of the conv (for a transposed conv, of the conv it transposes). */
function flops(l: Layer): number {
  const [k0, k1, kh, kw] = l.weight;
  const small = l.transposed ? l.input : outputShape(l);
  return 2 * BATCH * k0 * small[2] * small[3] * k1 * kh * kw;
}

type Pass = "forward" | "grad input" | "grad weight";
const PASSES: Pass[] = ["forward", "grad input", "grad weight"];

/** Passes over the whole table; a figure is the median of its calls from all passes. */
const ROUNDS = 2;
/** Per figure and pass: calls until BUDGET_MS have passed, at least MIN_CALLS, at most MAX_CALLS. */
const BUDGET_MS = 300;
const MIN_CALLS = 2;
const MAX_CALLS = 12;

/** One figure of the table: `run` times some calls (after one untimed call the first time). */
interface Figure {
  run(): number[];
  dispose(): void;
}

function figure(prepare: () => void, call: () => void, dispose: () => void): Figure {
  let warm = false;
  return {
    run() {
      if (!warm) {
        prepare();
        call();
        warm = true;
      }
      const times: number[] = [];
      const start = performance.now();
      while (
        times.length < MAX_CALLS &&
        (times.length < MIN_CALLS || performance.now() - start < BUDGET_MS)
      ) {
        prepare();
        const t0 = performance.now();
        call();
        times.push(performance.now() - t0);
      }
      return times;
    },
    dispose,
  };
}

/** Our pass through the public ops; gradients through the op's recorded backward. */
function oursFigure(l: Layer, pass: Pass): Figure {
  const options = l.transposed
    ? { stride: l.stride, padding: l.padding, outputPadding: l.outputPadding }
    : { stride: l.stride, padding: l.padding };
  const op = (x: Tensor, w: Tensor) =>
    l.transposed ? F.convTranspose2d(x, w, null, options) : F.conv2d(x, w, null, options);
  const x = randn(l.input, { requiresGrad: pass === "grad input" });
  const w = randn(l.weight, { requiresGrad: pass === "grad weight" });
  const gradOut = randn(outputShape(l));
  const y = pass === "forward" ? null : op(x, w);
  return figure(
    () => {},
    () => {
      if (y === null) noGrad(() => op(x, w)).dispose();
      else y.node!.backward(gradOut).forEach((g) => g?.dispose());
    },
    () => [x, w, gradOut, y].forEach((t) => t?.dispose()),
  );
}

/** TF.js's pass in NHWC with filters [kH, kW, in, out] (conv2dTranspose: [kH, kW, out, in]). */
function tfjsFigure(l: Layer, pass: Pass): Figure {
  const [n, cin, h, w] = l.input;
  const [, cout, oh, ow] = outputShape(l);
  const [, , kh, kw] = l.weight;
  const x = tf.randomNormal([n, h, w, cin]) as tf.Tensor4D;
  const dy = tf.randomNormal([n, oh, ow, cout]) as tf.Tensor4D;
  // Both ops' filters are [kH, kW, convIn, convOut] of the conv (transposed: its input is convOut).
  const filterShape: [number, number, number, number] = l.transposed
    ? [kh, kw, cout, cin]
    : [kh, kw, cin, cout];
  const base = tf.randomNormal(filterShape) as tf.Tensor4D;
  let filter = tf.clone(base);
  const s = l.stride, p = l.padding;
  // The conv of the pair maps its "big" side (conv input) to its "small" side (conv output).
  const conv = (big: tf.Tensor4D) => tf.conv2d(big, filter, s, p);
  const convBackInput = (small: tf.Tensor4D, bigShape: [number, number, number, number]) =>
    tf.conv2dTranspose(small, filter, bigShape, s, p);
  const call = (): tf.Tensor => {
    if (!l.transposed) {
      if (pass === "forward") return conv(x);
      if (pass === "grad input") return convBackInput(dy, [n, h, w, cin]);
      return weightGrad(x, dy, l);
    }
    if (pass === "forward") return convBackInput(x, [n, oh, ow, cout]);
    if (pass === "grad input") return conv(dy);
    return weightGrad(dy, x, l);
  };
  return figure(
    () => {
      filter.dispose();
      filter = tf.mul(base, 1) as tf.Tensor4D;
    },
    () => call().dispose(),
    () => [x, dy, base, filter].forEach((t) => t.dispose()),
  );
}

/**
 * dW[i, j, ci, co] = Σ_{n, oh, ow} big[n, oh·s − p + i, ow·s − p + j, ci] · small[n, oh, ow, co]
 * from TF.js's forward conv: big as [ci, H, W, n], small as a filter [oh, ow, n, co] dilated by
 * the stride, padded so that the output is exactly kH×kW, then transposed to [kH, kW, ci, co].
 */
function weightGrad(big: tf.Tensor4D, small: tf.Tensor4D, l: Layer): tf.Tensor {
  return tf.tidy(() => {
    const [, height, width] = big.shape;
    const [, smallH, smallW] = small.shape;
    const k = l.weight[2], s = l.stride, p = l.padding;
    const bottom = k - height - p + s * (smallH - 1);
    const right = k - width - p + s * (smallW - 1);
    const images = tf.transpose(big, [3, 1, 2, 0]) as tf.Tensor4D;
    const filter = tf.transpose(small, [1, 2, 0, 3]) as tf.Tensor4D;
    const out = tf.conv2d(images, filter, 1, [[0, 0], [p, bottom], [p, right], [0, 0]], "NHWC", s);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/** Runs the conv benchmark and prints its table. */
export async function benchConv(): Promise<void> {
  await useTfjsWasm();
  manualSeed(0);
  console.log(
    `\nConvolutions of W3 and W4, batch ${BATCH}, one thread: edgegrad (${backend().build} ` +
      "build) beside TensorFlow.js wasm (XNNPACK, NHWC). TF.js grad weight = its forward conv " +
      "(dilated, batch as channels) plus transposes, as it has no Conv2DBackpropFilter; " +
      "TF.js conv2d grad input and convT forward = its Conv2DBackpropInput kernel.",
  );
  const rows = LAYERS.flatMap((l) =>
    PASSES.map((pass) => ({
      l,
      pass,
      ours: oursFigure(l, pass),
      theirs: tfjsFigure(l, pass),
      oursTimes: [] as number[],
      theirTimes: [] as number[],
    }))
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of rows) {
      row.oursTimes.push(...row.ours.run());
      row.theirTimes.push(...row.theirs.run());
    }
  }
  console.log(
    "| layer | pass | GFLOP | edgegrad ms | edgegrad GFLOP/s | tfjs-wasm ms | tfjs-wasm GFLOP/s | ratio |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  const goal: string[] = [];
  for (const row of rows) {
    const work = flops(row.l);
    const ours = median(row.oursTimes), theirs = median(row.theirTimes);
    const rate = (ms: number) => (work / ms / 1e6).toFixed(1);
    if (row.l === GOAL_LAYER) goal.push(`${row.pass} ${rate(ours)}`);
    console.log(
      `| ${row.l.name} | ${row.pass} | ${(work / 1e9).toFixed(3)} | ${ours.toFixed(2)} | ` +
        `${rate(ours)} | ${theirs.toFixed(2)} | ${rate(theirs)} | ${(theirs / ours).toFixed(2)} |`,
    );
    row.ours.dispose();
    row.theirs.dispose();
  }
  console.log("ratio = tfjs-wasm ms / edgegrad ms (above 1: edgegrad is faster)");
  console.log(`${GOAL_LAYER.name}, goal ≥ 35 GFLOP/s each: ${goal.join(", ")} GFLOP/s`);
}

if (import.meta.main) await benchConv();
