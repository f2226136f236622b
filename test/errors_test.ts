/** Bad input gets an error that names the op and says what was wrong. */
import assert from "node:assert/strict";
import { F, ones, randn, tensor, zeros } from "../runtime/mod.ts";

const int = (v: number[]) => tensor(v, { dtype: "int32" });

Deno.test("shape mismatches name the op and both shapes", () => {
  assert.throws(
    () => F.add(ones([2, 3]), ones([4])),
    /add: shapes \[2, 3\] and \[4\] cannot be broadcast/,
  );
  assert.throws(
    () => F.matmul(ones([2, 3]), ones([4, 5])),
    /matmul: shapes \[2, 3\] and \[4, 5\] do not fit/,
  );
  assert.throws(
    () => F.linear(ones([2, 3]), ones([4, 5])),
    /linear: the input has shape \[2, 3\] but the weight \[4, 5\]/,
  );
  assert.throws(
    () => F.mseLoss(ones([4, 1]), ones([4])),
    /mseLoss: the input has shape \[4, 1\] but the target has \[4\]/,
  );
  assert.throws(() => F.cat([ones([2, 3]), ones([2, 4])], 0), /cat: tensor 1 has shape \[2, 4\]/);
  assert.throws(
    () => F.reshape(ones([2, 3]), [4, 2]),
    /reshape: cannot reshape \[2, 3\] \(6 elements\)/,
  );
});

Deno.test("out-of-range dims and indices say so", () => {
  assert.throws(
    () => F.sum(ones([2, 3]), 2),
    /sum: dim 2 is out of range for a tensor of rank 2 \(expected -2..1\)/,
  );
  assert.throws(() => F.softmax(ones([2, 3]), -3), /softmax: dim -3 is out of range/);
  assert.throws(
    () => F.indexSelect(ones([3, 2]), 0, int([0, 3])),
    /indexSelect: index 3 at position 1 .* size 3/,
  );
  assert.throws(
    () => F.gather(ones([2, 3]), 1, tensor([[0], [5]], { dtype: "int32" })),
    /gather: index 5/,
  );
  assert.throws(
    () => F.narrow(ones([4]), 0, 2, 3),
    /narrow: start 2 and length 3 do not fit dim 0 of size 4/,
  );
  assert.throws(
    () => F.crossEntropy(ones([2, 3]), int([0, 3])),
    /nllLoss: target 3 at position 1 is not a class index for 3 classes/,
  );
  assert.throws(
    () => F.crossEntropy(ones([2, 3]), int([0])),
    /target must have shape \[2\], got \[1\]/,
  );
  assert.throws(
    () => F.crossEntropy(ones([2, 3]), tensor([0, 1])),
    /int32 class indices, got float32/,
  );
});

Deno.test("non-finite values in a loss's input say where", () => {
  const x = zeros([2, 3]);
  const bad = tensor([[0, 1, 2], [3, NaN, 5]]);
  assert.throws(() => F.mseLoss(bad, x), /mseLoss: the input holds NaN at index \[1, 1\]/);
  assert.throws(
    () => F.crossEntropy(tensor([[0, Infinity]]), int([0])),
    /crossEntropy: the input holds Infinity at index \[0, 1\]/,
  );
  assert.throws(
    () => F.binaryCrossEntropy(tensor([0.5, 1.5]), tensor([0, 1])),
    /probabilities in \[0, 1\]/,
  );
});

Deno.test("tensor() rejects ragged arrays, non-numbers and fractional int32 values", () => {
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array at data\[1\]/);
  assert.throws(() => tensor([1.5], { dtype: "int32" }), /int32 tensors need integers/);
  assert.throws(
    () => tensor(new Float32Array(5), { shape: [2, 3] }),
    /shape \[2, 3\] needs 6 values, got 5/,
  );
  assert.throws(() => F.exp(int([1])), /exp: expected a float32 tensor, got int32/);
});

Deno.test("using a disposed tensor is a clear error", () => {
  const x = randn([3]);
  x.dispose();
  assert.throws(() => F.exp(x), /was disposed and cannot be used/);
  x.dispose(); // twice is fine
});

Deno.test("optimizers refuse parameters without requiresGrad and bad hyper-parameters", async () => {
  const { optim } = await import("../runtime/mod.ts");
  assert.throws(() => new optim.SGD([ones([2])], { lr: 0.1 }), /does not require grad/);
  assert.throws(
    () => new optim.Adam([ones([2], { requiresGrad: true })], { lr: -1 }),
    /invalid lr -1/,
  );
});
