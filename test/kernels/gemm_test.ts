import assert from "node:assert/strict";
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";

const harnesses = await bothBuilds();
const EPS32 = 2 ** -23;

interface Case {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  /** Extra elements per row of A, B and C beyond the minimum leading dimension. */
  pad?: number;
  beta?: 0 | 1;
  bias?: boolean;
  relu?: boolean;
  rowStart?: number;
  rowEnd?: number;
  seed?: number;
}

interface Operands {
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  c: Float32Array;
  ldc: number;
  bias: Float32Array;
}

/** A rows×cols matrix with row stride ld, random in [-scale, scale), NaN in the padding. */
function matrix(rows: number, cols: number, ld: number, seed: number, scale = 1): Float32Array {
  const values = seededValues(Math.max(rows * ld, 1), seed).map((x) => scale * x);
  for (let i = 0; i < rows; i++) values.fill(NaN, i * ld + cols, (i + 1) * ld);
  return values;
}

/**
 * Random operands in their stored layouts. The padding of A and B (past the last column, within
 * the leading dimension) is NaN, so reading it spoils the result; C is random, padding included.
 */
function operands(t: Case): Operands {
  const pad = t.pad ?? 0;
  const seed = t.seed ?? 1;
  const [aRows, aCols] = t.transA ? [t.K, t.M] : [t.M, t.K];
  const [bRows, bCols] = t.transB ? [t.N, t.K] : [t.K, t.N];
  const lda = aCols + pad, ldb = bCols + pad, ldc = t.N + pad;
  return {
    a: matrix(aRows, aCols, lda, seed),
    lda,
    b: matrix(bRows, bCols, ldb, seed + 1, 2),
    ldb,
    c: seededValues(Math.max(t.M * ldc, 1), seed + 2),
    ldc,
    bias: seededValues(Math.max(t.N, 1), seed + 3),
  };
}

/** float64 triple loop; returns the expected C and a per-element error bound. */
function reference(t: Case, o: Operands): { expected: Float64Array; bound: Float64Array } {
  const expected = Float64Array.from(o.c);
  const bound = new Float64Array(o.c.length);
  const rowStart = t.rowStart ?? 0, rowEnd = t.rowEnd ?? t.M;
  for (let i = rowStart; i < rowEnd; i++) {
    for (let j = 0; j < t.N; j++) {
      let sum = 0, absSum = 0;
      for (let k = 0; k < t.K; k++) {
        const x = t.transA ? o.a[k * o.lda + i] : o.a[i * o.lda + k];
        const y = t.transB ? o.b[j * o.ldb + k] : o.b[k * o.ldb + j];
        sum += x * y;
        absSum += Math.abs(x * y);
      }
      const at = i * o.ldc + j;
      const base = (t.beta === 1 ? o.c[at] : 0) + (t.bias ? o.bias[j] : 0);
      const value = sum + base;
      expected[at] = t.relu ? Math.max(value, 0) : value;
      // Summing K+2 terms in float32, in any order, with or without FMA: |error| ≤ (K+2)·eps·Σ|term|.
      bound[at] = (t.K + 2) * EPS32 * (absSum + Math.abs(base)) + 1e-30;
    }
  }
  return { expected, bound };
}

/** Runs gemm over rows [rowStart, rowEnd) in the given splits; returns all of C's memory. */
function run(h: KernelHarness, t: Case, o: Operands, splits: [number, number][]): Float32Array {
  h.reset();
  const a = h.f32(o.a), b = h.f32(o.b), c = h.f32(o.c), bias = h.f32(o.bias);
  const workspace = h.alloc(h.k.gemmWorkspaceBytes(t.M, t.N, t.K));
  for (const [start, end] of splits) {
    h.k.gemm(
      +t.transA,
      +t.transB,
      t.M,
      t.N,
      t.K,
      a,
      o.lda,
      b,
      o.ldb,
      c,
      o.ldc,
      t.beta ?? 0,
      t.bias ? bias : 0,
      t.relu ? 1 : 0,
      start,
      end,
      workspace,
    );
  }
  return h.readF32(c, o.c.length);
}

function describe(t: Case, build: string): string {
  return `${build} ${t.transA ? "Aᵀ" : "A"}·${t.transB ? "Bᵀ" : "B"} M=${t.M} N=${t.N} K=${t.K}` +
    ` pad=${t.pad ?? 0} beta=${t.beta ?? 0} bias=${!!t.bias} relu=${!!t.relu}` +
    ` rows=${t.rowStart ?? 0}..${t.rowEnd ?? t.M}`;
}

/** Checks gemm against the reference; elements outside the computed rows and columns must not move. */
function check(t: Case): void {
  const o = operands(t);
  const rowStart = t.rowStart ?? 0, rowEnd = t.rowEnd ?? t.M;
  const { expected, bound } = reference(t, o);
  for (const h of harnesses) {
    const got = run(h, t, o, [[rowStart, rowEnd]]);
    const where = describe(t, h.build);
    for (let at = 0; at < got.length; at++) {
      const i = Math.floor(at / o.ldc), j = at % o.ldc;
      if (i < rowStart || i >= rowEnd || j >= t.N) {
        if (!Object.is(got[at], o.c[at])) {
          assert.fail(`${where}: C[${i}, ${j}] is outside the output but changed to ${got[at]}`);
        }
      } else if (!(Math.abs(got[at] - expected[at]) <= bound[at])) {
        assert.fail(
          `${where}: C[${i}, ${j}] = ${got[at]}, expected ${expected[at]} (bound ${bound[at]})`,
        );
      }
    }
  }
}

