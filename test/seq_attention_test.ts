/**
 * Attention and transformer layers: scaledDotProductAttention against hand-computed values and
 * finite differences; MultiheadAttention and the transformer layers against PyTorch's outputs and
 * gradients from PyTorch's state dicts (test/fixtures/seq_reference.json).
 */
import assert from "node:assert/strict";
import { F, gradcheck, manualSeed, nn, noGrad, randn, tensor } from "../runtime/mod.ts";
import { checkAgainstReference, reference } from "./seq_reference.ts";
import { assertClose } from "./helpers.ts";

Deno.test("scaledDotProductAttention matches a hand computation", () => {
  // One query [1, 0] against keys [1, 0] and [0, 1]: scores 1/√2 and 0.
  const q = tensor([[1, 0]]), k = tensor([[1, 0], [0, 1]]), v = tensor([[10, 0], [0, 20]]);
  const a = Math.exp(1 / Math.SQRT2), w0 = a / (a + 1), w1 = 1 / (a + 1);
  assertClose(F.scaledDotProductAttention(q, k, v), [[10 * w0, 20 * w1]], { atol: 1e-5 });
  // scale 0 gives equal weights; a boolean mask (nonzero = attend) leaves the second key alone.
  assertClose(F.scaledDotProductAttention(q, k, v, { scale: 0 }), [[5, 10]], { atol: 1e-5 });
  const onlySecond = tensor([[0, 1]], { dtype: "int32" });
  assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: onlySecond }), [[0, 20]]);
  // An additive mask shifts the scores: + ln 3 on the second key triples its odds.
  const shifted = F.scaledDotProductAttention(q, k, v, { attnMask: tensor([[0, Math.log(3)]]) });
  const b = 3 / (a + 3);
  assertClose(shifted, [[10 * (1 - b), 20 * b]], { atol: 1e-5 });
});

Deno.test("isCausal lets query i see keys 0..i only", () => {
  manualSeed(1);
  const q = randn([2, 3, 4, 5]), k = randn([2, 3, 4, 5]), v = randn([2, 3, 4, 5]);
  const causal = F.scaledDotProductAttention(q, k, v, { isCausal: true });
  // The first query sees only the first value; the last sees all, as without a mask.
  const first = causal.narrow(2, 0, 1), last = causal.narrow(2, 3, 1);
  assertClose(first, v.narrow(2, 0, 1), { atol: 1e-6 });
  const open = F.scaledDotProductAttention(q, k, v);
  assertClose(last, open.narrow(2, 3, 1), { atol: 1e-6 });
  const mask = F.causalMask(4, 4).int();
  assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: mask }), causal, {
    atol: 0,
    rtol: 0,
  });
  assert.throws(
    () => F.scaledDotProductAttention(q, k, v, { isCausal: true, attnMask: mask }),
    /either attnMask or isCausal/,
  );
});

Deno.test("scaledDotProductAttention's gradients match finite differences", () => {
  manualSeed(2);
  const q = randn([2, 3, 4]), k = randn([2, 5, 4]), v = randn([2, 5, 3]);
  const additive = randn([3, 5]);
  gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v), [q, k, v]);
  gradcheck((q, k, v, m) => F.scaledDotProductAttention(q, k, v, { attnMask: m }), [
    q,
    k,
    v,
    additive,
  ]);
  gradcheck(
    (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.3 }),
    [q, k, v],
  );
});

Deno.test("attention dropout zeroes weights in training and is off at dropoutP 0", () => {
  manualSeed(3);
  const q = randn([1, 4, 8]), k = randn([1, 6, 8]), v = randn([1, 6, 8]);
  const off = F.scaledDotProductAttention(q, k, v, { dropoutP: 0 });
  assertClose(off, F.scaledDotProductAttention(q, k, v), { atol: 0, rtol: 0 });
  const all = F.scaledDotProductAttention(q, k, v, { dropoutP: 1 });
  assert.ok(Array.from(all.data()).every((x) => x === 0));
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { dropout: 0.1 } as never), /dropoutP/);
});

for (const name of ["mha_masks", "mha_batch_first_float_mask_per_head"]) {
  Deno.test(`MultiheadAttention matches PyTorch ${reference.torch} (${name})`, () => {
    const { embedDim, numHeads, averageAttnWeights, ...options } = reference.cases[name].options;
    const mha = new nn.MultiheadAttention(embedDim as number, numHeads as number, options);
    checkAgainstReference(name, mha, ({ query, key, value, keyPaddingMask, attnMask }) => {
      const { output, weights } = mha.forwardWithWeights(query, key, value, {
        keyPaddingMask,
        attnMask,
        averageAttnWeights: averageAttnWeights as boolean | undefined,
      });
      return { output, weights: weights! };
    });
  });
}

