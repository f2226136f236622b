import assert from "node:assert/strict";
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertClose, assertSameF32 } from "./close.ts";

const builds = await bothBuilds();

/** One pooling geometry over planes [H, W]; outH/outW as the runtime computes them. */
interface Pool {
  planes: number;
  H: number;
  W: number;
  outH: number;
  outW: number;
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
}

/** Taps of window (plane, oh, ow) inside the input, in row-major scan order, and the padded count. */
function taps(g: Pool, plane: number, oh: number, ow: number): { at: number[]; padded: number } {
  const at: number[] = [];
  let padded = 0;
  for (let i = 0; i < g.k[0]; i++) {
    for (let j = 0; j < g.k[1]; j++) {
      const h = oh * g.s[0] - g.p[0] + i * g.d[0];
      const w = ow * g.s[1] - g.p[1] + j * g.d[1];
      if (h >= -g.p[0] && h < g.H + g.p[0] && w >= -g.p[1] && w < g.W + g.p[1]) padded++;
      if (h >= 0 && h < g.H && w >= 0 && w < g.W) at.push(plane * g.H * g.W + h * g.W + w);
    }
  }
  return { at, padded };
}

function eachWindow(g: Pool, f: (o: number, plane: number, oh: number, ow: number) => void) {
  let o = 0;
  for (let plane = 0; plane < g.planes; plane++) {
    for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) f(o++, plane, oh, ow);
  }
}

function outSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean) {
  const span = size + 2 * p - d * (k - 1) - 1;
  let n = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (n - 1) * s >= size + p) n--;
  return n;
}

function pool(
  planes: number,
  H: number,
  W: number,
  k: [number, number],
  s: [number, number],
  p: [number, number],
  d: [number, number],
  ceil: boolean,
): Pool {
  return {
    planes,
    H,
    W,
    k,
    s,
    p,
    d,
    outH: outSize(H, k[0], s[0], p[0], d[0], ceil),
    outW: outSize(W, k[1], s[1], p[1], d[1], ceil),
  };
}

/** Geometries that take the SIMD path (stride 1 and 2 with long rows) and the scalar one. */
const geometries: Pool[] = [
  pool(3, 7, 21, [2, 2], [2, 2], [0, 0], [1, 1], false),
  pool(2, 9, 23, [3, 3], [1, 1], [1, 1], [1, 1], false),
  pool(2, 9, 23, [3, 3], [2, 2], [1, 1], [1, 1], true),
  pool(2, 13, 29, [3, 2], [2, 1], [1, 1], [2, 3], true),
  pool(4, 7, 13, [3, 3], [3, 3], [1, 0], [1, 1], true),
  pool(1, 5, 40, [5, 4], [1, 2], [2, 2], [1, 1], false),
  pool(2, 1, 9, [1, 3], [1, 3], [0, 1], [1, 1], true),
];

const args = (g: Pool) =>
  [g.H, g.W, g.outH, g.outW, g.k[0], g.k[1], g.s[0], g.s[1], g.p[0], g.p[1]] as const;

const SENTINEL = 777;

/** Runs `call` on planes [1, planes − 1) and checks the other planes of `out` kept the sentinel. */
function checkUntouched(
  values: ArrayLike<number>,
  planeSize: number,
  planes: number,
  label: string,
) {
  for (const plane of [0, planes - 1]) {
    for (let i = 0; i < planeSize; i++) {
      assert.equal(values[plane * planeSize + i], SENTINEL, `${label}: plane ${plane} was written`);
    }
  }
}

/** Max pooling with indices; also checks that the call without indices gives the same values. */
function maxPoolCase(h: KernelHarness, g: Pool, x: Float32Array) {
  const n = g.planes * g.outH * g.outW;
  const out = h.f32(new Float32Array(n));
  const indices = h.i32(new Int32Array(n));
  const input = h.f32(x);
  h.k.maxPool2dF32(input, out, indices, ...args(g), g.d[0], g.d[1], 0, g.planes);
  const valuesOnly = h.f32(new Float32Array(n));
  h.k.maxPool2dF32(input, valuesOnly, 0, ...args(g), g.d[0], g.d[1], 0, g.planes);
  const result = { out: h.readF32(out, n), indices: h.readI32(indices, n) };
  // Equal up to the sign of zero: f32x4.max may pick +0 where the scan keeps a first −0.
  assertClose(h.readF32(valuesOnly, n), result.out, {}, `${JSON.stringify(g)} without indices`);
  return result;
}

