/** Forward values and gradients against hand-derived formulas (tight tolerances). */
import assert from "node:assert/strict";
import { F, manualSeed, randn, tensor } from "../runtime/mod.ts";
import { assertClose, values } from "./helpers.ts";

const int = (v: number[]) => tensor(v, { dtype: "int32" });

Deno.test("d/dx Σx² = 2x and d/dx Σ x³ = 3x²", () => {
  const x = tensor([-1.5, 0, 2, 3.25], { requiresGrad: true });
  F.sum(F.square(x)).backward();
  assertClose(x.grad!, [-3, 0, 4, 6.5]);
  x.grad = null;
  F.sum(F.pow(x, 3)).backward();
  assertClose(x.grad!, [6.75, 0, 12, 31.6875]);
});

Deno.test("matmul gradients are g·Bᵀ and Aᵀ·g", () => {
  const a = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
  const b = tensor([[1, -1, 0], [2, 0.5, 1]], { requiresGrad: true });
  const out = F.matmul(a, b);
  assertClose(out, [[5, 0, 2], [11, -1, 4], [17, -2, 6]]);
  F.sum(out).backward();
  // g = ones: dA = 1·Bᵀ → row sums of B; dB = Aᵀ·1 → column sums of A
  assertClose(a.grad!, [[0, 3.5], [0, 3.5], [0, 3.5]]);
  assertClose(b.grad!, [[9, 9, 9], [12, 12, 12]]);
});

Deno.test("linear equals x·Wᵀ + b and its bias gradient is the column sum of g", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const w = tensor([[1, 0, -1], [0.5, 0.5, 0.5]], { requiresGrad: true });
  const b = tensor([10, -10], { requiresGrad: true });
  const y = F.linear(x, w, b);
  assertClose(y, [[8, -7], [8, -2.5]]);
  F.sum(F.mul(y, tensor([[1, 2], [3, 4]]))).backward();
  assertClose(b.grad!, [4, 6]);
  assertClose(w.grad!, [[13, 17, 21], [18, 24, 30]]);
  assertClose(x.grad!, [[2, 1, 0], [5, 2, -1]]);
});

Deno.test("sigmoid' = σ(1−σ), tanh' = 1−tanh², softplus' = σ", () => {
  const points = [-3, -0.5, 0, 0.7, 4];
  const sigma = points.map((v) => 1 / (1 + Math.exp(-v)));
  for (
    const [op, derivative] of [
      [F.sigmoid, sigma.map((s) => s * (1 - s))],
      [F.tanh, points.map((v) => 1 - Math.tanh(v) ** 2)],
      [F.softplus, sigma],
    ] as const
  ) {
    const x = tensor(points, { requiresGrad: true });
    F.sum(op(x)).backward();
    assertClose(x.grad!, derivative, { atol: 1e-6, rtol: 1e-5 });
  }
});

Deno.test("gelu is x·Φ(x) and silu is x·σ(x)", () => {
  const points = [-3, -1, -0.1, 0, 0.5, 2];
  // Φ via a high-precision erf (Abramowitz–Stegun 7.1.26 would be too coarse here): series sum.
  const erf = (z: number) => {
    let term = z, total = z;
    for (let n = 1; n < 60; n++) {
      term *= -z * z / n;
      total += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * total;
  };
  const gelu = points.map((v) => v * 0.5 * (1 + erf(v / Math.SQRT2)));
  assertClose(F.gelu(tensor(points)), gelu, { atol: 1e-6, rtol: 1e-5 });
  assertClose(F.silu(tensor(points)), points.map((v) => v / (1 + Math.exp(-v))), {
    atol: 1e-6,
    rtol: 1e-5,
  });
});

Deno.test("crossEntropy gradient is (softmax − onehot) / N", () => {
  manualSeed(3);
  const logits = randn([4, 5], { requiresGrad: true });
  const labels = [1, 0, 4, 4];
  const loss = F.crossEntropy(logits, int(labels));
  loss.backward();
  const rows = logits.toArray() as number[][];
  const expected = rows.map((row, i) => {
    const top = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - top));
    const total = exps.reduce((s, v) => s + v, 0);
    return exps.map((e, j) => (e / total - (j === labels[i] ? 1 : 0)) / rows.length);
  });
  assertClose(logits.grad!, expected, { atol: 1e-7, rtol: 1e-5 });
  const nll = rows.map((row, i) => {
    const top = Math.max(...row);
    return -(row[labels[i]] - top - Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0)));
  });
  assertClose(loss, [nll.reduce((s, v) => s + v, 0) / rows.length], { atol: 1e-6, rtol: 1e-6 });
});

