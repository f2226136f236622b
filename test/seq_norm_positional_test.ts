/** RMSNorm and the positional embeddings: hand-derived values, finite differences, errors. */
import assert from "node:assert/strict";
import { arange, F, gradcheck, manualSeed, nn, randn, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

Deno.test("rmsNorm divides by the root mean square of the trailing dims", () => {
  const x = tensor([[3, 4], [1, -1]]);
  const eps = 2 ** -23;
  const r0 = Math.sqrt(12.5 + eps), r1 = Math.sqrt(1 + eps);
  assertClose(F.rmsNorm(x, 2), [[3 / r0, 4 / r0], [1 / r1, -1 / r1]], { atol: 1e-6 });
  const weighted = F.rmsNorm(x, [2], tensor([2, 0.5]), { eps: 1 });
  const s0 = Math.sqrt(13.5), s1 = Math.SQRT2;
  assertClose(weighted, [[6 / s0, 2 / s0], [2 / s1, -0.5 / s1]], { atol: 1e-6 });
  // Over two trailing dims: the mean square of all four values.
  const all = F.rmsNorm(tensor([[[1, 2], [3, 4]]]), [2, 2]);
  const r = Math.sqrt(30 / 4 + eps);
  assertClose(all, [[[1 / r, 2 / r], [3 / r, 4 / r]]], { atol: 1e-6 });
});

Deno.test("rmsNorm's gradients match finite differences", () => {
  manualSeed(1);
  const x = randn([3, 2, 4]), w = randn([2, 4]);
  gradcheck((x, w) => F.rmsNorm(x, [2, 4], w), [x, w]);
  gradcheck((x) => F.rmsNorm(x, 4, null, { eps: 1e-3 }), [x]);
});

Deno.test("nn.RMSNorm starts as the plain normalisation and trains its weight", () => {
  manualSeed(2);
  const norm = new nn.RMSNorm(4);
  const x = randn([2, 3, 4]);
  assertClose(norm.forward(x), F.rmsNorm(x, 4), { atol: 0, rtol: 0 });
  assert.deepEqual([...norm.stateDict().keys()], ["weight"]);
  norm.forward(x).sum().backward();
  assert.ok(norm.weight!.grad);
  assert.equal(new nn.RMSNorm(4, { elementwiseAffine: false }).parameters().length, 0);
  assert.throws(() => new nn.RMSNorm(4, { epsilon: 1 } as never), /unknown option "epsilon"/);
  assert.throws(() => F.rmsNorm(x, 5), /must be the last dims/);
});

Deno.test("sinusoidal encodings: sin and cos of p·10000^(−2i/dim), interleaved", () => {
  const table = F.sinusoidalPositionalEncoding(5, 6);
  assert.deepEqual(table.shape, [5, 6]);
  const expected: number[] = [];
  for (let p = 0; p < 5; p++) {
    for (let i = 0; i < 6; i += 2) {
      const w = Math.pow(10000, -i / 6);
      expected.push(Math.sin(p * w), Math.cos(p * w));
    }
  }
  assertClose(table, expected, { atol: 1e-6 });
  assert.deepEqual(F.sinusoidalPositionalEncoding(2, 3).shape, [2, 3]);
  const module = new nn.SinusoidalPositionalEmbedding(5, 6);
  const positions = tensor([4, 0], { dtype: "int32" });
  assertClose(module.forward(positions), [...expected.slice(24, 30), ...expected.slice(0, 6)], {
    atol: 1e-6,
  });
  assert.equal(module.stateDict().size, 0);
});

Deno.test("learned positional embeddings are trained rows of a table", () => {
  manualSeed(3);
  const module = new nn.LearnedPositionalEmbedding(8, 4);
  const positions = arange(3, undefined, 1, { dtype: "int32" });
  const out = module.forward(positions);
  assertClose(out, module.weight.narrow(0, 0, 3), { atol: 0, rtol: 0 });
  out.mul(tensor([[1], [2], [3]])).sum().backward();
  const grad = Array.from(module.weight.grad!.data());
  assert.deepEqual(grad, [...[1, 1, 1, 1], ...[2, 2, 2, 2], ...[3, 3, 3, 3], ...Array(20).fill(0)]);
  assert.throws(
    () => module.forward(tensor([8], { dtype: "int32" })),
    /outside 0..7 .* larger maxLength/,
  );
  assert.throws(() => module.forward(tensor([1])), /must be an int32 tensor/);
});
