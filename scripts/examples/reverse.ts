/**
 * `deno task reverse`: a small decoder-only transformer (nn.GPT) learns to reverse sequences of
 * digits. Each example is `d1 … dL | dL … d1`: the model reads the digits and the separator and
 * must write them backwards; only the answer's tokens are scored. It trains with `fit` (progress
 * bar, `--live`) on random sequences, prints the exact-match rate (every answer token right) on
 * held-back sequences after each epoch, checks that rate by greedy generation with the key/value
 * cache at the end, shows a few answers, and draws the loss and exact-match curves.
 *
 * Usage: `deno task reverse [epochs] [--length L] [--seed S] [--live]` (default 4 epochs of
 * 10,000 length-12 sequences). Picture: out/reverse/curves.png.
 */
import { parseArgs } from "node:util";
import {
  DataLoader,
  F,
  manualSeed,
  type metrics,
  nn,
  noGrad,
  optim,
  scope,
  type Tensor,
  tensor,
  TensorDataset,
  train,
  viz,
} from "../../runtime/mod.ts";
import { exampleArgs, liveCallbacks } from "./live_flag.ts";
import { mulberry32 as seededRandom } from "../../runtime/seeded_uniform.ts";

/** Digits 0..9 are tokens 0..9; the separator between a sequence and its reversal is token 10. */
export const SEPARATOR = 10;
/** Digits and the separator. */
export const VOCAB_SIZE = 11;

/** A set of examples: model inputs [count, 2·length] and answers [count, length], row-major. */
export interface ReversalData {
  count: number;
  length: number;
  /** d1 … dL, separator, dL … d2: the full example without its last token. */
  inputs: Int32Array;
  /** dL … d1, the tokens the model must produce after the separator. */
  answers: Int32Array;
}

/**
 * `count` distinct random digit sequences of `length`, none of them in `exclude` (the held-back
 * sequences, as digit strings), with their reversals.
 */
export function reversalData(
  count: number,
  length: number,
  seed: number,
  exclude: ReadonlySet<string> = new Set(),
): ReversalData & { keys: Set<string> } {
  if (!Number.isInteger(length) || length < 2 || length > 30) {
    throw new RangeError(`reverse: the length must be an integer in 2..30, got ${length}`);
  }
  if (count > 0.5 * 10 ** length) {
    throw new RangeError(
      `reverse: ${count} distinct sequences of length ${length} are more than half of all ` +
        `${10 ** length}; use a longer length or fewer examples`,
    );
  }
  const random = seededRandom(seed);
  const keys = new Set<string>();
  const inputs = new Int32Array(count * 2 * length);
  const answers = new Int32Array(count * length);
  const digits = new Int32Array(length);
  while (keys.size < count) {
    for (let i = 0; i < length; i++) digits[i] = Math.floor(random() * 10);
    const key = digits.join("");
    if (keys.has(key) || exclude.has(key)) continue;
    const row = keys.size;
    keys.add(key);
    const input = inputs.subarray(row * 2 * length, (row + 1) * 2 * length);
    const answer = answers.subarray(row * length, (row + 1) * length);
    input.set(digits);
    input[length] = SEPARATOR;
    for (let i = 0; i < length; i++) answer[i] = digits[length - 1 - i];
    input.set(answer.subarray(0, length - 1), length + 1);
  }
  return { count, length, inputs, answers, keys };
}

/** The data as tensors: inputs [count, 2·length] and answers [count, length], int32. */
export function reversalTensors(d: ReversalData): [Tensor, Tensor] {
  return [
    tensor(d.inputs, { shape: [d.count, 2 * d.length], dtype: "int32" }),
    tensor(d.answers, { shape: [d.count, d.length], dtype: "int32" }),
  ];
}

/** The logits [batch, length, vocab] that predict the answer: those at the separator and after. */
export function answerLogits(logits: Tensor, length: number): Tensor {
  return F.narrow(logits, 1, length, length);
}

