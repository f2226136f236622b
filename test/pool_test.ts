/**
 * Pooling against a naive reference written from PyTorch's definitions (window taps, the output
 * size with ceilMode's rule, countIncludePad and divisorOverride divisors), forward and backward,
 * over a grid of strides, paddings, dilations and sizes; and the corner cases one by one.
 */
import assert from "node:assert/strict";
import { F, randn, type Tensor, tensor } from "../runtime/mod.ts";
import { assertClose, values } from "./helpers.ts";

interface Geometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
}

/** PyTorch's output length: floor (or ceil) of the span over the stride, plus one; a ceilMode window starting past input + padding is dropped. */
function outLength(size: number, k: number, s: number, p: number, d: number, ceil: boolean) {
  const span = size + 2 * p - d * (k - 1) - 1;
  let n = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (n - 1) * s >= size + p) n--;
  return n;
}

type Reference = { shape: number[]; out: number[]; grad: number[] };

/**
 * Naive pooling of x (shape [..., H, W]) and the gradient of Σ out·upstream. Max: the first
 * largest real tap in row-major scan order; avg: the sum of real taps over the divisor.
 */
function referencePool(
  kind: "max" | "avg",
  x: number[],
  shape: number[],
  g: Geometry,
  upstream: (i: number) => number,
  avg: { countIncludePad: boolean; divisorOverride?: number } = { countIncludePad: true },
): Reference {
  const [H, W] = shape.slice(-2);
  const planes = x.length / (H * W);
  const outH = outLength(H, g.kernel[0], g.stride[0], g.padding[0], g.dilation[0], g.ceilMode);
  const outW = outLength(W, g.kernel[1], g.stride[1], g.padding[1], g.dilation[1], g.ceilMode);
  const out: number[] = [];
  const grad = new Array<number>(x.length).fill(0);
  for (let plane = 0; plane < planes; plane++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const taps: number[] = [];
        let padded = 0;
        for (let i = 0; i < g.kernel[0]; i++) {
          for (let j = 0; j < g.kernel[1]; j++) {
            const h = oh * g.stride[0] - g.padding[0] + i * g.dilation[0];
            const w = ow * g.stride[1] - g.padding[1] + j * g.dilation[1];
            const insidePadded = h >= -g.padding[0] && h < H + g.padding[0] &&
              w >= -g.padding[1] && w < W + g.padding[1];
            if (insidePadded) padded++;
            if (h >= 0 && h < H && w >= 0 && w < W) taps.push(plane * H * W + h * W + w);
          }
        }
        const o = out.length;
        if (kind === "max") {
          let best = taps[0];
          for (const t of taps) if (x[t] > x[best]) best = t;
          out.push(x[best]);
          grad[best] += upstream(o);
        } else {
          const divisor = avg.divisorOverride ?? (avg.countIncludePad ? padded : taps.length);
          out.push(taps.reduce((s, t) => s + x[t], 0) / divisor);
          for (const t of taps) grad[t] += upstream(o) / divisor;
        }
      }
    }
  }
  return { shape: [...shape.slice(0, -2), outH, outW], out, grad };
}

/** Runs the op with gradients and returns its output and the input gradient for upstream u. */
function run(f: (x: Tensor) => Tensor, x: Tensor, upstream: (i: number) => number) {
  const leaf = x.detach().setRequiresGrad();
  const out = f(leaf);
  out.backward(tensor(Float32Array.from({ length: out.size }, (_, i) => upstream(i)), {
    shape: out.shape,
  }));
  return { shape: [...out.shape], out: values(out), grad: values(leaf.grad!) };
}

const upstream = (i: number) => ((i * 7919) % 13) / 13 - 0.4;

