/**
 * batchNorm and layerNorm against float64 references (outputs, running statistics after several
 * steps, gradients), dropout's rate, scaling and seeding, and embedding with paddingIdx.
 */
import assert from "node:assert/strict";
import {
  F,
  IndexOutOfRange,
  manualSeed,
  noGrad,
  ones,
  randn,
  type Tensor,
  tensor,
  zeros,
} from "../runtime/mod.ts";
import { assertClose, values } from "./helpers.ts";

/** Per-channel statistics of x viewed as [N, C, L] in float64: mean, biased and unbiased variance. */
function channelStats(x: number[], shape: number[]) {
  const [N, C] = shape;
  const L = x.length / (N * C);
  const at = (n: number, c: number, l: number) => x[(n * C + c) * L + l];
  return Array.from({ length: C }, (_, c) => {
    let total = 0;
    for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) total += at(n, c, l);
    const mean = total / (N * L);
    let squares = 0;
    for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) squares += (at(n, c, l) - mean) ** 2;
    return { mean, biased: squares / (N * L), unbiased: squares / (N * L - 1) };
  });
}

/** (x − mean)/sqrt(var + eps)·w + b per channel, in float64. */
function normalizeChannels(
  x: number[],
  shape: number[],
  stats: { mean: number; variance: number }[],
  w: number[] | null,
  b: number[] | null,
  eps: number,
): number[] {
  const C = shape[1];
  const L = x.length / (shape[0] * C);
  return x.map((v, i) => {
    const c = Math.floor(i / L) % C;
    const xhat = (v - stats[c].mean) / Math.sqrt(stats[c].variance + eps);
    return xhat * (w?.[c] ?? 1) + (b?.[c] ?? 0);
  });
}

/** An input whose channels have different means and spreads. */
function channelInput(shape: number[]): Tensor {
  const x = values(randn(shape));
  const C = shape[1];
  const L = x.length / (shape[0] * C);
  return tensor(
    x.map((v, i) => {
      const c = Math.floor(i / L) % C;
      return 3 * c - 2 + v * (0.5 + c);
    }),
    { shape },
  );
}

Deno.test("batchNorm in training normalises each channel to mean 0 and variance 1", () => {
  for (const shape of [[8, 3], [4, 5, 7], [3, 4, 5, 6]]) {
    const x = channelInput(shape);
    const C = shape[1];
    const w = randn([C]), b = randn([C]);
    const stats = channelStats(values(x), shape);
    const expected = normalizeChannels(
      values(x),
      shape,
      stats.map((s) => ({ mean: s.mean, variance: s.biased })),
      values(w),
      values(b),
      1e-5,
    );
    const out = F.batchNorm(x, null, null, w, b, { training: true });
    assertClose(out, expected, { atol: 1e-5, rtol: 1e-5 });
    const plain = F.batchNorm(x, null, null, null, null, { training: true });
    for (const s of channelStats(values(plain), shape)) {
      assert.ok(Math.abs(s.mean) < 1e-5, `channel mean ${s.mean}`);
      assert.ok(Math.abs(s.biased - 1) < 1e-3, `channel variance ${s.biased}`);
    }
  }
});

Deno.test("batchNorm's running statistics follow their formula over several steps", () => {
  const shape = [4, 3, 5, 5];
  for (const momentum of [0.1, 0.35]) {
    const runningMean = zeros([3]);
    const runningVar = ones([3]);
    let mean = [0, 0, 0], variance = [1, 1, 1];
    for (let step = 0; step < 5; step++) {
      const x = channelInput(shape);
      const stats = channelStats(values(x), shape);
      F.batchNorm(x, runningMean, runningVar, null, null, { training: true, momentum });
      // running = (1 − momentum)·running + momentum·batch, the variance unbiased
      mean = mean.map((m, c) => (1 - momentum) * m + momentum * stats[c].mean);
      variance = variance.map((v, c) => (1 - momentum) * v + momentum * stats[c].unbiased);
      assertClose(runningMean, mean, { atol: 1e-6, rtol: 1e-5 });
      assertClose(runningVar, variance, { atol: 1e-6, rtol: 1e-5 });
    }
  }
});

Deno.test("batchNorm updates the running statistics under noGrad too, and only in training", () => {
  const runningMean = zeros([2]), runningVar = ones([2]);
  const x = channelInput([5, 2, 3]);
  noGrad(() => F.batchNorm(x, runningMean, runningVar, null, null, { training: true }));
  const after = values(runningMean);
  assert.ok(after.some((v) => v !== 0));
  F.batchNorm(x, runningMean, runningVar);
  assert.deepEqual(values(runningMean), after);
});

