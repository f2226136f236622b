import assert from "node:assert/strict";
import { ReduceOp } from "../../runtime/backend/bindings/reduce.ts";
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertClose } from "./close.ts";

const builds = await bothBuilds();

/** [outer, size, inner] layouts: contiguous rows, odd sizes, inner > 1 with and without tails. */
const layouts: [number, number, number][] = [
  [1, 1, 1],
  [3, 7, 1],
  [2, 13, 1],
  [1, 1000, 1],
  [4, 33, 1],
  [2, 7, 3],
  [3, 13, 4],
  [2, 5, 7],
  [1, 33, 13],
  [5, 1, 6],
  [2, 1000, 9],
];

/** The column x[o, :, i] of x viewed as [outer, size, inner]. */
function column(x: ArrayLike<number>, o: number, i: number, size: number, inner: number) {
  return Array.from({ length: size }, (_, j) => x[(o * size + j) * inner + i]);
}

function argBest(values: number[], better: (v: number, best: number) => boolean): number {
  let index = 0;
  for (let j = 1; j < values.length; j++) {
    const v = values[j];
    const best = values[index];
    if (better(v, best) || (Number.isNaN(v) && !Number.isNaN(best))) index = j;
  }
  return index;
}

function logSumExp(values: number[]): number {
  const m = Math.max(...values);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(values.reduce((s, v) => s + Math.exp(v - m), 0));
}

const references: Record<Exclude<keyof typeof ReduceOp, "ArgMax" | "ArgMin">, {
  ref: (values: number[]) => number;
  /** Allowed error given the column (sums allow for the magnitude of the terms). */
  tolerance: (values: number[]) => { abs?: number; rel?: number; ulps?: number };
}> = {
  Sum: {
    ref: (v) => v.reduce((s, x) => s + x, 0),
    // Accumulated in f64: one rounding to f32 at the end.
    tolerance: (v) => ({ abs: 1e-12 * v.reduce((s, x) => s + Math.abs(x), 0), ulps: 0.5 }),
  },
  Mean: {
    ref: (v) => v.reduce((s, x) => s + x, 0) / v.length,
    tolerance: (v) => ({ abs: 1e-12 * v.reduce((s, x) => s + Math.abs(x), 0), ulps: 0.5 }),
  },
  Max: { ref: (v) => Math.max(...v), tolerance: () => ({}) },
  Min: { ref: (v) => Math.min(...v), tolerance: () => ({}) },
  LogSumExp: { ref: logSumExp, tolerance: () => ({ rel: 1e-6, abs: 1e-6 }) },
  Prod: { ref: (v) => v.reduce((p, x) => p * x, 1), tolerance: () => ({ ulps: 0.5 }) },
};