/** Cross-entropy of the answer tokens only (the digits before the separator are random). */
export function reversalLoss(logits: Tensor, answers: Tensor): Tensor {
  const length = answers.shape[1];
  return F.crossEntropy(
    answerLogits(logits, length).reshape(-1, VOCAB_SIZE),
    answers.reshape(-1),
  );
}

/**
 * The share of examples whose every answer token is the most likely one given the true tokens
 * before it. That is exactly the share greedy generation gets wholly right: if every step's
 * argmax is right, greedy decoding walks the true prefix and writes the answer; if one is wrong,
 * greedy decoding errs at the first such step at the latest.
 */
export class ExactMatch implements metrics.Metric {
  readonly name = "exact_match";
  readonly higherIsBetter = true;
  private right = 0;
  private count = 0;
  reset(): void {
    this.right = this.count = 0;
  }
  update(output: Tensor, target: Tensor): void {
    const length = target.shape[1];
    this.right += scope(() =>
      noGrad(() => {
        const predicted = F.argmax(answerLogits(output, length), 2);
        const wrong = F.sum(F.ne(predicted.float(), target.float()), 1);
        return F.sum(F.eq(wrong, 0)).item();
      })
    );
    this.count += target.shape[0];
  }
  compute(): number {
    return this.count === 0 ? NaN : this.right / this.count;
  }
}

/**
 * Greedy answers [count, length] to the sequences of `inputs` (only their first `length` digits
 * are read), a batch at a time with the key/value cache: the separator after the digits, then
 * each chosen token fed back.
 */
export function greedyReverse(model: nn.GPT, data: ReversalData, batchSize = 500): Int32Array {
  const { count, length } = data;
  const out = new Int32Array(count * length);
  const wasTraining = model.training;
  model.eval();
  for (let start = 0; start < count; start += batchSize) {
    const rows = Math.min(batchSize, count - start);
    const prompt = new Int32Array(rows * (length + 1));
    for (let r = 0; r < rows; r++) {
      const offset = (start + r) * 2 * length;
      prompt.set(data.inputs.subarray(offset, offset + length + 1), r * (length + 1));
    }
    const caches = model.newCache();
    let next = tensor(prompt, { shape: [rows, length + 1], dtype: "int32" });
    for (let step = 0; step < length; step++) {
      const chosen: Tensor = noGrad(() => {
        const logits = model.forwardCached(next, caches);
        return F.argmax(F.narrow(logits, 1, logits.shape[1] - 1, 1), 2);
      });
      next.dispose();
      next = chosen;
      const tokens = chosen.data() as Int32Array;
      for (let r = 0; r < rows; r++) out[(start + r) * length + step] = tokens[r];
    }
    next.dispose();
    caches.forEach((c) => c.dispose());
  }
  model.train(wasTraining);
  return out;
}

/** Options of `trainReverse`. */
export interface ReverseOptions {
  /** Epochs (default 4). */
  epochs?: number;
  /** Digits per sequence (default 12). */
  length?: number;
  /** Training sequences (default 10,000) and held-back ones (default 2,000). */
  trainCount?: number;
  testCount?: number;
  /** Seed of the data, the initial weights and the batch order (default 0). */
  seed?: number;
  /** Show the progress bar (default true). */
  progress?: boolean;
}

/** What a run gives back. */
export interface ReverseResult {
  model: nn.GPT;
  history: train.History;
  test: ReversalData;
  /** Exact-match on the held-back sequences after the last epoch (teacher-forced argmax). */
  exactMatch: number;
  /** The same measured by greedy generation with the cache. */
  greedyExactMatch: number;
  /** Greedy answers to the held-back sequences, [testCount, length]. */
  greedy: Int32Array;
}

/** The transformer: 2 blocks of width 64 with 4 heads, a context of two sequences. */
export function reversalModel(length: number): nn.GPT {
  return new nn.GPT({
    vocabSize: VOCAB_SIZE,
    contextLength: 2 * length,
    dModel: 64,
    nhead: 4,
    numLayers: 2,
    dimFeedforward: 256,
    dropout: 0,
  });
}

