/**
 * The seeds' hard case: a 2-2-1 tanh network (two hidden units) learns XOR. Recipe: U(−0.5, 0.5)
 * initialisation of weights and biases, SGD with momentum 0.9, MSE, lr 0.1, 2000 full-batch steps.
 * (With N(0, 1) initialisation and 3000 steps the same code solves 13 of seeds 0..19; a float64
 * re-implementation fed the same initial weights lands on the same local minima, so the misses
 * are the starting points, not the arithmetic.)
 */
import assert from "node:assert/strict";
import { F, manualSeed, optim, scope, type Tensor, tensor, uniform } from "../runtime/mod.ts";

function trainXor(seed: number): { loss: number; predictions: number[] } {
  manualSeed(seed);
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tensor([[0], [1], [1], [0]]);
  const init = (shape: number[]) => uniform(shape, -0.5, 0.5, { requiresGrad: true });
  const w1 = init([2, 2]), b1 = init([2]), w2 = init([1, 2]), b2 = init([1]);
  const forward = (input: Tensor) => F.linear(F.tanh(F.linear(input, w1, b1)), w2, b2);
  const optimizer = new optim.SGD([w1, b1, w2, b2], { lr: 0.1, momentum: 0.9 });
  let loss = Infinity;
  for (let step = 0; step < 2000; step++) {
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
    `only ${solved.length}/10 seeds solved XOR; losses: ${
      results.map((r) => r.loss.toExponential(2)).join(", ")
    }`,
  );
});