for (const h of builds) {
  Deno.test(`${h.build}: maxPool2dF32 finds each window's first maximum and its index`, () => {
    for (const g of geometries) {
      const x = seededValues(g.planes * g.H * g.W, g.W);
      // Ties: every value appears twice or more.
      const tied = x.map((v) => Math.round(v * 4) / 4);
      for (const input of [x, tied]) {
        const { out, indices } = maxPoolCase(h, g, input);
        eachWindow(g, (o, plane, oh, ow) => {
          const { at } = taps(g, plane, oh, ow);
          let best = at[0];
          for (const t of at) if (input[t] > input[best]) best = t;
          const label = `${JSON.stringify(g)} window ${o}`;
          assert.equal(out[o], input[best], label);
          assert.equal(indices[o], best - plane * g.H * g.W, label);
        });
      }
      h.reset();
    }
  });

  Deno.test(`${h.build}: maxPool2dF32 propagates NaN (the last one wins) on both paths`, () => {
    for (const stride of [2, 3]) {
      const g = pool(1, 2, 24, [2, 2], [stride, stride], [0, 0], [1, 1], false);
      const x = new Float32Array(48).map((_, i) => i);
      x[3] = NaN; // row 0
      x[24 + 2] = NaN; // row 1, same window as x[3] when stride is 2
      x[24 + 13] = NaN;
      const { out, indices } = maxPoolCase(h, g, x);
      eachWindow(g, (o, _plane, _oh, ow) => {
        const nan = taps(g, 0, 0, ow).at.filter((t) => Number.isNaN(x[t]));
        if (nan.length > 0) {
          assert.ok(Number.isNaN(out[o]), `stride ${stride} window ${o}`);
          assert.equal(indices[o], nan[nan.length - 1], `stride ${stride} window ${o}`);
        } else {
          assert.ok(!Number.isNaN(out[o]));
        }
      });
      h.reset();
    }
  });

  Deno.test(`${h.build}: maxPool2dF32's 2×2 stride-2 path over every width, ties, NaN, ±0`, () => {
    // Widths 2..21 give rows of 1..10 outputs: scalar only (< 4), whole vectors, and vectors with
    // an overlapping last one; odd sizes with ceilMode leave a one-tap last row and column.
    for (let W = 2; W <= 21; W++) {
      for (const [H, ceil] of [[4, false], [5, true], [3, false]] as const) {
        const g = pool(2, H, W, [2, 2], [2, 2], [0, 0], [1, 1], ceil);
        const x = seededValues(g.planes * H * W, W * 10 + H).map((v, i) => {
          if (i % 11 === 3) return NaN;
          if (i % 7 === 2) return -Infinity;
          if (i % 13 === 5) return i % 2 ? -0 : 0;
          return Math.round(v * 3) / 3; // ties
        });
        const { out, indices } = maxPoolCase(h, g, x);
        eachWindow(g, (o, plane, oh, ow) => {
          const { at } = taps(g, plane, oh, ow);
          // The scan rule: the first strictly larger tap wins, a NaN always does (the last NaN).
          let best = at[0];
          for (const t of at.slice(1)) if (x[t] > x[best] || Number.isNaN(x[t])) best = t;
          const label = `W ${W} H ${H} ceil ${ceil} window ${o}`;
          assert.ok(Object.is(out[o], x[best]) || Number.isNaN(x[best]), label);
          assert.ok(!Number.isNaN(x[best]) || Number.isNaN(out[o]), `${label}: NaN`);
          assert.equal(indices[o], best - plane * H * W, label);
        });
      }
      h.reset();
    }
  });

  Deno.test(`${h.build}: maxPool2dF32 marks a window without real taps with −∞ and index −1`, () => {
    // H = 1, kernel 2, dilation 2, padding 1: the taps are rows −1 and 1, both outside.
    const g = pool(1, 1, 1, [2, 1], [1, 1], [1, 0], [2, 1], false);
    assert.equal(g.outH, 1);
    const { out, indices } = maxPoolCase(h, g, new Float32Array([5]));
    assert.deepEqual([...out], [-Infinity]);
    assert.deepEqual([...indices], [-1]);
    h.reset();
  });

  Deno.test(`${h.build}: pooling kernels compute only planes planeStart..planeEnd`, () => {
    const g = pool(4, 6, 9, [3, 3], [2, 2], [1, 1], [1, 1], true);
    const inPlane = g.H * g.W, outPlane = g.outH * g.outW;
    const x = h.f32(seededValues(g.planes * inPlane, 3));
    const gOut = h.f32(seededValues(g.planes * outPlane, 4));
    const sentinelOut = () => h.f32(new Float32Array(g.planes * outPlane).fill(SENTINEL));
    const sentinelIn = () => h.f32(new Float32Array(g.planes * inPlane).fill(SENTINEL));
    const out = sentinelOut();
    const indices = h.i32(new Int32Array(g.planes * outPlane).fill(SENTINEL));
    h.k.maxPool2dF32(x, out, indices, ...args(g), 1, 1, 1, 3);
    checkUntouched(h.readF32(out, g.planes * outPlane), outPlane, 4, "maxPool2dF32");
    checkUntouched(h.readI32(indices, g.planes * outPlane), outPlane, 4, "maxPool2dF32 indices");
    const gradMax = sentinelIn();
    h.k.maxPool2dBackwardF32(gOut, indices, gradMax, inPlane, outPlane, 1, 3);
    checkUntouched(h.readF32(gradMax, g.planes * inPlane), inPlane, 4, "maxPool2dBackwardF32");
    const avg = sentinelOut();
    h.k.avgPool2dF32(x, avg, ...args(g), 1, 0, 1, 3);
    checkUntouched(h.readF32(avg, g.planes * outPlane), outPlane, 4, "avgPool2dF32");
    const gradAvg = sentinelIn();
    h.k.avgPool2dBackwardF32(gOut, gradAvg, ...args(g), 0, 0, 1, 3);
    checkUntouched(h.readF32(gradAvg, g.planes * inPlane), inPlane, 4, "avgPool2dBackwardF32");
    const adaptive = h.f32(new Float32Array(4 * 6).fill(SENTINEL));
    h.k.adaptiveAvgPool2dF32(x, adaptive, g.H, g.W, 2, 3, 1, 3);
    checkUntouched(h.readF32(adaptive, 24), 6, 4, "adaptiveAvgPool2dF32");
    const gradAdaptive = sentinelIn();
    h.k.adaptiveAvgPool2dBackwardF32(gOut, gradAdaptive, g.H, g.W, 2, 3, 1, 3);
    checkUntouched(h.readF32(gradAdaptive, g.planes * inPlane), inPlane, 4, "adaptive backward");
    h.reset();
  });

  Deno.test(`${h.build}: maxPool2dBackwardF32 adds into each argmax and skips index −1`, () => {
    const g = new Float32Array([1, 2, 3, 4, 10, 20, 30, 40]);
    const indices = new Int32Array([2, 2, -1, 0, 5, 5, 5, 5]);
    const grad = h.f32(new Float32Array(12).fill(9));
    h.k.maxPool2dBackwardF32(h.f32(g), h.i32(indices), grad, 6, 4, 0, 2);
    assertSameF32(h.readF32(grad, 12), [4, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 100], "gradInput");
    h.reset();
  });

  Deno.test(`${h.build}: avgPool2dF32 and its backward use PyTorch's divisors`, () => {
    for (const base of geometries) {
      const g = { ...base, d: [1, 1] as [number, number] };
      g.outH = outSize(g.H, g.k[0], g.s[0], g.p[0], 1, true);
      g.outW = outSize(g.W, g.k[1], g.s[1], g.p[1], 1, true);
      const x = seededValues(g.planes * g.H * g.W, 5);
      const upstream = seededValues(g.planes * g.outH * g.outW, 6);
      for (const [countIncludePad, divisorOverride] of [[1, 0], [0, 0], [1, 7]]) {
        const n = g.planes * g.outH * g.outW;
        const out = h.f32(new Float32Array(n));
        h.k.avgPool2dF32(h.f32(x), out, ...args(g), countIncludePad, divisorOverride, 0, g.planes);
        const grad = h.f32(new Float32Array(x.length).fill(SENTINEL));
        h.k.avgPool2dBackwardF32(
          h.f32(upstream),
          grad,
          ...args(g),
          countIncludePad,
          divisorOverride,
          0,
          g.planes,
        );
        const expected: number[] = [];
        const expectedGrad = new Array<number>(x.length).fill(0);
        eachWindow(g, (o, plane, oh, ow) => {
          const { at, padded } = taps(g, plane, oh, ow);
          const divisor = divisorOverride || (countIncludePad ? padded : at.length);
          expected.push(at.reduce((s, t) => s + x[t], 0) / divisor);
          for (const t of at) expectedGrad[t] += upstream[o] / divisor;
        });
        const label = `${
          JSON.stringify(g)
        } countIncludePad ${countIncludePad} override ${divisorOverride}`;
        assertClose(h.readF32(out, n), expected, { abs: 1e-6, rel: 1e-5 }, label);
        assertClose(h.readF32(grad, x.length), expectedGrad, { abs: 1e-6, rel: 1e-5 }, label);
      }
      h.reset();
    }
  });

  Deno.test(`${h.build}: adaptiveAvgPool2dF32 and its backward over uneven windows`, () => {
    for (const [H, W, outH, outW] of [[7, 7, 3, 3], [13, 5, 5, 7], [4, 9, 4, 1], [6, 6, 1, 1]]) {
      const x = seededValues(2 * H * W, H);
      const upstream = seededValues(2 * outH * outW, W);
      const out = h.f32(new Float32Array(2 * outH * outW));
      const grad = h.f32(new Float32Array(2 * H * W));
      h.k.adaptiveAvgPool2dF32(h.f32(x), out, H, W, outH, outW, 0, 2);
      h.k.adaptiveAvgPool2dBackwardF32(h.f32(upstream), grad, H, W, outH, outW, 0, 2);
      const expected: number[] = [];
      const expectedGrad = new Array<number>(x.length).fill(0);
      for (let plane = 0; plane < 2; plane++) {
        for (let i = 0; i < outH; i++) {
          for (let j = 0; j < outW; j++) {
            const h0 = Math.floor((i * H) / outH), h1 = Math.ceil(((i + 1) * H) / outH);
            const w0 = Math.floor((j * W) / outW), w1 = Math.ceil(((j + 1) * W) / outW);
            const count = (h1 - h0) * (w1 - w0);
            let total = 0;
            for (let r = h0; r < h1; r++) {
              for (let c = w0; c < w1; c++) {
                total += x[plane * H * W + r * W + c];
                expectedGrad[plane * H * W + r * W + c] += upstream[expected.length] / count;
              }
            }
            expected.push(total / count);
          }
        }
      }
      const label = `${H}x${W} → ${outH}x${outW}`;
      assertClose(h.readF32(out, expected.length), expected, { abs: 1e-6, rel: 1e-5 }, label);
      assertClose(h.readF32(grad, x.length), expectedGrad, { abs: 1e-6, rel: 1e-5 }, label);
      h.reset();
    }
  });
}