/** Trains the reverser and measures it on held-back sequences. */
export async function trainReverse(options: ReverseOptions = {}): Promise<ReverseResult> {
  const epochs = options.epochs ?? 4;
  const length = options.length ?? 12;
  const seed = options.seed ?? 0;
  const test = reversalData(options.testCount ?? 2000, length, seed + 1);
  const trainSet = reversalData(options.trainCount ?? 10_000, length, seed, test.keys);
  manualSeed(seed);
  const model = reversalModel(length);
  const history = await train.fit(model, {
    data: new DataLoader(new TensorDataset(...reversalTensors(trainSet)), {
      batchSize: 64,
      shuffle: true,
      seed,
    }),
    validation: new DataLoader(new TensorDataset(...reversalTensors(test)), { batchSize: 500 }),
    loss: reversalLoss,
    optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }),
    epochs,
    metrics: [new ExactMatch()],
    progress: options.progress ?? true,
    callbacks: [
      {
        onEpochEnd: (_, log) => {
          if (options.progress === false) return;
          const v = log.values;
          console.log(
            `epoch ${log.epoch}: loss ${v.loss.toFixed(4)}, held-back loss ` +
              `${v.val_loss.toFixed(4)}, held-back exact match ` +
              `${(100 * v.val_exact_match).toFixed(2)}%`,
          );
        },
      },
      ...(await liveCallbacks()),
    ],
  });
  const series = history.series("val_exact_match");
  const greedy = greedyReverse(model, test);
  let right = 0;
  for (let r = 0; r < test.count; r++) {
    let ok = true;
    for (let i = 0; i < length && ok; i++) {
      ok = greedy[r * length + i] === test.answers[r * length + i];
    }
    if (ok) right++;
  }
  return {
    model,
    history,
    test,
    exactMatch: series[series.length - 1],
    greedyExactMatch: right / test.count,
    greedy,
  };
}

/** The command line: `[epochs] [--length L] [--seed S]`. */
async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { length: { type: "string", default: "12" }, seed: { type: "string", default: "0" } },
  });
  const integer = (text: string, what: string) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < 0) {
      throw new Error(`reverse: ${what} must be a whole number ≥ 0, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  const epochs = integer(positionals[0] ?? "4", "the number of epochs");
  const length = integer(values.length, "--length");
  const started = performance.now();
  const result = await trainReverse({ epochs, length, seed: integer(values.seed, "--seed") });
  const seconds = (performance.now() - started) / 1000;
  const { test, greedy } = result;
  const digits = (row: ArrayLike<number>) => Array.from(row).join("");
  console.log("held-back examples (input → greedy answer):");
  for (let r = 0; r < 5; r++) {
    const input = digits(test.inputs.subarray(r * 2 * length, r * 2 * length + length));
    const answer = digits(greedy.subarray(r * length, (r + 1) * length));
    const truth = digits(test.answers.subarray(r * length, (r + 1) * length));
    console.log(`  ${input} → ${answer} ${answer === truth ? "✓" : `✗ (want ${truth})`}`);
  }
  console.log(
    `reverse, length ${length}, ${epochs} epochs: exact match on ${test.count} held-back ` +
      `sequences ${(100 * result.exactMatch).toFixed(2)}% (greedy generation with the KV cache: ` +
      `${(100 * result.greedyExactMatch).toFixed(2)}%); ${seconds.toFixed(0)} s in all`,
  );
  const path = "out/reverse/curves.png";
  await viz.plotHistory(result.history, path, {
    title: `reversing ${length} digits: loss and exact match`,
  });
  console.log(`wrote ${path}`);
}

if (import.meta.main) {
  try {
    await main(exampleArgs());
  } catch (error) {
    const message = (error as Error).message;
    console.error(message.startsWith("reverse") ? message : `reverse: ${message}`);
    Deno.exit(1);
  }
}