Deno.test("batchNorm in evaluation uses the running statistics", () => {
  const shape = [2, 3, 4, 4];
  const x = channelInput(shape);
  const runningMean = tensor([0.5, -1, 2]), runningVar = tensor([0.25, 4, 1.5]);
  const w = tensor([1.5, -0.5, 2]), b = tensor([0.1, 0.2, -0.3]);
  const out = F.batchNorm(x, runningMean, runningVar, w, b, { eps: 1e-3 });
  const stats = [0, 1, 2].map((c) => ({
    mean: values(runningMean)[c],
    variance: values(runningVar)[c],
  }));
  assertClose(out, normalizeChannels(values(x), shape, stats, values(w), values(b), 1e-3), {
    atol: 1e-5,
    rtol: 1e-5,
  });
});

Deno.test("batchNorm gradients match the hand-derived formulas", () => {
  const shape = [3, 2, 5];
  const x = channelInput(shape).setRequiresGrad();
  const w = tensor([0.7, -1.3], { requiresGrad: true });
  const b = tensor([0.2, 0.4], { requiresGrad: true });
  const g = randn(shape);
  F.batchNorm(x, null, null, w, b, { training: true }).backward(g);
  const xs = values(x), gs = values(g);
  const stats = channelStats(xs, shape);
  const M = 15, L = 5;
  const channel = (i: number) => Math.floor(i / L) % 2;
  const xhat = xs.map((v, i) =>
    (v - stats[channel(i)].mean) / Math.sqrt(stats[channel(i)].biased + 1e-5)
  );
  const sumG = [0, 0], sumGXhat = [0, 0];
  gs.forEach((v, i) => {
    sumG[channel(i)] += v;
    sumGXhat[channel(i)] += v * xhat[i];
  });
  assertClose(b.grad!, sumG, { atol: 1e-5, rtol: 1e-5 });
  assertClose(w.grad!, sumGXhat, { atol: 1e-5, rtol: 1e-5 });
  // dx = w/σ · (g − Σg/M − x̂·Σ(g·x̂)/M)
  const expected = gs.map((v, i) => {
    const c = channel(i);
    const scale = values(w)[c] / Math.sqrt(stats[c].biased + 1e-5);
    return scale * (v - sumG[c] / M - (xhat[i] * sumGXhat[c]) / M);
  });
  assertClose(x.grad!, expected, { atol: 1e-5, rtol: 1e-4 });
  // With fixed statistics (evaluation) dx = w/σ · g.
  const y = channelInput(shape).setRequiresGrad();
  F.batchNorm(y, tensor([1, -1]), tensor([2, 0.5]), w, null).backward(g);
  assertClose(
    y.grad!,
    gs.map((v, i) => (v * values(w)[channel(i)]) / Math.sqrt([2, 0.5][channel(i)] + 1e-5)),
    { atol: 1e-6, rtol: 1e-5 },
  );
});

Deno.test("batchNorm rejects what PyTorch rejects", () => {
  assert.throws(
    () => F.batchNorm(randn([1, 3]), null, null, null, null, { training: true }),
    /more than 1 value per channel when training/,
  );
  assert.throws(() => F.batchNorm(randn([4, 3]), null, null), /required in evaluation mode/);
  assert.throws(
    () => F.batchNorm(randn([4, 3, 2]), zeros([4]), ones([3])),
    /runningMean should have 3 elements/,
  );
  assert.throws(
    () => F.batchNorm(randn([4, 3]), null, null, ones([2]), null, { training: true }),
    /weight should have 3 elements/,
  );
  assert.throws(() => F.batchNorm(randn([4]), zeros([4]), ones([4])), /rank 2 or more/);
});

Deno.test("layerNorm matches a float64 reference, with and without affine parameters", () => {
  const x = F.add(F.mul(randn([2, 3, 4, 5]), 3), 1);
  const w = randn([4, 5]), b = randn([4, 5]);
  const xs = values(x), ws = values(w), bs = values(b);
  const D = 20;
  const expected = xs.map((v, i) => {
    const row = xs.slice(Math.floor(i / D) * D, Math.floor(i / D) * D + D);
    const mean = row.reduce((s, t) => s + t, 0) / D;
    const variance = row.reduce((s, t) => s + (t - mean) ** 2, 0) / D;
    return ((v - mean) / Math.sqrt(variance + 1e-5)) * ws[i % D] + bs[i % D];
  });
  assertClose(F.layerNorm(x, [4, 5], w, b), expected, { atol: 1e-5, rtol: 1e-5 });
  const plain = values(F.layerNorm(x, 5));
  for (let r = 0; r < plain.length / 5; r++) {
    const row = plain.slice(r * 5, r * 5 + 5);
    const mean = row.reduce((s, t) => s + t, 0) / 5;
    assert.ok(Math.abs(mean) < 1e-5);
    assert.ok(Math.abs(row.reduce((s, t) => s + (t - mean) ** 2, 0) / 5 - 1) < 1e-3);
  }
  assert.throws(() => F.layerNorm(x, [5, 4]), /must be the last dims of the input/);
  assert.throws(() => F.layerNorm(x, 5, ones([4])), /weight should have shape \[5\]/);
});

