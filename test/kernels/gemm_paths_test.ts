/**
 * The GEMM's alternative paths give the same bits as its general one: an A packed once by
 * gemmPackA (transA = 2), a B read in place instead of packed, and the 4×4 micro-kernel of an edge
 * exactly 4 columns wide. gemm_test.ts checks the general path against a float64 reference.
 */
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertSameF32 } from "./close.ts";

const harnesses = await bothBuilds();

interface Product {
  transA: 0 | 1 | 2;
  M: number;
  N: number;
  K: number;
  /** Pointer to op(A) (packed when transA = 2), its leading dimension, B, ldb, C and ldc. */
  a: number;
  lda: number;
  b: number;
  ldb: number;
  c: number;
  ldc: number;
  beta?: 0 | 1;
  bias?: number;
  relu?: boolean;
}

/** Runs gemm over the row ranges `splits` (all rows when omitted). */
function gemm(h: KernelHarness, p: Product, splits: [number, number][] = [[0, p.M]]): void {
  const workspace = h.alloc(h.k.gemmWorkspaceBytes(p.M, p.N, p.K));
  for (const [start, end] of splits) {
    h.k.gemm(
      p.transA,
      0,
      p.M,
      p.N,
      p.K,
      p.a,
      p.lda,
      p.b,
      p.ldb,
      p.c,
      p.ldc,
      p.beta ?? 0,
      p.bias ?? 0,
      p.relu ? 1 : 0,
      start,
      end,
      workspace,
    );
  }
}

/** A rows×cols matrix with row stride ld (the padding is NaN, so reading it would show). */
function matrix(h: KernelHarness, rows: number, cols: number, ld: number, seed: number): number {
  const values = seededValues(rows * ld, seed);
  for (let i = 0; i < rows; i++) values.fill(NaN, i * ld + cols, (i + 1) * ld);
  return h.f32(values);
}

for (const h of harnesses) {
  Deno.test(`${h.build}: gemm with A packed once (transA = 2) gives the bits of packing per call`, () => {
    // K = 600 is three k blocks; M = 130 two row blocks; M < 4 takes the small-matrix path.
    for (const transA of [0, 1] as const) {
      for (
        const [M, N, K] of [[1, 37, 300], [3, 12, 5], [4, 196, 600], [13, 20, 300], [130, 37, 64]]
      ) {
        for (const [beta, withBias, relu] of [[0, false, false], [1, true, true]] as const) {
          h.reset();
          const lda = transA ? M + 3 : K + 3;
          const a = matrix(h, transA ? K : M, transA ? M : K, lda, M + K);
          const b = matrix(h, K, N, N, N);
          const bias = h.f32(seededValues(N, 7));
          const c0 = seededValues(M * N, 8);
          const product = { M, N, K, b, ldb: N, ldc: N, beta, relu, bias: withBias ? bias : 0 };
          const perCall = h.f32(c0);
          gemm(h, { ...product, transA, a, lda, c: perCall });
          const packed = h.alloc(h.k.gemmPackedABytes(M, K));
          h.k.gemmPackA(transA, M, K, a, lda, packed);
          const once = h.f32(c0);
          // Row ranges split at multiples of 4, as transA = 2 requires.
          const splits: [number, number][] = M > 8 ? [[0, 8], [8, M]] : [[0, M]];
          gemm(h, { ...product, transA: 2, a: packed, lda: 0, c: once }, splits);
          const label = `transA ${transA} M ${M} N ${N} K ${K} beta ${beta} bias ${withBias}`;
          assertSameF32(h.readF32(once, M * N), h.readF32(perCall, M * N), label);
        }
      }
    }
    h.reset();
  });

  Deno.test(`${h.build}: gemm reads B in place or packs it with the same bits`, () => {
    // ldb = N is read in place (not a multiple of 512); ldb = 512 is packed.
    for (const [M, N, K] of [[4, 8, 3], [16, 196, 300], [13, 200, 600], [65, 37, 17], [8, 12, 9]]) {
      h.reset();
      const a = matrix(h, M, K, K, M);
      const values = seededValues(K * N, K);
      const wide = new Float32Array(K * 512).fill(NaN);
      for (let k = 0; k < K; k++) wide.set(values.subarray(k * N, (k + 1) * N), k * 512);
      const bias = h.f32(seededValues(N, 3));
      const inPlace = h.f32(new Float32Array(M * N));
      const product = { transA: 0 as const, M, N, K, a, lda: K, ldc: N, bias, relu: true };
      gemm(h, { ...product, b: h.f32(values), ldb: N, c: inPlace });
      const packed = h.f32(new Float32Array(M * N));
      gemm(h, { ...product, b: h.f32(wide), ldb: 512, c: packed });
      assertSameF32(h.readF32(inPlace, M * N), h.readF32(packed, M * N), `M ${M} N ${N} K ${K}`);
    }
    h.reset();
  });

  Deno.test(`${h.build}: an edge 4 columns wide (4×4 micro-kernel) matches the scratch tile`, () => {
    // Columns 8..11 of C: with N = 12 they are a 4-wide edge, with N = 13 part of a 5-wide one.
    for (const [M, K] of [[4, 7], [12, 300], [9, 600]]) {
      for (const [beta, relu] of [[0, false], [1, true]] as const) {
        h.reset();
        const a = matrix(h, M, K, K, K);
        const values = seededValues(K * 13, M);
        const narrow = new Float32Array(K * 12);
        for (let k = 0; k < K; k++) narrow.set(values.subarray(k * 13, k * 13 + 12), k * 12);
        const biasValues = seededValues(13, 5);
        const c0 = seededValues(M * 13, 6);
        const c12 = new Float32Array(M * 12);
        for (let i = 0; i < M; i++) c12.set(c0.subarray(i * 13, i * 13 + 12), i * 12);
        const four = h.f32(c12);
        const product = { transA: 0 as const, M, K, a, lda: K, beta, relu };
        gemm(h, {
          ...product,
          N: 12,
          b: h.f32(narrow),
          ldb: 12,
          c: four,
          ldc: 12,
          bias: h.f32(biasValues),
        });
        const five = h.f32(c0);
        gemm(h, {
          ...product,
          N: 13,
          b: h.f32(values),
          ldb: 13,
          c: five,
          ldc: 13,
          bias: h.f32(biasValues),
        });
        const wide = h.readF32(five, M * 13);
        const expected = Array.from({ length: M * 12 }, (_, at) => {
          const i = Math.floor(at / 12), j = at % 12;
          return wide[i * 13 + j];
        });
        assertSameF32(h.readF32(four, M * 12), expected, `M ${M} K ${K} beta ${beta}`);
      }
    }
    h.reset();
  });
}
