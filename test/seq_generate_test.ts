/**
 * Generation: the key/value cache gives the same logits and tokens as rerunning the prefix, the
 * samplers keep to their candidates, a trained GPT continues its pattern, and the character
 * tokenizer round-trips.
 */
import assert from "node:assert/strict";
import { F, manualSeed, nn, noGrad, optim, scope, tensor, text } from "../runtime/mod.ts";
import { mulberry32 } from "../runtime/seeded_uniform.ts";
import { assertClose } from "./helpers.ts";

function smallModel(seed: number): nn.GPT {
  manualSeed(seed);
  return new nn.GPT({ vocabSize: 11, contextLength: 24, dModel: 16, nhead: 2, numLayers: 2 });
}

Deno.test("the cached forward pass gives the logits of the full pass, position by position", () => {
  const model = smallModel(1).eval();
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];
  const tokens = tensor(Int32Array.from(ids), { shape: [1, 8], dtype: "int32" });
  const full = noGrad(() => model.forward(tokens));
  const caches = model.newCache();
  const prefix = noGrad(() => model.forwardCached(tokens.narrow(1, 0, 5), caches));
  assertClose(prefix, full.narrow(1, 0, 5), { atol: 1e-5 });
  for (let t = 5; t < 8; t++) {
    const step = noGrad(() => model.forwardCached(tokens.narrow(1, t, 1), caches));
    assertClose(step, full.narrow(1, t, 1), { atol: 1e-5 });
  }
  assert.equal(caches[0].length, 8);
  caches.forEach((c) => c.dispose());
});

Deno.test("generate with the cache equals generate without, token for token", () => {
  const model = smallModel(2);
  const prompt = [1, 2, 3];
  for (
    const sampling of [
      { temperature: 0 },
      { temperature: 1, seed: 5 },
      { temperature: 0.7, topK: 4, seed: 6 },
      { topP: 0.9, seed: 7 },
    ]
  ) {
    const cached = text.generate(model, prompt, { maxNewTokens: 16, ...sampling });
    const uncached = text.generate(model, prompt, {
      maxNewTokens: 16,
      ...sampling,
      useCache: false,
    });
    assert.equal(cached.length, 16);
    assert.deepEqual(cached, uncached, JSON.stringify(sampling));
  }
  assert.ok(model.training, "generate restores training mode");
  assert.throws(
    () => text.generate(model, [1, 2, 3], { maxNewTokens: 22 }),
    /exceed the model's context length 24/,
  );
  assert.throws(() => text.generate(model, [1], { maxTokens: 3 } as never), /maxNewTokens/);
});

Deno.test("sampleFromLogits: greedy, top-k, nucleus and the softmax distribution", () => {
  const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
  const random = mulberry32(11);
  assert.equal(text.sampleFromLogits(logits, { temperature: 0 }, random), 0);
  const counts = [0, 0, 0, 0];
  const draws = 4000;
  for (let i = 0; i < draws; i++) counts[text.sampleFromLogits(logits, {}, random)]++;
  // Within 4 standard deviations of the binomial counts.
  [0.5, 0.3, 0.15, 0.05].forEach((p, i) => {
    const sd = Math.sqrt(draws * p * (1 - p));
    assert.ok(Math.abs(counts[i] - draws * p) < 4 * sd, `token ${i}: ${counts[i]} of ${draws}`);
  });
  const topTwo = new Set<number>();
  for (let i = 0; i < 300; i++) topTwo.add(text.sampleFromLogits(logits, { topK: 2 }, random));
  assert.deepEqual([...topTwo].sort(), [0, 1]);
  // 0.5 + 0.3 reaches topP 0.8: token 2 and 3 are never drawn; topP 0.5 keeps token 0 alone.
  const nucleus = new Set<number>();
  for (let i = 0; i < 300; i++) nucleus.add(text.sampleFromLogits(logits, { topP: 0.8 }, random));
  assert.deepEqual([...nucleus].sort(), [0, 1]);
  for (let i = 0; i < 50; i++) {
    assert.equal(text.sampleFromLogits(logits, { topP: 0.5 }, random), 0);
  }
  assert.throws(() => text.sampleFromLogits(logits, { topK: 0 }, random), /topK/);
  assert.throws(() => text.sampleFromLogits(logits, { topP: 0 }, random), /topP/);
});

Deno.test("a small GPT learns a repeating pattern and generate continues it", () => {
  manualSeed(3);
  const model = new nn.GPT({
    vocabSize: 4,
    contextLength: 16,
    dModel: 16,
    nhead: 2,
    numLayers: 1,
    dropout: 0,
  });
  const pattern = [0, 1, 2, 3, 2, 1];
  const sequence = (start: number, length: number) =>
    Array.from({ length }, (_, i) => pattern[(start + i) % pattern.length]);
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.02 });
  let loss = Infinity;
  for (let step = 0; step < 80; step++) {
    loss = scope(() => {
      optimizer.zeroGrad();
      const rows = Array.from({ length: 6 }, (_, b) => sequence(b, 13));
      const x = tensor(Int32Array.from(rows.flatMap((r) => r.slice(0, 12))), {
        shape: [6, 12],
        dtype: "int32",
      });
      const y = tensor(Int32Array.from(rows.flatMap((r) => r.slice(1))), {
        shape: [72],
        dtype: "int32",
      });
      const l = F.crossEntropy(model.forward(x).reshape(72, 4), y);
      l.backward();
      optimizer.step();
      return l.item();
    });
  }
  assert.ok(loss < 0.05, `training loss ${loss}`);
  const continued = text.generate(model, sequence(2, 4), { maxNewTokens: 10, temperature: 0 });
  assert.deepEqual(continued, sequence(6, 10));
});

Deno.test("CharTokenizer round-trips text and names what it cannot encode", () => {
  const tokenizer = text.CharTokenizer.fromText("hello, wörld 🙂");
  assert.equal(tokenizer.vocabSize, 11);
  assert.deepEqual(tokenizer.vocabulary.slice(0, 3), [" ", ",", "d"]);
  const ids = tokenizer.encode("🙂 hello");
  assert.equal(ids.length, 7);
  assert.equal(tokenizer.decode(ids), "🙂 hello");
  assert.throws(() => tokenizer.encode("hex"), /"x" \(U\+0078\) at index 2/);
  assert.throws(() => tokenizer.decode([11]), /outside 0..10/);
  const rebuilt = new text.CharTokenizer(tokenizer.toJSON().vocabulary);
  assert.deepEqual(rebuilt.encode("wörld"), tokenizer.encode("wörld"));
});
