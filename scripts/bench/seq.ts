/**
 * Sequence models (issue 18), ours beside TensorFlow.js's wasm backend (XNNPACK, one thread) on
 * the same workload in the same run, with the ratio:
 *
 * - W6 char-LSTM: embedding 64, 2 × LSTM 256, batch 32 × 128 steps, Adam: training tokens/s.
 *   TF.js: `tf.layers.embedding`, two `tf.layers.lstm`, `tf.layers.dense`.
 * - W7 GPT: 4 layers, d_model 128, 4 heads, context 128, batch 32, Adam: training tokens/s
 *   (nn.GPT; TF.js: the same network from tfjs ops), and greedy generation at batch 1 from a
 *   one-token prompt until the 128-token context is full, with and without the key/value cache;
 *   and ours' cost of one token at 128 tokens of context (127 cached, or the whole 128 rerun).
 *
 * Both sides train on synthetic tokens over a 65-character vocabulary; dropout is 0 on both.
 * TF.js's wasm backend lacks UnsortedSegmentSum (the gradient of tf.gather), so no embedding can
 * learn there; this benchmark registers one built from its own ops (one-hot matrix product).
 * Ours runs first, then TF.js.
 *
 * Run: `npx deno task bench seq` (about 2.5 minutes of CPU), or `npx deno run -A scripts/bench/seq.ts`.
 */
import {
  backend,
  F,
  manualSeed,
  memoryStats,
  nn,
  noGrad,
  optim,
  scope,
  type Tensor,
  tensor,
  text,
} from "../../runtime/mod.ts";
import { median } from "./tfjs_peer.ts";
import { timeSteps, type Timing } from "./train.ts";
import { CharLSTM } from "../examples/char_lstm_model.ts";
import { GPT_CONFIG, LSTM_CONFIG, SEQ_STEPS, syntheticTokens } from "./seq_workloads.ts";

/** Input tokens [batch, steps] and next tokens [batch·steps], int32. */
function batchOf(vocab: number, batch: number, steps: number): [Tensor, Tensor] {
  const { inputs, targets } = syntheticTokens(vocab, batch, steps);
  return [
    tensor(inputs, { shape: [batch, steps], dtype: "int32" }),
    tensor(targets, { dtype: "int32" }),
  ];
}

/** A training timing and whether the allocator's live bytes were the same after every step. */
interface TrainingTiming extends Timing {
  liveFlat: boolean;
}

/** Times Adam steps of next-token cross-entropy of `model` on one synthetic batch. */
function timeTraining(
  model: nn.Module,
  vocab: number,
  batch: number,
  steps: number,
  counts: { warmup: number; ours: number },
): TrainingTiming {
  const [x, y] = batchOf(vocab, batch, steps);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const live: number[] = [];
  const timing = timeSteps(counts.warmup, counts.ours, (i) => {
    scope(() => {
      optimizer.zeroGrad();
      F.crossEntropy(model.call(x).reshape(-1, vocab), y).backward();
      optimizer.step();
      optimizer.zeroGrad();
    });
    if (i >= counts.warmup) live.push(memoryStats().liveBytes);
  });
  x.dispose();
  y.dispose();
  return { ...timing, liveFlat: live.every((bytes) => bytes === live[0]) };
}

function oursW6(): TrainingTiming {
  manualSeed(0);
  const { vocab, embedding, hidden, layers, batch, steps } = LSTM_CONFIG;
  const model = new CharLSTM({
    vocabSize: vocab,
    embeddingDim: embedding,
    hiddenSize: hidden,
    numLayers: layers,
  });
  return timeTraining(model, vocab, batch, steps, SEQ_STEPS.w6);
}

function gpt(): nn.GPT {
  const { vocab, context, dModel, heads, layers } = GPT_CONFIG;
  return new nn.GPT({
    vocabSize: vocab,
    contextLength: context,
    dModel,
    nhead: heads,
    numLayers: layers,
    dropout: 0,
  });
}

function oursW7(): TrainingTiming {
  manualSeed(0);
  const { vocab, context, batch } = GPT_CONFIG;
  return timeTraining(gpt(), vocab, batch, context, SEQ_STEPS.w7);
}

/** Greedy generation from a one-token prompt to a full context; the seconds of a second run. */
function oursGenerate(model: nn.GPT, useCache: boolean): Timing {
  const newTokens = GPT_CONFIG.context - 1;
  const options = { maxNewTokens: newTokens, temperature: 0, useCache };
  text.generate(model, [1], options);
  const start = performance.now();
  text.generate(model, [1], options);
  return { steps: newTokens, seconds: (performance.now() - start) / 1000 };
}

/**
 * Milliseconds of the 128th token (the median of a few): with the cache, one position after
 * 127 cached ones; without, the forward pass over all 128.
 */