Deno.test("maxPool2d and avgPool2d match the naive reference over a grid of geometries", () => {
  const shapes = [[2, 3, 7, 7], [1, 2, 13, 9], [3, 7, 13], [1, 1, 5, 31]];
  let checked = 0;
  for (const shape of shapes) {
    const x = randn(shape);
    const data = values(x);
    for (const k of [1, 2, 3, 4]) {
      for (const s of [1, 2, 3]) {
        for (let p = 0; p <= Math.floor(k / 2); p++) {
          for (const ceilMode of [false, true]) {
            for (const d of [1, 2]) {
              const g: Geometry = {
                kernel: [k, k],
                stride: [s, s],
                padding: [p, p],
                dilation: [d, d],
                ceilMode,
              };
              const [H, W] = shape.slice(-2);
              const fits = outLength(H, k, s, p, d, ceilMode) >= 1 &&
                outLength(W, k, s, p, d, ceilMode) >= 1;
              const label = `${JSON.stringify(shape)} ${JSON.stringify(g)}`;
              const op = (t: Tensor) =>
                F.maxPool2d(t, k, { stride: s, padding: p, dilation: d, ceilMode });
              if (!fits) {
                assert.throws(() => op(x), /too small/, label);
                continue;
              }
              const expected = referencePool("max", data, shape, g, upstream);
              const actual = run(op, x, upstream);
              assert.deepEqual(actual.shape, expected.shape, label);
              assert.deepEqual(actual.out, expected.out.map(Math.fround), label);
              assertClose(actual.grad, expected.grad, { atol: 1e-6 });
              checked++;
              if (d !== 1) continue;
              for (const countIncludePad of [true, false]) {
                const avg = { countIncludePad };
                const avgOp = (t: Tensor) =>
                  F.avgPool2d(t, k, { stride: s, padding: p, ceilMode, countIncludePad });
                const ref = referencePool("avg", data, shape, g, upstream, avg);
                const got = run(avgOp, x, upstream);
                assert.deepEqual(got.shape, ref.shape, label);
                assertClose(got.out, ref.out, { atol: 1e-6 });
                assertClose(got.grad, ref.grad, { atol: 1e-6 });
                checked++;
              }
            }
          }
        }
      }
    }
  }
  assert.ok(checked > 500, `only ${checked} geometries checked`);
});

Deno.test("maxPool2d with [h, w] kernels, strides, paddings and dilations", () => {
  const shape = [2, 2, 9, 13];
  const x = randn(shape);
  const g: Geometry = {
    kernel: [3, 2],
    stride: [2, 1],
    padding: [1, 0],
    dilation: [2, 3],
    ceilMode: true,
  };
  const expected = referencePool("max", values(x), shape, g, upstream);
  const actual = run(
    (t) =>
      F.maxPool2d(t, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [2, 3], ceilMode: true }),
    x,
    upstream,
  );
  assert.deepEqual(actual.shape, expected.shape);
  assert.deepEqual(actual.out, expected.out.map(Math.fround));
  assertClose(actual.grad, expected.grad, { atol: 1e-6 });
});

Deno.test("maxPool2d sends the gradient of a tie to the first maximum in scan order", () => {
  // Every window of a constant input is a tie: its top-left tap takes the whole gradient.
  const x = tensor(new Float32Array(4 * 16).fill(2), { shape: [1, 1, 4, 16] }).setRequiresGrad();
  F.sum(F.maxPool2d(x, 2)).backward();
  const grad = values(x.grad!);
  grad.forEach((v, i) => {
    const [h, w] = [Math.floor(i / 16), i % 16];
    assert.equal(v, h % 2 === 0 && w % 2 === 0 ? 1 : 0, `element (${h}, ${w})`);
  });
  // Overlapping windows (stride 1) with ties: a window's first tap in row-major order wins.
  const y = tensor([[[[1, 3, 3], [3, 1, 3], [3, 3, 1]]]]).setRequiresGrad();
  F.sum(F.maxPool2d(y, 2, { stride: 1 })).backward();
  assert.deepEqual(values(y.grad!), [0, 2, 0, 1, 0, 1, 0, 0, 0]);
});