Deno.test("dropout zeroes at rate p (within 5σ over 1e5 elements) and scales survivors by 1/(1−p)", () => {
  const n = 100_000;
  const x = F.add(F.mul(randn([n]), 0.1), 2); // every element nonzero
  for (const p of [0.1, 0.5, 0.8]) {
    manualSeed(123);
    const out = values(F.dropout(x, { p }));
    const xs = values(x);
    let dropped = 0;
    out.forEach((v, i) => {
      if (v === 0) dropped++;
      else assert.equal(v, Math.fround(xs[i] * Math.fround(1 / (1 - p))), `element ${i}`);
    });
    const sigma = Math.sqrt(p * (1 - p) / n);
    assert.ok(Math.abs(dropped / n - p) < 5 * sigma, `p ${p}: dropped ${dropped / n}`);
  }
});

Deno.test("dropout repeats under manualSeed and its gradient uses the same mask", () => {
  const x = randn([40, 25]);
  manualSeed(9);
  const first = values(F.dropout(x, { p: 0.4 }));
  manualSeed(9);
  const second = values(F.dropout(x, { p: 0.4 }));
  assert.deepEqual(first, second);
  manualSeed(10);
  assert.notDeepEqual(values(F.dropout(x, { p: 0.4 })), first);
  const leaf = ones([40, 25], { requiresGrad: true });
  manualSeed(9);
  const masked = F.dropout(leaf, { p: 0.4 });
  F.sum(masked).backward();
  assert.deepEqual(values(leaf.grad!), values(masked));
  assert.ok(values(masked).every((v) => v === 0 || v === Math.fround(1 / 0.6)));
});

Deno.test("dropout is the identity in evaluation and for p = 0, and zeroes everything for p = 1", () => {
  const x = randn([3, 7], { requiresGrad: true });
  for (const options of [{ training: false }, { p: 0 }, { p: 0.9, training: false }]) {
    const out = F.dropout(x, options);
    assert.deepEqual(values(out), values(x));
    F.sum(out).backward();
  }
  assert.deepEqual(values(x.grad!), new Array(21).fill(3));
  const leaf = randn([5], { requiresGrad: true });
  const zeroed = F.dropout(leaf, { p: 1 });
  assert.ok(values(zeroed).every((v) => v === 0)); // −0 for negative x, as x·0 in PyTorch
  F.sum(zeroed).backward();
  assert.deepEqual(values(leaf.grad!), [0, 0, 0, 0, 0]);
  assert.throws(() => F.dropout(x, { p: 1.5 }), /between 0 and 1, got 1.5/);
  assert.throws(() => F.dropout(x, { p: -0.1 }), /between 0 and 1/);
});

Deno.test("embedding picks rows, sums repeated gradients, and skips the paddingIdx row", () => {
  const weight = tensor([[0, 1], [2, 3], [4, 5], [6, 7]], { requiresGrad: true });
  const indices = tensor([[3, 0], [2, 3], [1, 3]], { dtype: "int32" });
  const out = F.embedding(indices, weight, { paddingIdx: 1 });
  assert.deepEqual(out.shape, [3, 2, 2]);
  assert.deepEqual(out.toArray(), [[[6, 7], [0, 1]], [[4, 5], [6, 7]], [[2, 3], [6, 7]]]);
  const g = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]]);
  out.backward(g);
  // row 3 gets the gradients of positions (0, 0), (1, 1) and (2, 1); row 1 is the padding row
  assert.deepEqual(weight.grad!.toArray(), [[3, 4], [0, 0], [5, 6], [19, 22]]);
  const plain = tensor([[0, 1], [2, 3]], { requiresGrad: true });
  F.sum(F.embedding(tensor([1, 1, 1], { dtype: "int32" }), plain)).backward();
  assert.deepEqual(plain.grad!.toArray(), [[0, 0], [3, 3]]);
  const last = tensor([[0, 1], [2, 3]], { requiresGrad: true });
  F.sum(F.embedding(tensor([0, 1], { dtype: "int32" }), last, { paddingIdx: -1 })).backward();
  assert.deepEqual(last.grad!.toArray(), [[1, 1], [0, 0]]);
});

Deno.test("embedding rejects out-of-range indices and bad arguments clearly", () => {
  const weight = randn([10, 3]);
  assert.throws(
    () => F.embedding(tensor([[1, 2], [10, 0]], { dtype: "int32" }), weight),
    (error: unknown) =>
      error instanceof IndexOutOfRange &&
      /^embedding: index 10 at position 2 .* dimension of size 10 \(valid: 0\.\.9\)/.test(
        error.message,
      ),
  );
  assert.throws(
    () => F.embedding(tensor([-1], { dtype: "int32" }), weight),
    /embedding: index -1 at position 0/,
  );
  assert.throws(() => F.embedding(tensor([1, 2]), weight), /indices must be an int32 tensor/);
  assert.throws(
    () => F.embedding(tensor([1], { dtype: "int32" }), randn([10])),
    /weight must be 2-D/,
  );
  assert.throws(
    () => F.embedding(tensor([1], { dtype: "int32" }), weight, { paddingIdx: 10 }),
    /paddingIdx must be an integer in -10\.\.9/,
  );
});