function oursMarginal(model: nn.GPT): { cached: number; uncached: number } {
  const { vocab, context } = GPT_CONFIG;
  const prefix = syntheticTokens(vocab, 1, context).inputs;
  const prompt = tensor(prefix.slice(0, context - 1), { shape: [1, context - 1], dtype: "int32" });
  const last = tensor(prefix.slice(context - 1), { shape: [1, 1], dtype: "int32" });
  const whole = tensor(prefix, { shape: [1, context], dtype: "int32" });
  const lastRow = (logits: Tensor) => logits.narrow(1, logits.shape[1] - 1, 1).data();
  model.eval();
  const cached: number[] = [], uncached: number[] = [];
  for (let i = 0; i <= SEQ_STEPS.marginal; i++) {
    const caches = model.newCache();
    noGrad(() => model.forwardCached(prompt, caches));
    let start = performance.now();
    noGrad(() => lastRow(model.forwardCached(last, caches)));
    const withCache = performance.now() - start;
    caches.forEach((c) => c.dispose());
    start = performance.now();
    noGrad(() => lastRow(model.forward(whole)));
    const without = performance.now() - start;
    if (i > 0) { // the first round warms up
      cached.push(withCache);
      uncached.push(without);
    }
  }
  model.train();
  [prompt, last, whole].forEach((t) => t.dispose());
  return { cached: median(cached), uncached: median(uncached) };
}

// --- the table ----------------------------------------------------------------------------------

/** Runs W6 and W7 on both sides and prints the table. */
export async function benchSeq(): Promise<void> {
  console.log(
    `\nSequence models, one thread: edgegrad (${backend().build} build) beside TensorFlow.js ` +
      "wasm (XNNPACK; W6 in tf.layers, W7 from tfjs ops, optimizer.minimize), synthetic tokens " +
      "over 65 characters, dropout 0. TF.js's wasm backend lacks UnsortedSegmentSum (tf.gather's " +
      "gradient): this benchmark registers one from its ops, without which no embedding learns.",
  );
  const w6 = oursW6();
  const w7 = oursW7();
  manualSeed(0);
  const model = gpt();
  const generation = {
    cached: oursGenerate(model, true),
    uncached: oursGenerate(model, false),
  };
  const marginal = oursMarginal(model);
  const { startTfjs, tfjsGenerate, tfjsW6, tfjsW7 } = await import("./seq_tfjs.ts");
  await startTfjs();
  const theirs = {
    w6: tfjsW6(),
    w7: tfjsW7(),
    cached: tfjsGenerate(true),
    uncached: tfjsGenerate(false),
  };

  const whole = (v: number) => Math.round(v).toLocaleString("en-US");
  const trainingRate = (t: Timing, tokensPerStep: number) => (t.steps * tokensPerStep) / t.seconds;
  const perSecond = (t: Timing) => t.steps / t.seconds;
  const row = (name: string, a: number, b: number, unit: string, goal: string) => [
    name,
    `${whole(a)} ${unit}`,
    `${whole(b)} ${unit}`,
    (a / b).toFixed(2),
    goal,
  ];
  const lstmTokens = LSTM_CONFIG.batch * LSTM_CONFIG.steps;
  const gptTokens = GPT_CONFIG.batch * GPT_CONFIG.context;
  const rows = [
    row(
      "W6 char-LSTM, emb 64, 2 × LSTM 256, batch 32 × 128, Adam",
      trainingRate(w6, lstmTokens),
      trainingRate(theirs.w6, lstmTokens),
      "tokens/s",
      "ratio ≥ 3",
    ),
    row(
      "W7 GPT 4 × d128, 4 heads, context 128, batch 32, Adam",
      trainingRate(w7, gptTokens),
      trainingRate(theirs.w7, gptTokens),
      "tokens/s",
      "ratio ≥ 3",
    ),
    row(
      "W7 generation, batch 1, 1 → 128 tokens, KV cache",
      perSecond(generation.cached),
      perSecond(theirs.cached),
      "tokens/s",
      "",
    ),
    row(
      "W7 generation, batch 1, 1 → 128 tokens, no cache",
      perSecond(generation.uncached),
      perSecond(theirs.uncached),
      "tokens/s",
      "",
    ),
  ];
  console.log("| workload | edgegrad | tfjs-wasm | ratio | goal |");
  console.log("|---|---:|---:|---:|---|");
  for (const cells of rows) console.log(`| ${cells.join(" | ")} |`);
  console.log(
    "ratio = edgegrad speed / tfjs-wasm speed (above 1: edgegrad is faster). Training steps " +
      `timed after ${SEQ_STEPS.w6.warmup} warm-up: W6 ${SEQ_STEPS.w6.ours}/${SEQ_STEPS.w6.tfjs}, ` +
      `W7 ${SEQ_STEPS.w7.ours}/${SEQ_STEPS.w7.tfjs} (edgegrad/tfjs). Generation: greedy, ` +
      "127 new tokens after a one-token prompt, the second of two runs.",
  );
  const cacheGain = perSecond(generation.cached) / perSecond(generation.uncached);
  console.log(
    `edgegrad KV cache: ${cacheGain.toFixed(1)}× the no-cache rate over the whole 1 → 128 run ` +
      `(TF.js: ${(perSecond(theirs.cached) / perSecond(theirs.uncached)).toFixed(1)}×); the ` +
      `128th token alone takes ${marginal.cached.toFixed(2)} ms with 127 positions cached and ` +
      `${marginal.uncached.toFixed(2)} ms rerunning all 128: ` +
      `${(marginal.uncached / marginal.cached).toFixed(1)}× (goal ≥ 10× at 128 tokens of ` +
      `context). Live bytes after each training step: W6 ${w6.liveFlat ? "flat" : "NOT flat"}, ` +
      `W7 ${w7.liveFlat ? "flat" : "NOT flat"}.`,
  );
}

if (import.meta.main) await benchSeq();