Deno.test("maxPool2d picks a real element in all-negative padded windows", () => {
  const x = tensor([[[[-5, -4, -3], [-6, -9, -2], [-8, -7, -1]]]]).setRequiresGrad();
  const out = F.maxPool2d(x, 3, { stride: 1, padding: 1 });
  assert.deepEqual(out.toArray(), [[[[-4, -2, -2], [-4, -1, -1], [-6, -1, -1]]]]);
  F.sum(out).backward();
  assert.deepEqual(values(x.grad!), [0, 2, 0, 1, 0, 2, 0, 0, 4]);
  // All −∞: the first real tap of each window (as PyTorch's initial index) gets the gradient.
  const z = tensor(new Float32Array(9).fill(-Infinity), { shape: [1, 1, 3, 3] }).setRequiresGrad();
  const pooled = F.maxPool2d(z, 2, { stride: 2, padding: 1 });
  assert.deepEqual(values(pooled), [-Infinity, -Infinity, -Infinity, -Infinity]);
  F.sum(pooled).backward();
  assert.deepEqual(values(z.grad!), [1, 1, 0, 1, 1, 0, 0, 0, 0]);
});

Deno.test("ceilMode windows that hang over the end count only what they cover", () => {
  const ones = tensor(new Float32Array(36).fill(1), { shape: [1, 1, 6, 6] });
  // Windows start at rows −1, 1, 3, 5; the last covers row 5, padded row 6 and row 7 beyond.
  const options = { stride: 2, padding: 1, ceilMode: true };
  const rows = [2 / 3, 1, 1, 1 / 2]; // real rows / rows within the padded input
  const included = F.avgPool2d(ones, 3, options);
  assert.deepEqual(included.shape, [1, 1, 4, 4]);
  assertClose(included, rows.flatMap((a) => rows.map((b) => a * b)));
  const excluded = F.avgPool2d(ones, 3, { ...options, countIncludePad: false });
  assertClose(excluded, new Array(16).fill(1));
  const real = [2, 3, 3, 1];
  const overridden = F.avgPool2d(ones, 3, { ...options, divisorOverride: 4 });
  assertClose(overridden, real.flatMap((a) => real.map((b) => (a * b) / 4)));
  // Backward divides by the same divisors: with countIncludePad false a window passes
  // 1/(its real taps) to each; rows 0..5 lie in the row windows {0}, {0, 1}, {1}, {1, 2}, {2},
  // {2, 3}, which have 2, 3, 3 and 1 real rows.
  const x = ones.detach().setRequiresGrad();
  F.sum(F.avgPool2d(x, 3, { ...options, countIncludePad: false })).backward();
  const grad = values(x.grad!);
  const rowShare = [1 / 2, 1 / 2 + 1 / 3, 1 / 3, 2 / 3, 1 / 3, 1 / 3 + 1];
  assertClose(grad, rowShare.flatMap((a) => rowShare.map((b) => a * b)), { atol: 1e-6 });
});

Deno.test("ceilMode drops a last window that would start in the right padding", () => {
  // H = 4, kernel 2, stride 3, padding 1: ⌈(4 + 2 − 2)/3⌉ + 1 = 3, but the third window would
  // start at row 5, past the input (only its right padding), so there are 2.
  const x = randn([1, 1, 4, 4]);
  assert.deepEqual(F.maxPool2d(x, 2, { stride: 3, padding: 1, ceilMode: true }).shape, [
    1,
    1,
    2,
    2,
  ]);
  assert.deepEqual(F.avgPool2d(x, 2, { stride: 3, padding: 1, ceilMode: true }).shape, [
    1,
    1,
    2,
    2,
  ]);
  // Without padding the third window starts at 3 (inside): 5 → ⌈(5 − 2)/2⌉ + 1 = 3.
  assert.deepEqual(F.maxPool2d(randn([2, 5, 5]), 2, { ceilMode: true }).shape, [2, 3, 3]);
  assert.deepEqual(F.maxPool2d(randn([2, 5, 5]), 2).shape, [2, 2, 2]);
});

