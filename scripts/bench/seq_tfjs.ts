/**
 * The TensorFlow.js side of the sequence benchmark (scripts/bench/seq.ts): W6's char-LSTM in
 * `tf.layers` (embedding, two `tf.layers.lstm`, dense), and W7's GPT written from tfjs ops as
 * nn.GPT computes it (token and learned position embeddings, pre-norm blocks of causal multi-head
 * self-attention and an exact-GELU feed-forward block, a final layer norm, a linear head without
 * bias), trained by `optimizer.minimize`, and generating greedily with and without a key/value
 * cache. Loaded only after our side has run.
 */
import * as tf from "@tensorflow/tfjs";
import { useTfjsWasm } from "./tfjs_peer.ts";
import { timeSteps, type Timing } from "./train.ts";
import { GPT_CONFIG, LSTM_CONFIG, SEQ_STEPS, syntheticTokens } from "./seq_workloads.ts";

/**
 * Registers UnsortedSegmentSum on TF.js's wasm backend, which lacks it: it is the gradient of
 * tf.gather, so without it no embedding can learn there. out[s] = Σ_{i: ids[i] = s} x[i], i.e.
 * oneHot(ids)ᵀ · x.
 */
function registerSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const x = inputs.x as tf.Tensor, ids = inputs.segmentIds as tf.Tensor1D;
      const { numSegments } = attrs as unknown as { numSegments: number };
      return tf.tidy(() => {
        const rows = tf.reshape(x, [x.shape[0], -1]);
        const sums = tf.matMul(tf.oneHot(tf.cast(ids, "int32"), numSegments), rows, true, false);
        return tf.reshape(sums, [numSegments, ...x.shape.slice(1)]);
      });
    },
  });
}

/** Starts TF.js's wasm backend (one thread) with the kernel the embeddings need. */
export async function startTfjs(): Promise<void> {
  await useTfjsWasm();
  registerSegmentSum();
}

/** Input tokens [batch, steps] and one-hot next tokens [batch·steps, vocab]. */
function batchOf(vocab: number, batch: number, steps: number): [tf.Tensor2D, tf.Tensor2D] {
  const { inputs, targets } = syntheticTokens(vocab, batch, steps);
  return [
    tf.tensor2d(inputs, [batch, steps], "int32"),
    tf.oneHot(tf.tensor1d(targets, "int32"), vocab) as tf.Tensor2D,
  ];
}

/** W6 in TF.js: tokens/s of Adam training steps of the tf.layers char-LSTM. */
export function tfjsW6(): Timing {
  const { vocab, embedding, hidden, batch, steps } = LSTM_CONFIG;
  const model = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: vocab, outputDim: embedding, inputLength: steps }),
      tf.layers.lstm({ units: hidden, returnSequences: true }),
      tf.layers.lstm({ units: hidden, returnSequences: true }),
      tf.layers.dense({ units: vocab }),
    ],
  });
  const optimizer = tf.train.adam(1e-3);
  const [x, y] = batchOf(vocab, batch, steps);
  const timing = timeSteps(SEQ_STEPS.w6.warmup, SEQ_STEPS.w6.tfjs, () =>
    tf.tidy(() => {
      optimizer.minimize(() => {
        const logits = tf.reshape(model.apply(x) as tf.Tensor, [batch * steps, vocab]);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      });
    }));
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  return timing;
}

/** One block's weights: [in, out] matrices as x·W (TF.js's convention), vectors for the rest. */
interface Block {
  norm1: [tf.Variable, tf.Variable];
  qkv: [tf.Variable, tf.Variable];
  out: [tf.Variable, tf.Variable];
  norm2: [tf.Variable, tf.Variable];
  up: [tf.Variable, tf.Variable];
  down: [tf.Variable, tf.Variable];
}

/** The keys and values [1, heads, positions, headDim] of each block, for cached generation. */
type KeyValues = { key: tf.Tensor4D; value: tf.Tensor4D }[];

/** nn.GPT's network from tfjs ops (dropout 0, as ours in the benchmark). */
export class TfjsGpt {
  readonly tokens: tf.Variable;
  readonly positions: tf.Variable;
  readonly blocks: Block[];
  readonly norm: [tf.Variable, tf.Variable];
  readonly head: tf.Variable;

  constructor(
    readonly vocab: number,
    readonly context: number,
    readonly dModel: number,
    readonly heads: number,
    layers: number,
  ) {
    const matrix = (rows: number, columns: number) =>
      tf.variable(tf.randomUniform([rows, columns], -1, 1).mul(1 / Math.sqrt(rows)));
    const vector = (size: number, value: number) => tf.variable(tf.fill([size], value));
    const linear = (rows: number, columns: number): [tf.Variable, tf.Variable] => [
      matrix(rows, columns),
      vector(columns, 0),
    ];
    const layerNorm = (): [tf.Variable, tf.Variable] => [vector(dModel, 1), vector(dModel, 0)];
    this.tokens = tf.variable(tf.randomNormal([vocab, dModel]));
    this.positions = tf.variable(tf.randomNormal([context, dModel]));
    this.blocks = Array.from({ length: layers }, () => ({
      norm1: layerNorm(),
      qkv: linear(dModel, 3 * dModel),
      out: linear(dModel, dModel),
      norm2: layerNorm(),
      up: linear(dModel, 4 * dModel),
      down: linear(4 * dModel, dModel),
    }));
    this.norm = layerNorm();
    this.head = matrix(dModel, vocab);
  }