/** Float64 statistics of channel c of x [N, C, L]. */
function stats(x: Float32Array, N: number, C: number, L: number, c: number) {
  let total = 0;
  for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) total += x[(n * C + c) * L + l];
  const mean = total / (N * L);
  let squares = 0;
  for (let n = 0; n < N; n++) {
    for (let l = 0; l < L; l++) squares += (x[(n * C + c) * L + l] - mean) ** 2;
  }
  return { mean, variance: squares / (N * L), unbiased: squares / (N * L - 1) };
}

const layouts: [number, number, number][] = [[4, 3, 1], [2, 3, 7], [3, 5, 16], [1, 4, 33]];

for (const h of builds) {
  Deno.test(`${h.build}: batchNormStatsF32 computes exact statistics and the running update`, () => {
    for (const [N, C, L] of layouts) {
      // A large common offset: a one-pass Σx² − (Σx)² formula would lose the variance.
      const x = seededValues(N * C * L, L).map((v, i) => 1e4 + v * (1 + (i % C)));
      const mean = h.f32(new Float32Array(C).fill(SENTINEL));
      const variance = h.f32(new Float32Array(C).fill(SENTINEL));
      const runningMean = h.f32(new Float32Array(C).fill(0.5));
      const runningVar = h.f32(new Float32Array(C).fill(2));
      // channel 0 is left out: its outputs and running statistics keep their values
      h.k.batchNormStatsF32(h.f32(x), mean, variance, runningMean, runningVar, 0.25, N, C, L, 1, C);
      const expected = Array.from({ length: C }, (_, c) => stats(x, N, C, L, c));
      const label = `[${N}, ${C}, ${L}]`;
      assertClose(
        h.readF32(mean, C),
        [SENTINEL, ...expected.slice(1).map((s) => s.mean)],
        { ulps: 1 },
        label,
      );
      assertClose(
        h.readF32(variance, C),
        [SENTINEL, ...expected.slice(1).map((s) => s.variance)],
        { ulps: 1 },
        label,
      );
      assertClose(
        h.readF32(runningMean, C),
        [0.5, ...expected.slice(1).map((s) => 0.75 * 0.5 + 0.25 * s.mean)],
        { ulps: 1 },
        label,
      );
      assertClose(
        h.readF32(runningVar, C),
        [2, ...expected.slice(1).map((s) => 0.75 * 2 + 0.25 * s.unbiased)],
        { ulps: 1 },
        label,
      );
      h.reset();
    }
  });

  Deno.test(`${h.build}: batchNormForwardF32 normalises with and without weight and bias`, () => {
    for (const [N, C, L] of layouts) {
      const x = seededValues(N * C * L, 7).map((v, i) => 3 + 2 * v + (i % 5));
      const mean = seededValues(C, 8);
      const variance = seededValues(C, 9).map((v) => 1.5 + v);
      const weight = seededValues(C, 10), bias = seededValues(C, 11);
      for (const affine of [true, false]) {
        const out = h.f32(new Float32Array(x.length));
        h.k.batchNormForwardF32(
          h.f32(x),
          h.f32(mean),
          h.f32(variance),
          affine ? h.f32(weight) : 0,
          affine ? h.f32(bias) : 0,
          out,
          1e-3,
          N,
          C,
          L,
          0,
          C,
        );
        const expected = Array.from(x, (v, i) => {
          const c = Math.floor(i / L) % C;
          const xhat = (v - mean[c]) / Math.sqrt(variance[c] + 1e-3);
          return affine ? xhat * weight[c] + bias[c] : xhat;
        });
        assertClose(
          h.readF32(out, x.length),
          expected,
          { abs: 2e-6, rel: 1e-5 },
          `[${N}, ${C}, ${L}]`,
        );
      }
      h.reset();
    }
  });

  Deno.test(`${h.build}: batchNormBackwardF32 in training and evaluation`, () => {
    for (const [N, C, L] of layouts) {
      const M = N * L;
      const x = seededValues(N * C * L, 12).map((v, i) => v * 2 + (i % 3));
      const g = seededValues(N * C * L, 13);
      const channels = Array.from({ length: C }, (_, c) => stats(x, N, C, L, c));
      const mean = Float32Array.from(channels, (s) => s.mean);
      const variance = Float32Array.from(channels, (s) => s.variance);
      const weight = seededValues(C, 14);
      for (const training of [1, 0]) {
        for (const withInput of [true, false]) {
          const gradInput = withInput ? h.f32(new Float32Array(x.length)) : 0;
          const sumG = h.f32(new Float32Array(C)), sumGXhat = h.f32(new Float32Array(C));
          h.k.batchNormBackwardF32(
            h.f32(g),
            h.f32(x),
            h.f32(mean),
            h.f32(variance),
            h.f32(weight),
            gradInput,
            sumG,
            sumGXhat,
            1e-5,
            training,
            N,
            C,
            L,
            0,
            C,
          );
          const channel = (i: number) => Math.floor(i / L) % C;
          const invStd = Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-5));
          const xhat = Array.from(x, (v, i) => (v - mean[channel(i)]) * invStd[channel(i)]);
          const expectedG = new Array<number>(C).fill(0);
          const expectedGX = new Array<number>(C).fill(0);
          g.forEach((v, i) => {
            expectedG[channel(i)] += v;
            expectedGX[channel(i)] += v * xhat[i];
          });
          const label = `[${N}, ${C}, ${L}] training ${training}`;
          assertClose(h.readF32(sumG, C), expectedG, { abs: 1e-6, rel: 1e-6 }, label);
          assertClose(h.readF32(sumGXhat, C), expectedGX, { abs: 1e-6, rel: 1e-6 }, label);
          if (!withInput) continue;
          const expected = Array.from(g, (v, i) => {
            const c = channel(i);
            const k = weight[c] * invStd[c];
            return training ? k * (v - expectedG[c] / M - (xhat[i] * expectedGX[c]) / M) : k * v;
          });
          assertClose(h.readF32(gradInput, x.length), expected, { abs: 1e-5, rel: 1e-5 }, label);
        }
      }
      h.reset();
    }
  });

  Deno.test(`${h.build}: dropoutMaskF32 keeps draws ≥ p, in place`, () => {
    const uniform = new Float32Array([0, 0.2999, 0.3, 0.31, 0.99, 0.5, 0.1, 0.3, 0.7]);
    const mask = h.f32(uniform);
    h.k.dropoutMaskF32(mask, mask, uniform.length, 0.3, 2);
    assertSameF32(h.readF32(mask, uniform.length), [0, 0, 2, 2, 2, 2, 0, 2, 2], "mask");
    h.reset();
  });
}