function reduce(
  h: KernelHarness,
  op: number,
  x: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
): number[] {
  const px = h.f32(x);
  const out = h.alloc(outer * inner * 4);
  h.k.reduceF32(op, px, out, outer, size, inner);
  const isIndex = op === ReduceOp.ArgMax || op === ReduceOp.ArgMin;
  return Array.from(isIndex ? h.readI32(out, outer * inner) : h.readF32(out, outer * inner));
}

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`reduceF32 value reductions match float64 over every layout ${tag}`, () => {
    for (const [name, { ref, tolerance }] of Object.entries(references)) {
      for (const [outer, size, inner] of layouts) {
        h.reset();
        const n = outer * size * inner;
        // Products stay near 1 so that long columns neither overflow nor vanish.
        const x = name === "Prod"
          ? Float32Array.from(seededValues(n, n), (u) => 1 + u * 0.05)
          : Float32Array.from(seededValues(n, n), (u) => u * 5);
        const got = reduce(h, ReduceOp[name as keyof typeof ReduceOp], x, outer, size, inner);
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            const values = column(x, o, i, size, inner);
            assertClose(
              [got[o * inner + i]],
              [ref(values)],
              tolerance(values),
              `${name} [${outer}, ${size}, ${inner}] at (${o}, ${i})`,
            );
          }
        }
      }
    }
  });

  Deno.test(`reduceF32 ArgMax/ArgMin take the first extreme, NaN first ${tag}`, () => {
    for (const [outer, size, inner] of layouts) {
      h.reset();
      const n = outer * size * inner;
      // Coarse values make ties; a few NaNs (in some columns only) must win over every number.
      const x = Float32Array.from(
        seededValues(n, n + 1),
        (u, k) => k % 17 === 5 ? NaN : Math.round(u * 3),
      );
      for (
        const [name, better] of [
          ["ArgMax", (v: number, b: number) => v > b],
          ["ArgMin", (v: number, b: number) => v < b],
        ] as const
      ) {
        const got = reduce(h, ReduceOp[name], x, outer, size, inner);
        const expected: number[] = [];
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            expected.push(argBest(column(x, o, i, size, inner), better));
          }
        }
        assert.deepEqual(got, expected, `${name} [${outer}, ${size}, ${inner}]`);
      }
    }
  });

  Deno.test(`reduceF32 Max/Min/Sum propagate NaN and infinities ${tag}`, () => {
    h.reset();
    const rows = [
      [1, NaN, 3, 4, 5, 6, 7, 8, 9],
      [1, 2, Infinity, 4, 5, 6, 7, 8, -Infinity],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, 0],
    ];
    const x = rows.flat();
    assertClose(reduce(h, ReduceOp.Max, x, 3, 9, 1), [NaN, Infinity, 0], {}, "max");
    assertClose(reduce(h, ReduceOp.Min, x, 3, 9, 1), [NaN, -Infinity, -Infinity], {}, "min");
    assertClose(reduce(h, ReduceOp.Sum, x, 3, 9, 1), [NaN, NaN, -Infinity], {}, "sum");
    // The same rows as columns (inner = 3).
    const t = Array.from({ length: 27 }, (_, k) => rows[k % 3][Math.floor(k / 3)]);
    assertClose(reduce(h, ReduceOp.Max, t, 1, 9, 3), [NaN, Infinity, 0], {}, "max columns");
    assertClose(reduce(h, ReduceOp.Sum, t, 1, 9, 3), [NaN, NaN, -Infinity], {}, "sum columns");
  });

  Deno.test(`reduceF32 LogSumExp is exact and finite for logits of ±1e4 ${tag}`, () => {
    h.reset();
    const x = [1e4, -1e4, 0, -Infinity, -Infinity, -Infinity, 5, Infinity, 1];
    assertClose(
      reduce(h, ReduceOp.LogSumExp, x, 3, 3, 1),
      [1e4, -Infinity, Infinity],
      {},
      "logsumexp rows",
    );
    const big = [-1e4, -1e4 + 1, -1e4 + 2];
    assertClose(
      reduce(h, ReduceOp.LogSumExp, big, 1, 3, 1),
      [logSumExp(big)],
      { ulps: 1 },
      "logsumexp near -1e4",
    );
    // Columns: [[1e4, 0], [-1e4, 1], [0, 2]] reduced over the middle axis.
    assertClose(
      reduce(h, ReduceOp.LogSumExp, [1e4, 0, -1e4, 1, 0, 2], 1, 3, 2),
      [1e4, logSumExp([0, 1, 2])],
      { ulps: 1 },
      "logsumexp columns",
    );
  });

  Deno.test(`reduceF32 sums long rows without f32 drift ${tag}`, () => {
    h.reset();
    // 1e4 then 1e5 copies of 1e-4: an f32 accumulator holding 1e4 drops every 1e-4 it is given.
    const n = 100_001;
    const x = new Float32Array(n).fill(1e-4);
    x[0] = 1e4;
    const expected = 1e4 + (n - 1) * Math.fround(1e-4);
    const [sum] = reduce(h, ReduceOp.Sum, x, 1, n, 1);
    assertClose([sum], [expected], { ulps: 0.5 }, "long sum");
    // The same column next to a column of zeros (inner = 2).
    const pairs = new Float32Array(2 * n);
    for (let j = 0; j < n; j++) pairs[2 * j + 1] = x[j];
    const columnSums = reduce(h, ReduceOp.Sum, pairs, 1, n, 2);
    assertClose(columnSums, [0, expected], { ulps: 0.5 }, "long sum, column");
  });

  Deno.test(`reduceF32 over an empty axis gives each op's identity ${tag}`, () => {
    h.reset();
    const expected: Record<string, number> = {
      Sum: 0,
      Mean: NaN,
      Max: -Infinity,
      Min: Infinity,
      ArgMax: 0,
      ArgMin: 0,
      LogSumExp: -Infinity,
      Prod: 1,
    };
    for (const [name, value] of Object.entries(expected)) {
      const got = reduce(h, ReduceOp[name as keyof typeof ReduceOp], [], 2, 0, 3);
      assertClose(got, new Array(6).fill(value), {}, `${name} of nothing`);
    }
  });
}
