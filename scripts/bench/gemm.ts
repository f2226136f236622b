/**
 * W1: single-precision GEMM throughput (GFLOP/s) for square n = 128..1024 and the three products of
 * training (A·B forward, A·Bᵀ and Aᵀ·B backward), ours (relaxed-SIMD build, plain-SIMD build as
 * an extra column) beside TensorFlow.js's wasm backend (XNNPACK, one thread) in the same run.
 *
 * The right-hand operand gets new contents before every call (outside the timing): training never
 * multiplies by the same B twice, so a cached packed B would flatter either side. For TF.js, B is a
 * new tensor each call and the time includes dataSync(). Every figure is the median of all its
 * calls, gathered over ROUNDS passes over the whole table, so that a burst of load on the machine
 * spoils one pass of a figure rather than the figure.
 *
 * Run: `npx deno run -A scripts/bench/gemm.ts`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { median, useTfjsWasm } from "./tfjs_peer.ts";
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
type Product = (typeof PRODUCTS)[number];
/** Passes over the table; each pass times every figure at least once. */
const ROUNDS = 3;
/** Per figure and pass: calls until BUDGET_MS have passed, at least one, at most MAX_CALLS. */
const BUDGET_MS = 120;
const MAX_CALLS = 40;
/** Untimed calls before a figure's first pass, at least one, so that V8 has tiered up. */
const WARMUP_MS = 100;
/** Slack past n² in the pool of random values, so each call's B is a different window of it. */
const POOL_SLACK = 4099;

/** One figure of the table: `run` times some calls of it and returns their milliseconds. */
interface Figure {
  run(): number[];
}

/** A figure timing `call`, with `prepare` (untimed) before each call. */
function figure(prepare: (index: number) => void, call: () => void): Figure {
  let index = 0;
  let warm = false;
  return {
    run() {
      if (!warm) {
        const start = performance.now();
        do {
          prepare(index++);
          call();
        } while (performance.now() - start < WARMUP_MS);
        warm = true;
      }
      const times: number[] = [];
      const start = performance.now();
      while (
        times.length < MAX_CALLS && (times.length === 0 || performance.now() - start < BUDGET_MS)
      ) {
        prepare(index++);
        const t0 = performance.now();
        call();
        times.push(performance.now() - t0);
      }
      return times;
    },
  };
}

/** The window of the pool that becomes B on call `index`. */
function window(pool: Float32Array, n: number, index: number): Float32Array {
  const offset = (index * 97) % POOL_SLACK;
  return pool.subarray(offset, offset + n * n);
}

/** Figures of our gemm for every size and product, in SIZES × PRODUCTS order. */
async function oursFigures(build: KernelBuild): Promise<Figure[]> {
  const harness = new KernelHarness(build, instantiateKernels(await compileKernelFile(build)));
  const k = harness.k;
  const figures: Figure[] = [];
  for (const n of SIZES) {
    const a = harness.f32(seededValues(n * n, 1));
    const b = harness.alloc(n * n * 4);
    const c = harness.alloc(n * n * 4);
    const workspace = harness.alloc(k.gemmWorkspaceBytes(n, n, n));
    const pool = seededValues(n * n + POOL_SLACK, 2);
    for (const { transA, transB } of PRODUCTS) {
      figures.push(figure(
        (index) => new Float32Array(k.memory.buffer, b, n * n).set(window(pool, n, index)),
        () => k.gemm(+transA, +transB, n, n, n, a, n, b, n, c, n, 0, 0, 0, 0, n, workspace),
      ));
    }
  }
  return figures;
}

/** Figures of TF.js's wasm backend (one thread) for every size and product. */
async function tfjsFigures(): Promise<Figure[]> {
  await useTfjsWasm();
  const figures: Figure[] = [];
  for (const n of SIZES) {
    const a = tf.tensor2d(seededValues(n * n, 1), [n, n]);
    const pool = seededValues(n * n + POOL_SLACK, 2);
    for (const { transA, transB } of PRODUCTS) {
      let b = tf.tensor2d(window(pool, n, 0), [n, n]);
      figures.push(figure(
        (index) => {
          b.dispose();
          b = tf.tensor2d(window(pool, n, index), [n, n]);
        },
        () => {
          const c = tf.matMul(a, b, transA, transB);
          c.dataSync();
          c.dispose();
        },
      ));
    }
  }
  return figures;
}

function gflops(n: number, ms: number): number {
  return (2 * n * n * n) / (ms * 1e6);
}

function printTable(columns: { title: string; values: number[] }[]): void {
  const rows: string[][] = [];
  let at = 0;
  for (const n of SIZES) {
    for (const { name } of PRODUCTS as readonly Product[]) {
      const [relaxed, , tfjs] = columns.map((column) => column.values[at]);
      rows.push([
        String(n),
        name,
        ...columns.map((column) => column.values[at].toFixed(1)),
        `${(relaxed / tfjs).toFixed(2)}×`,
      ]);
      at++;
    }
  }
  const header = ["n", "product", ...columns.map((column) => column.title), "relaxed/tfjs"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) =>
      column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])
    ).join("  ");
  console.log("W1 GEMM f32, GFLOP/s, one thread, new B every call (median)");
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** Runs W1 and prints the table: ours (relaxed, plain SIMD) and TF.js wasm, and the ratio. */
export async function benchGemm(): Promise<void> {
  const columns = [
    { title: "ours relaxed", figures: await oursFigures("relaxed") },
    { title: "ours simd", figures: await oursFigures("simd") },
    { title: "tfjs wasm", figures: await tfjsFigures() },
  ];
  const times = columns.map((column) => column.figures.map((): number[] => []));
  for (let round = 0; round < ROUNDS; round++) {
    columns.forEach((column, c) =>
      column.figures.forEach((figure, f) => times[c][f].push(...figure.run()))
    );
  }
  const sizes = SIZES.flatMap((n) => PRODUCTS.map(() => n));
  printTable(columns.map((column, c) => ({
    title: column.title,
    values: times[c].map((calls, f) => gflops(sizes[f], median(calls))),
  })));
}

if (import.meta.main) await benchGemm();
