/**
 * Memory over a long training run: the W2 MLP (784-256-128-10, ReLU, SGD, batch 128) on synthetic
 * data, every step in a scope. Prints the allocator's live bytes and the size of linear memory at
 * steps 1, 10, 100, ..., beside TensorFlow.js's wasm backend (tf.tidy + optimizer.minimize) on the
 * same workload in the same run, with samples/s for both.
 *
 * Run: `npx deno run -A scripts/bench/memory.ts [steps]` (default 1000).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs"; // registers the gradients tfjs-core alone lacks
import { useTfjsWasm } from "./tfjs_peer.ts";
import {
  F,
  manualSeed,
  memoryStats,
  optim,
  randn,
  scope,
  tensor,
  uniform,
} from "../../runtime/mod.ts";

const BATCH = 128;
const SIZES = [784, 256, 128, 10];

function checkpoints(steps: number): Set<number> {
  const marks = new Set<number>([1, steps]);
  for (let m = 10; m < steps; m *= 10) marks.add(m);
  return marks;
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(2);
}

function runOurs(steps: number): { rows: string[][]; samplesPerSecond: number } {
  manualSeed(0);
  const x = randn([BATCH, SIZES[0]]);
  const labels = tensor(Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % 10), {
    dtype: "int32",
  });
  const params = SIZES.slice(1).flatMap((out, i) => {
    const bound = 1 / Math.sqrt(SIZES[i]);
    return [
      uniform([out, SIZES[i]], -bound, bound, { requiresGrad: true }),
      uniform([out], -bound, bound, { requiresGrad: true }),
    ];
  });
  const optimizer = new optim.SGD(params, { lr: 0.01 });
  const marks = checkpoints(steps);
  const rows: string[][] = [];
  const start = performance.now();
  for (let step = 1; step <= steps; step++) {
    scope(() => {
      optimizer.zeroGrad();
      let h = x;
      for (let layer = 0; layer < 3; layer++) {
        h = F.linear(h, params[2 * layer], params[2 * layer + 1]);
        if (layer < 2) h = F.relu(h);
      }
      F.crossEntropy(h, labels).backward();
      optimizer.step();
    });
    if (marks.has(step)) {
      const m = memoryStats();
      rows.push([String(step), mb(m.liveBytes), mb(m.memoryBytes)]);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { rows, samplesPerSecond: (steps * BATCH) / seconds };
}

async function runTfjs(steps: number): Promise<{ rows: string[][]; samplesPerSecond: number }> {
  await useTfjsWasm();
  const x = tf.randomNormal([BATCH, SIZES[0]]);
  const labels = tf.oneHot(
    tf.tensor1d(Array.from({ length: BATCH }, (_, i) => (i * 7) % 10), "int32"),
    10,
  );
  const weights = SIZES.slice(1).map((out, i) => {
    const bound = 1 / Math.sqrt(SIZES[i]);
    return [
      tf.variable(tf.randomUniform([SIZES[i], out], -bound, bound)),
      tf.variable(tf.randomUniform([out], -bound, bound)),
    ];
  });
  const optimizer = tf.train.sgd(0.01);
  const marks = checkpoints(steps);
  const rows: string[][] = [];
  const start = performance.now();
  for (let step = 1; step <= steps; step++) {
    tf.tidy(() => {
      optimizer.minimize(() => {
        let h: tf.Tensor = x;
        weights.forEach(([w, b], layer) => {
          h = tf.add(tf.matMul(h, w), b);
          if (layer < 2) h = tf.relu(h);
        });
        return tf.losses.softmaxCrossEntropy(labels, h) as tf.Scalar;
      });
    });
    if (marks.has(step)) {
      const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
      rows.push([String(step), mb(tf.memory().numBytes), mb(heap.buffer.byteLength)]);
    }
  }
  await tf.ready();
  const seconds = (performance.now() - start) / 1000;
  return { rows, samplesPerSecond: (steps * BATCH) / seconds };
}

/** Runs the memory benchmark and prints its table. */
export async function benchMemory(steps = 1000): Promise<void> {
  console.log(
    `\nMemory over ${steps} scoped training steps, MLP 784-256-128-10, batch ${BATCH}, SGD`,
  );
  const ours = runOurs(steps);
  const theirs = await runTfjs(steps);
  console.log(
    "| step | edgegrad live MB | edgegrad wasm memory MB | tfjs-wasm tensor MB | tfjs-wasm wasm memory MB |",
  );
  console.log("|---:|---:|---:|---:|---:|");
  ours.rows.forEach((row, i) =>
    console.log(`| ${row.join(" | ")} | ${theirs.rows[i].slice(1).join(" | ")} |`)
  );
  console.log(
    `throughput: edgegrad ${ours.samplesPerSecond.toFixed(0)} samples/s, tfjs-wasm ` +
      `${theirs.samplesPerSecond.toFixed(0)} samples/s (ratio ${
        (ours.samplesPerSecond / theirs.samplesPerSecond).toFixed(2)
      })`,
  );
}

if (import.meta.main) await benchMemory(Number(Deno.args[0] ?? 1000));