Deno.test("binaryCrossEntropyWithLogits gradient is (σ(x) − y) / N", () => {
  const x = tensor([-2, 0, 1.5, 30], { requiresGrad: true });
  const y = tensor([0, 1, 1, 0]);
  F.binaryCrossEntropyWithLogits(x, y).backward();
  const expected = [-2, 0, 1.5, 30].map((v, i) => (1 / (1 + Math.exp(-v)) - [0, 1, 1, 0][i]) / 4);
  assertClose(x.grad!, expected, { atol: 1e-7, rtol: 1e-5 });
});

Deno.test("mseLoss gradient is 2(a − b)/N, l1Loss gradient is sign(a − b)/N", () => {
  const a = tensor([1, 2, 3, 4], { requiresGrad: true });
  const b = tensor([0, 2.5, 3, 5]);
  const loss = F.mseLoss(a, b);
  assertClose(loss, [(1 + 0.25 + 0 + 1) / 4]);
  loss.backward();
  assertClose(a.grad!, [0.5, -0.25, 0, -0.5]);
  a.grad = null;
  F.l1Loss(a, tensor([0, 2.5, 2, 5])).backward();
  assertClose(a.grad!, [0.25, -0.25, 0.25, -0.25]);
});

Deno.test("huberLoss matches its two branches", () => {
  const loss = F.huberLoss(tensor([0, 0, 0]), tensor([0.5, -2, 3]), {
    reduction: "none",
    delta: 1,
  });
  assertClose(loss, [0.125, 1.5, 2.5]);
});

Deno.test("binaryCrossEntropy clamps log(0) at −100 like PyTorch", () => {
  const loss = F.binaryCrossEntropy(tensor([0, 1, 0.5]), tensor([1, 1, 0]), { reduction: "none" });
  assertClose(loss, [100, 0, Math.LN2]);
});

Deno.test("variance uses Bessel's correction by default", () => {
  const x = tensor([[1, 2, 3, 4], [2, 2, 2, 2]]);
  assertClose(F.var(x, 1), [5 / 3, 0]);
  assertClose(F.var(x, 1, { correction: 0 }), [1.25, 0]);
  assertClose(F.var(x), [values(x).reduce((s, v) => s + (v - 2.25) ** 2, 0) / 7]);
});

Deno.test("max and min share the gradient evenly between ties", () => {
  const x = tensor([1, 3, 3, 2], { requiresGrad: true });
  F.max(x).backward();
  assertClose(x.grad!, [0, 0.5, 0.5, 0]);
});

Deno.test("maximum splits the gradient on ties", () => {
  const a = tensor([1, 2, 3], { requiresGrad: true });
  const b = tensor([3, 2, 1], { requiresGrad: true });
  F.sum(F.maximum(a, b)).backward();
  assertClose(a.grad!, [0, 0.5, 1]);
  assertClose(b.grad!, [1, 0.5, 0]);
});

Deno.test("argmax picks the first maximum; over all elements without a dim", () => {
  const x = tensor([[1, 5, 5], [7, 0, 7]]);
  assert.deepEqual(Array.from(F.argmax(x, 1).data()), [1, 0]);
  assert.equal(F.argmax(x).item(), 3);
  assert.deepEqual(Array.from(F.argmin(x, 0).data()), [0, 1, 0]);
});
