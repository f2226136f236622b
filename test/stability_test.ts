/** The seed projects overflowed here: logits of magnitude 1e4 must give finite, exact results. */
import assert from "node:assert/strict";
import { F, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

const big = [[1e4, -1e4, 0], [-1e4, -1e4, -1e4]];

Deno.test("softmax of ±1e4 logits is exact", () => {
  assertClose(F.softmax(tensor(big), 1), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], { atol: 1e-7 });
});

Deno.test("logSoftmax of ±1e4 logits is exact", () => {
  assertClose(F.logSoftmax(tensor(big), 1), [[0, -2e4, -1e4], [
    -Math.log(3),
    -Math.log(3),
    -Math.log(3),
  ]], {
    atol: 1e-6,
    rtol: 1e-7,
  });
});

Deno.test("logsumexp of ±1e4 logits is exact", () => {
  assertClose(F.logsumexp(tensor(big), 1), [1e4, -1e4 + Math.log(3)], { atol: 1e-3, rtol: 1e-7 });
});

Deno.test("crossEntropy is finite and exact for logits of magnitude 1e4", () => {
  const logits = tensor([[1e4, -1e4, 0]], { requiresGrad: true });
  const right = F.crossEntropy(logits, tensor([0], { dtype: "int32" }));
  assert.ok(Math.abs(right.item()) < 1e-6);
  const wrong = F.crossEntropy(logits, tensor([1], { dtype: "int32" }));
  assertClose(wrong, [2e4], { rtol: 1e-7 });
  wrong.backward();
  assertClose(logits.grad!, [[1, -1, 0]], { atol: 1e-7 });
});

Deno.test("binaryCrossEntropyWithLogits is finite and exact for logits of magnitude 1e4", () => {
  const x = tensor([1e4, -1e4, 1e4, -1e4], { requiresGrad: true });
  const loss = F.binaryCrossEntropyWithLogits(x, tensor([1, 0, 0, 1]), { reduction: "none" });
  assertClose(loss, [0, 0, 1e4, 1e4], { atol: 1e-6, rtol: 1e-7 });
  F.sum(loss).backward();
  assertClose(x.grad!, [0, 0, 1, -1], { atol: 1e-7 });
});

Deno.test("sigmoid, tanh and softplus saturate without NaN", () => {
  assertClose(F.sigmoid(tensor([-1e4, 1e4, -80])), [0, 1, Math.exp(-80)], {
    atol: 1e-30,
    rtol: 1e-5,
  });
  assertClose(F.tanh(tensor([-1e4, 1e4])), [-1, 1]);
  assertClose(F.softplus(tensor([-1e4, 1e4, 0])), [0, 1e4, Math.LN2], { atol: 1e-7, rtol: 1e-7 });
});
