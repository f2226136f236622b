/**
 * W1: single-precision GEMM throughput (GFLOP/s) for square n = 128..1024 and the three products of
 * training (A·B forward, A·Bᵀ and Aᵀ·B backward), ours (relaxed-SIMD build, plain-SIMD build as
 * an extra column) beside TensorFlow.js's wasm backend (XNNPACK, one thread) in the same run.
 *
 * The right-hand operand gets new contents before every call (outside the timing): training never
 * multiplies by the same B twice, so a cached packed B would flatter either side. For TF.js, B is a
 * new tensor each call and the time includes dataSync(). Each figure is the median of the calls.
 *
 * Run: `npx deno run -A scripts/bench/gemm.ts`.
 */
import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
import { setThreadsCount, setWasmPaths } from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
import { KernelHarness, seededValues } from "../../test/kernels/harness.ts";
import {
  compileKernelFile,
  instantiateKernels,
  type KernelBuild,
} from "../../runtime/backend/module.ts";

const SIZES = [128, 256, 512, 1024];
const PRODUCTS = [
  { name: "A·B", transA: false, transB: false },
  { name: "A·Bᵀ", transA: false, transB: true },
  { name: "Aᵀ·B", transA: true, transB: false },
] as const;
/** Calls per measurement: at least MIN_CALLS, then more until BUDGET_MS have passed (≤ MAX_CALLS). */
const MIN_CALLS = 5;
const MAX_CALLS = 60;
const BUDGET_MS = 300;
/** Slack past n² in the pool of random values, so each call's B is a different window of it. */
const POOL_SLACK = 4099;

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median milliseconds of `call`, with `prepare` (untimed) before each call. */
function measure(prepare: (index: number) => void, call: () => void, budgetMs: number): number {
  for (let warm = 0; warm < 2; warm++) {
    prepare(warm);
    call();
  }
  const times: number[] = [];
  const start = performance.now();
  for (let index = 0; index < MAX_CALLS; index++) {
    if (index >= MIN_CALLS && performance.now() - start > budgetMs) break;
    prepare(index + 2);
    const t0 = performance.now();
    call();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function gflops(n: number, ms: number): number {
  return (2 * n * n * n) / (ms * 1e6);
}

/** The window of the pool that becomes B on call `index`. */
function window(pool: Float32Array, n: number, index: number): Float32Array {
  const offset = (index * 97) % POOL_SLACK;
  return pool.subarray(offset, offset + n * n);
}

/** GFLOP/s of our gemm for every size and product, in SIZES × PRODUCTS order. */
async function benchOurs(build: KernelBuild): Promise<number[]> {
  const harness = new KernelHarness(build, instantiateKernels(await compileKernelFile(build)));
  const k = harness.k;
  const results: number[] = [];
  for (const n of SIZES) {
    harness.reset();
    const a = harness.f32(seededValues(n * n, 1));
    const b = harness.alloc(n * n * 4);
    const c = harness.alloc(n * n * 4);
    const workspace = harness.alloc(k.gemmWorkspaceBytes(n, n, n));
    const pool = seededValues(n * n + POOL_SLACK, 2);
    for (const { transA, transB } of PRODUCTS) {
      const ms = measure(
        (index) => new Float32Array(k.memory.buffer, b, n * n).set(window(pool, n, index)),
        () =>
          k.gemm(+transA, +transB, n, n, n, a, n, b, n, c, n, 0, 0, 0, 0, n, workspace),
        BUDGET_MS,
      );
      results.push(gflops(n, ms));
    }
  }
  return results;
}

/** GFLOP/s of TF.js's wasm backend (one thread) for every size and product. */
async function benchTfjs(): Promise<number[]> {
  const dist = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  // The non-threaded SIMD binary, and one thread should the threaded one be picked anyway.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setThreadsCount(1);
  setWasmPaths(dist.href);
  if (!(await tf.setBackend("wasm"))) throw new Error("bench gemm: the TF.js wasm backend failed");
  await tf.ready();
  const results: number[] = [];
  for (const n of SIZES) {
    const a = tf.tensor2d(seededValues(n * n, 1), [n, n]);
    const pool = seededValues(n * n + POOL_SLACK, 2);
    for (const { transA, transB } of PRODUCTS) {
      let b: tf.Tensor2D | null = null;
      const ms = measure(
        (index) => {
          b?.dispose();
          b = tf.tensor2d(window(pool, n, index), [n, n]);
        },
        () => {
          const c = tf.matMul(a, b!, transA, transB);
          c.dataSync();
          c.dispose();
        },
        BUDGET_MS,
      );
      (b as tf.Tensor2D | null)?.dispose();
      results.push(gflops(n, ms));
    }
    a.dispose();
  }
  return results;
}

/** Runs W1 and prints the table. */
export async function benchGemm(): Promise<void> {
  const relaxed = await benchOurs("relaxed");
  const simd = await benchOurs("simd");
  const tfjs = await benchTfjs();
  const header = ["n", "product", "ours relaxed", "ours simd", "tfjs wasm", "relaxed/tfjs"];
  const rows: string[][] = [];
  let at = 0;
  for (const n of SIZES) {
    for (const { name } of PRODUCTS) {
      rows.push([
        String(n),
        name,
        relaxed[at].toFixed(1),
        simd[at].toFixed(1),
        tfjs[at].toFixed(1),
        `${(relaxed[at] / tfjs[at]).toFixed(2)}×`,
      ]);
      at++;
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))
      .join("  ");
  console.log("W1 GEMM f32, GFLOP/s, one thread, new B every call (median)");
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row));
}

if (import.meta.main) await benchGemm();