const PRODUCTS = [[false, false], [false, true], [true, false], [true, true]] as const;
const SIZES = [1, 3, 7, 13, 17, 33, 65, 130];

Deno.test("gemm matches a float64 triple loop on odd sizes, all transposes", () => {
  for (const [transA, transB] of PRODUCTS) {
    for (const M of SIZES) {
      // N and K run through the sizes at an offset from M, so many (M, N, K) shapes occur.
      const at = SIZES.indexOf(M);
      const N = SIZES[(at + 3) % SIZES.length];
      const K = SIZES[(at + 5) % SIZES.length];
      check({ transA, transB, M, N, K });
      check({ transA, transB, M: N, N: K, K: M });
    }
  }
});

Deno.test("gemm handles padded leading dimensions, beta 1, bias and relu", () => {
  for (const [transA, transB] of PRODUCTS) {
    check({ transA, transB, M: 13, N: 17, K: 33, pad: 5 });
    check({ transA, transB, M: 65, N: 33, K: 7, pad: 3, beta: 1 });
    check({ transA, transB, M: 7, N: 65, K: 17, pad: 1, bias: true });
    check({ transA, transB, M: 33, N: 13, K: 65, pad: 2, relu: true });
    check({ transA, transB, M: 130, N: 31, K: 13, pad: 4, beta: 1, bias: true, relu: true });
  }
});

Deno.test("gemm is exact across its cache blocks (K > 256, N > 512, M > 128)", () => {
  for (const [transA, transB] of PRODUCTS) {
    check({ transA, transB, M: 7, N: 9, K: 600, pad: 3 });
    check({ transA, transB, M: 7, N: 9, K: 600, beta: 1, bias: true, relu: true, pad: 3 });
    check({ transA, transB, M: 9, N: 530, K: 17, bias: true, pad: 1 });
    check({ transA, transB, M: 250, N: 11, K: 5, relu: true });
  }
  check({ transA: false, transB: false, M: 131, N: 521, K: 263, beta: 1, bias: true, relu: true });
});

Deno.test("gemm with fewer rows than a micro-tile (M < 4) takes every shape", () => {
  for (const [transA, transB] of PRODUCTS) {
    for (const M of [1, 2, 3]) {
      for (const [N, K] of [[1, 1], [5, 6], [37, 300], [20, 3], [16, 4]]) {
        check({ transA, transB, M, N, K, pad: 3 });
        check({ transA, transB, M, N, K, beta: 1, bias: true, relu: true, seed: M + N });
      }
    }
  }
});

Deno.test("gemm with K = 0 writes beta·C + bias, then relu", () => {
  for (const beta of [0, 1] as const) {
    check({ transA: false, transB: false, M: 5, N: 9, K: 0, beta, bias: true, relu: true, pad: 2 });
    check({ transA: true, transB: true, M: 3, N: 4, K: 0, beta });
  }
});

Deno.test("gemm computes only rows rowStart..rowEnd, and two halves equal one call", () => {
  for (const [transA, transB] of PRODUCTS) {
    for (const [M, split] of [[17, 5], [130, 61], [33, 32], [13, 0], [65, 65], [3, 1]]) {
      const t: Case = { transA, transB, M, N: 19, K: 37, pad: 3, beta: 1, bias: true, relu: true };
      check({ ...t, rowStart: split, rowEnd: M });
      check({ ...t, rowStart: 0, rowEnd: split });
      const o = operands(t);
      for (const h of harnesses) {
        const whole = run(h, t, o, [[0, M]]);
        const halves = run(h, t, o, [[0, split], [split, M]]);
        assert.deepEqual(halves, whole, `${describe(t, h.build)} split at ${split}`);
      }
    }
    check({ transA, transB, M: 40, N: 21, K: 9, rowStart: 7, rowEnd: 30, beta: 1 });
    check({ transA, transB, M: 12, N: 8, K: 3, rowStart: 6, rowEnd: 6 });
  }
});

Deno.test("the relaxed and plain builds agree closely", () => {
  const t: Case = { transA: true, transB: false, M: 65, N: 130, K: 129, bias: true };
  const o = operands(t);
  const [relaxed, simd] = harnesses.map((h) => run(h, t, o, [[0, t.M]]));
  let worst = 0;
  for (let at = 0; at < relaxed.length; at++) {
    worst = Math.max(worst, Math.abs(relaxed[at] - simd[at]));
  }
  assert.ok(worst <= 1e-5 * t.K, `builds differ by ${worst}`);
  assert.equal(harnesses[0].k.isRelaxedBuild(), 1);
  assert.equal(harnesses[1].k.isRelaxedBuild(), 0);
});
