/**
 * The char-lstm example: the Brown corpus made plain text, the training windows, the perplexity
 * metric and the unigram baseline against hand-computed values, sampling, and a short run that
 * must beat the unigram baseline.
 */
import assert from "node:assert/strict";
import { manualSeed, tensor, text } from "../runtime/mod.ts";
import { brownSamples, brownText, untag } from "../scripts/examples/brown_corpus.ts";
import {
  Perplexity,
  sample,
  trainCharLstm,
  unigramPerplexity,
  windows,
} from "../scripts/examples/char_lstm.ts";
import { CharLSTM } from "../scripts/examples/char_lstm_model.ts";

Deno.test("untag strips the tags and joins the words as prose", () => {
  const tagged =
    "\n\n\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ,/, (/( see/vb )/) it/pps ./.\n\n" +
    "\tA/at new/jj paragraph/nn ./.\n";
  assert.equal(untag(tagged), 'The jury said "no", (see) it.\nA new paragraph.');
});

Deno.test("brownText reads the corpus by category and refuses unknown ones", async () => {
  const samples = await brownSamples();
  assert.equal(samples.length, 500);
  assert.equal(samples.filter((s) => s.category === "humor").length, 9);
  const humor = await brownText(["humor"]);
  assert.ok(humor.length > 100_000, `${humor.length} characters`);
  assert.ok(!/\/[a-z]/.test(humor.slice(0, 5000)), "no tags left");
  await assert.rejects(() => brownText(["comedy"]), /unknown category "comedy"/);
});

Deno.test("windows: inputs and next-token targets, consecutive and non-overlapping", () => {
  const ids = Array.from({ length: 11 }, (_, i) => i);
  const [inputs, targets] = windows(ids, 3);
  assert.deepEqual(inputs.shape, [3, 3]);
  assert.deepEqual([...inputs.data()], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...targets.data()], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(() => windows([1, 2, 3], 3), /3 tokens are too few for one window of 3/);
});

Deno.test("Perplexity is exp of the mean cross-entropy; unigramPerplexity by hand", () => {
  // Two tokens, vocab 2: logits (0, 0) give p = 1/2 each, so the perplexity is 2.
  const metric = new Perplexity();
  metric.update(tensor([[[0, 0], [0, 0]]]), tensor([[0, 1]], { dtype: "int32" }));
  assert.ok(Math.abs(metric.compute() - 2) < 1e-6, `${metric.compute()}`);
  // Logits (ln 3, 0): p(0) = 3/4, p(1) = 1/4; tokens 0 then 1 → exp(−(ln ¾ + ln ¼)/2) = 4/√3.
  metric.reset();
  metric.update(
    tensor([[[Math.log(3), 0], [Math.log(3), 0]]]),
    tensor([[0, 1]], {
      dtype: "int32",
    }),
  );
  assert.ok(Math.abs(metric.compute() - 4 / Math.sqrt(3)) < 1e-5, `${metric.compute()}`);
  // Training counts 0,0,1 plus one each → p(0) = 3/5, p(1) = 2/5; text 0,1.
  const expected = Math.exp(-(Math.log(3 / 5) + Math.log(2 / 5)) / 2);
  assert.ok(Math.abs(unigramPerplexity([0, 0, 1], [0, 1], 2) - expected) < 1e-12);
});

Deno.test("sample continues a prompt with characters of the vocabulary, seeded", () => {
  manualSeed(3);
  const tokenizer = text.CharTokenizer.fromText("abc de");
  const model = new CharLSTM({
    vocabSize: tokenizer.vocabSize,
    embeddingDim: 4,
    hiddenSize: 8,
    numLayers: 2,
  });
  const first = sample(model, tokenizer, "ab", 30, { seed: 5 });
  assert.equal(first.length, 30);
  assert.ok([...first].every((c) => "abc de".includes(c)));
  assert.equal(sample(model, tokenizer, "ab", 30, { seed: 5 }), first);
  assert.ok(model.training, "sampling restores training mode");
});

Deno.test("char-lstm: a short run on 30,000 characters beats the unigram baseline", async () => {
  const result = await trainCharLstm({ epochs: 6, limit: 30_000, progress: false });
  const losses = result.history.series("val_loss");
  assert.ok(losses[losses.length - 1] < losses[0], `validation losses ${losses}`);
  assert.ok(
    result.perplexity < 0.8 * result.unigram,
    `perplexity ${result.perplexity} against the unigram's ${result.unigram}`,
  );
  assert.equal(result.samples.length, 6);
});