for (const name of Object.keys(reference.cases).filter((n) => n.startsWith("encoder_layer"))) {
  Deno.test(`TransformerEncoderLayer matches PyTorch (${name})`, () => {
    const { dModel, nhead, ...options } = reference.cases[name].options;
    const layer = new nn.TransformerEncoderLayer(dModel as number, nhead as number, options);
    checkAgainstReference(name, layer, ({ src, srcMask, srcKeyPaddingMask }) => ({
      output: layer.forward(src, srcMask, srcKeyPaddingMask),
    }));
  });
}

for (const name of Object.keys(reference.cases).filter((n) => n.startsWith("decoder_layer"))) {
  Deno.test(`TransformerDecoderLayer matches PyTorch (${name})`, () => {
    const { dModel, nhead, ...options } = reference.cases[name].options;
    const layer = new nn.TransformerDecoderLayer(dModel as number, nhead as number, options);
    checkAgainstReference(name, layer, ({ tgt, memory, tgtMask, memoryKeyPaddingMask }) => ({
      output: layer.forward(tgt, memory, tgtMask, null, null, memoryKeyPaddingMask),
    }));
  });
}

Deno.test("Transformer matches PyTorch (2 encoder layers, 1 decoder layer, batchFirst)", () => {
  const model = new nn.Transformer(reference.cases.transformer_batch_first.options);
  checkAgainstReference("transformer_batch_first", model, ({ src, tgt, tgtMask }) => ({
    output: model.forward(src, tgt, null, tgtMask),
  }));
});

Deno.test("MultiheadAttention and the encoder layer: input gradients match finite differences", () => {
  manualSeed(4);
  const mha = new nn.MultiheadAttention(4, 2);
  const q = randn([3, 2, 4]), k = randn([5, 2, 4]), v = randn([5, 2, 4]);
  const padding = tensor([[0, 0, 0, 0, 1], [0, 1, 0, 0, 0]], { dtype: "int32" });
  gradcheck((q, k, v) => mha.forward(q, k, v, padding), [q, k, v]);
  const layer = new nn.TransformerEncoderLayer(4, 2, {
    dimFeedforward: 8,
    dropout: 0,
    activation: "gelu",
    normFirst: true,
  });
  gradcheck((x) => layer.forward(x, nn.Transformer.generateSquareSubsequentMask(3)), [q]);
});

Deno.test("MultiheadAttention: a blocked key gets zero weight; self-attention takes one GEMM path", () => {
  manualSeed(5);
  const mha = new nn.MultiheadAttention(6, 3, { batchFirst: true });
  const x = randn([2, 4, 6]);
  const padding = tensor([[0, 0, 0, 1], [0, 0, 0, 0]], { dtype: "int32" });
  const { weights } = noGrad(() => mha.forwardWithWeights(x, x, x, { keyPaddingMask: padding }));
  assert.deepEqual(weights!.shape, [2, 4, 4]);
  const w = weights!.data();
  for (let i = 0; i < 4; i++) assert.equal(w[i * 4 + 3], 0);
  // The fused projection of self-attention equals the three separate ones.
  const fused = noGrad(() => mha.forward(x, x, x));
  const separate = noGrad(() => mha.forward(x, x.add(0), x.add(0)));
  assertClose(fused, separate, { atol: 1e-6 });
});

Deno.test("attention layers refuse bad shapes and unknown options with clear errors", () => {
  assert.throws(() => new nn.MultiheadAttention(6, 4), /divisible by numHeads/);
  assert.throws(
    () => new nn.MultiheadAttention(8, 2, { batch_first: true } as never),
    /unknown option/,
  );
  const mha = new nn.MultiheadAttention(8, 2);
  const x = randn([3, 2, 8]);
  assert.throws(() => mha.forward(x, x, x, null, randn([3, 4])), /attnMask should be \[3, 3\]/);
  assert.throws(() => mha.forward(x, x, x, randn([3, 2])), /keyPaddingMask should be \[2, 3\]/);
  assert.throws(() => mha.forward(randn([3, 2, 5]), x, x), /expected query/);
  assert.throws(
    () => new nn.TransformerEncoderLayer(8, 2, { activation: "swish" as never }),
    /"relu" or "gelu"/,
  );
  assert.throws(() => new nn.Transformer({ dmodel: 8 } as never), /did you mean "dModel"/);
});

Deno.test("TransformerEncoder copies the layer and names the copies layers.0, layers.1", () => {
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
  const names = [...encoder.stateDict().keys()];
  assert.ok(names.includes("layers.1.self_attn.in_proj_weight"));
  assert.ok(names.includes("norm.weight"));
  assertClose(
    encoder.layers[1].linear1.weight,
    layer.linear1.weight,
    { atol: 0, rtol: 0 },
  );
  assert.notEqual(encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight);
  const rebuilt = nn.moduleFromConfig(encoder.toConfig());
  assert.deepEqual([...rebuilt.stateDict().keys()], names);
});