  /** Every weight, for the optimizer and for dispose. */
  variables(): tf.Variable[] {
    return [
      this.tokens,
      this.positions,
      ...this.blocks.flatMap((b) => [b.norm1, b.qkv, b.out, b.norm2, b.up, b.down].flat()),
      ...this.norm,
      this.head,
    ];
  }

  /**
   * Logits [batch, steps, vocab] of int32 tokens [batch, steps] that follow `past` positions.
   * With `cache`, each block attends to its cached keys and values as well, and the new ones
   * replace them in `cache` (kept out of the enclosing tidy).
   */
  forward(tokens: tf.Tensor2D, cache: KeyValues | null = null): tf.Tensor3D {
    const [batch, steps] = tokens.shape;
    const past = cache?.[0]?.key.shape[2] ?? 0;
    const headDim = this.dModel / this.heads;
    const positionIds = tf.range(past, past + steps, 1, "int32");
    let x = tf.add(tf.gather(this.tokens, tokens), tf.gather(this.positions, positionIds));
    x = tf.reshape(x, [batch * steps, this.dModel]);
    // Query i (at position past + i) may see key j when j ≤ past + i.
    const rows = tf.reshape(tf.range(past, past + steps, 1, "int32"), [steps, 1]);
    const columns = tf.reshape(tf.range(0, past + steps, 1, "int32"), [1, past + steps]);
    const mask = tf.where(tf.lessEqual(columns, rows), tf.scalar(0), tf.scalar(-1e9));
    const layerNorm = (v: tf.Tensor, [gamma, beta]: [tf.Variable, tf.Variable]) => {
      const { mean, variance } = tf.moments(v, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(v, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
    };
    const dense = (v: tf.Tensor, [w, b]: [tf.Variable, tf.Variable]) =>
      tf.add(tf.matMul(v as tf.Tensor2D, w as tf.Tensor2D), b);
    const splitHeads = (v: tf.Tensor) =>
      tf.transpose(tf.reshape(v, [batch, steps, this.heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
    this.blocks.forEach((block, layer) => {
      const [q, k, v] = tf.split(dense(layerNorm(x, block.norm1), block.qkv), 3, 1).map(
        splitHeads,
      );
      let key = k, value = v;
      if (cache) {
        const held = cache[layer];
        if (held) {
          key = tf.concat([held.key, k], 2);
          value = tf.concat([held.value, v], 2);
          tf.dispose([held.key, held.value]);
        }
        cache[layer] = { key: tf.keep(key), value: tf.keep(value) };
      }
      const scores = tf.add(tf.mul(tf.matMul(q, key, false, true), 1 / Math.sqrt(headDim)), mask);
      const attended = tf.matMul(tf.softmax(scores), value);
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [
        batch * steps,
        this.dModel,
      ]);
      x = tf.add(x, dense(merged, block.out));
      const hidden = dense(layerNorm(x, block.norm2), block.up);
      const gelu = tf.mul(tf.mul(hidden, 0.5), tf.add(tf.erf(tf.mul(hidden, Math.SQRT1_2)), 1));
      x = tf.add(x, dense(gelu, block.down));
    });
    const logits = tf.matMul(layerNorm(x, this.norm) as tf.Tensor2D, this.head as tf.Tensor2D);
    return tf.reshape(logits, [batch, steps, this.vocab]);
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

function tfjsGpt(): TfjsGpt {
  const { vocab, context, dModel, heads, layers } = GPT_CONFIG;
  return new TfjsGpt(vocab, context, dModel, heads, layers);
}

/** W7 training in TF.js: tokens/s of Adam steps of the GPT at batch × context. */
export function tfjsW7(): Timing {
  const { vocab, context, batch } = GPT_CONFIG;
  const model = tfjsGpt();
  const optimizer = tf.train.adam(1e-3);
  const [x, y] = batchOf(vocab, batch, context);
  const timing = timeSteps(SEQ_STEPS.w7.warmup, SEQ_STEPS.w7.tfjs, () =>
    tf.tidy(() => {
      optimizer.minimize(() => {
        const logits = tf.reshape(model.forward(x), [batch * context, vocab]);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      });
    }));
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  return timing;
}

/**
 * W7 generation in TF.js: greedy tokens from a one-token prompt until the context is full, with
 * or without the key/value cache; the seconds of the whole run.
 */
export function tfjsGenerate(useCache: boolean): Timing {
  const model = tfjsGpt();
  const newTokens = GPT_CONFIG.context - 1;
  const run = () => {
    const sequence = [1];
    const cache: KeyValues | null = useCache ? [] : null;
    for (let n = 0; n < newTokens; n++) {
      const fresh = cache && n > 0 ? sequence.slice(-1) : sequence;
      const next = tf.tidy(() => {
        const tokens = tf.tensor2d(Int32Array.from(fresh), [1, fresh.length], "int32");
        const logits = model.forward(tokens, cache);
        return tf.argMax(tf.reshape(tf.slice(logits, [0, fresh.length - 1, 0], [1, 1, -1]), [-1]));
      });
      sequence.push(next.dataSync()[0]);
      next.dispose();
    }
    cache?.forEach(({ key, value }) => tf.dispose([key, value]));
    return sequence;
  };
  run();
  const start = performance.now();
  run();
  const seconds = (performance.now() - start) / 1000;
  model.dispose();
  return { steps: newTokens, seconds };
}
