/**
 * The seeds' hard case: a 2-2-1 tanh network (two hidden units) learns XOR. Recipe: N(0, 1)
 * initialisation, SGD with momentum 0.9, MSE, lr 0.1, 3000 full-batch steps (PyTorch: 19/20 seeds).
 */
import assert from "node:assert/strict";
import { F, manualSeed, optim, randn, scope, type Tensor, tensor } from "../runtime/mod.ts";

function trainXor(seed: number): { loss: number; predictions: number[] } {
  manualSeed(seed);
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tensor([[0], [1], [1], [0]]);
  const w1 = randn([2, 2], { requiresGrad: true });
  const b1 = randn([2], { requiresGrad: true });
  const w2 = randn([1, 2], { requiresGrad: true });
  const b2 = randn([1], { requiresGrad: true });
  const forward = (input: Tensor) => F.linear(F.tanh(F.linear(input, w1, b1)), w2, b2);
  const optimizer = new optim.SGD([w1, b1, w2, b2], { lr: 0.1, momentum: 0.9 });
  let loss = Infinity;
  for (let step = 0; step < 3000; step++) {
    loss = scope(() => {
      optimizer.zeroGrad();
      const l = F.mseLoss(forward(x), y);
      l.backward();
      optimizer.step();
      return l.item();
    });
  }
  const predictions = Array.from(forward(x).data());
  return { loss, predictions };
}

Deno.test("a 2-2-1 tanh network learns XOR from at least 9 of 10 seeds", () => {
  const results = Array.from({ length: 10 }, (_, seed) => trainXor(seed));
  const solved = results.filter((r) =>
    r.loss < 0.01 && r.predictions.every((p, i) => (p > 0.5 ? 1 : 0) === [0, 1, 1, 0][i])
  );
  assert.ok(
    solved.length >= 9,
    `only ${solved.length}/10 seeds solved XOR; losses: ${results.map((r) => r.loss.toExponential(2)).join(", ")}`,
  );
});