Deno.test("pooling keeps [C, H, W] inputs unbatched and passes an empty batch through", () => {
  assert.deepEqual(F.avgPool2d(randn([3, 7, 7]), 2).shape, [3, 3, 3]);
  assert.deepEqual(F.maxPool2d(randn([0, 3, 7, 7]), 2).shape, [0, 3, 3, 3]);
  assert.deepEqual(F.adaptiveAvgPool2d(randn([0, 2, 5, 5]), 2).shape, [0, 2, 2, 2]);
});

/** Adaptive windows: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉). */
function referenceAdaptive(x: number[], shape: number[], outH: number, outW: number) {
  const [H, W] = shape.slice(-2);
  const planes = x.length / (H * W);
  const out: number[] = [];
  const grad = new Array<number>(x.length).fill(0);
  for (let plane = 0; plane < planes; plane++) {
    for (let i = 0; i < outH; i++) {
      const [h0, h1] = [Math.floor((i * H) / outH), Math.ceil(((i + 1) * H) / outH)];
      for (let j = 0; j < outW; j++) {
        const [w0, w1] = [Math.floor((j * W) / outW), Math.ceil(((j + 1) * W) / outW)];
        const count = (h1 - h0) * (w1 - w0);
        let total = 0;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            total += x[plane * H * W + h * W + w];
            grad[plane * H * W + h * W + w] += upstream(out.length) / count;
          }
        }
        out.push(total / count);
      }
    }
  }
  return { out, grad };
}

Deno.test("adaptiveAvgPool2d matches the reference, shrinking and growing", () => {
  const cases: [number[], number, number][] = [
    [[2, 3, 7, 7], 3, 3],
    [[1, 2, 13, 7], 5, 3],
    [[3, 5, 6], 7, 4],
    [[1, 1, 9, 9], 1, 1],
    [[2, 1, 4, 8], 4, 8],
  ];
  for (const [shape, outH, outW] of cases) {
    const x = randn(shape);
    const expected = referenceAdaptive(values(x), shape, outH, outW);
    const actual = run((t) => F.adaptiveAvgPool2d(t, [outH, outW]), x, upstream);
    assert.deepEqual(actual.shape, [...shape.slice(0, -2), outH, outW]);
    assertClose(actual.out, expected.out, { atol: 1e-6 });
    assertClose(actual.grad, expected.grad, { atol: 1e-6 });
  }
  assert.deepEqual(F.adaptiveAvgPool2d(randn([1, 2, 5, 6]), [null, 3]).shape, [1, 2, 5, 3]);
});

Deno.test("pooling rejects bad arguments with PyTorch's reasons", () => {
  const x = randn([1, 2, 5, 5]);
  assert.throws(() => F.maxPool2d(x, 3, { padding: 2 }), /padding should be at most half/);
  assert.throws(() => F.avgPool2d(x, [2, 4], { padding: [1, 3] }), /at most half/);
  assert.throws(() => F.maxPool2d(x, 0), /kernelSize must be an integer ≥ 1/);
  assert.throws(() => F.maxPool2d(x, 2, { stride: 0 }), /stride must be an integer ≥ 1/);
  assert.throws(() => F.maxPool2d(x, 2, { dilation: 0 }), /dilation/);
  assert.throws(() => F.maxPool2d(x, 2, { padding: -1 }), /padding must be an integer ≥ 0/);
  assert.throws(() => F.maxPool2d(x, 6), /5x5 gives an output of size 0x0, which is too small/);
  assert.throws(() => F.maxPool2d(x, 3, { dilation: 3 }), /too small/);
  assert.throws(() => F.avgPool2d(x, 2, { divisorOverride: 0 }), /nonzero integer/);
  assert.throws(() => F.maxPool2d(randn([5, 5]), 2), /3-D \[C, H, W\] or 4-D/);
  assert.throws(() => F.avgPool2d(randn([1, 0, 5, 5]), 2), /nonzero C, H and W/);
  assert.throws(
    () => F.maxPool2d(tensor([[[1, 2], [3, 4]]], { dtype: "int32" }), 2),
    /expected a float32 tensor/,
  );
  assert.throws(() => F.adaptiveAvgPool2d(x, [2, -1]), /outputSize must be an integer ≥ 0/);
});
