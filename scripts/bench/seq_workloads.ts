/**
 * The sizes and step counts of the sequence benchmark (W6, W7), shared by our side
 * (scripts/bench/seq.ts) and TF.js's (scripts/bench/seq_tfjs.ts), and the synthetic tokens both
 * train on (the speed does not depend on them).
 */

/** W6: embedding 64, 2 × LSTM 256, batch 32 × 128 steps, over a 65-character vocabulary. */
export const LSTM_CONFIG = {
  vocab: 65,
  embedding: 64,
  hidden: 256,
  layers: 2,
  batch: 32,
  steps: 128,
} as const;

/** W7: 4 layers, d_model 128, 4 heads, context 128, batch 32, feed-forward 4·d_model. */
export const GPT_CONFIG = {
  vocab: 65,
  context: 128,
  dModel: 128,
  heads: 4,
  layers: 4,
  batch: 32,
} as const;

/**
 * Warm-up and timed training steps per side. A TF.js W6 step takes about 19 s here (its
 * tf.layers LSTM runs each time step as separate ops, and their gradients), hence its few steps;
 * the whole benchmark takes about 2.5 minutes of CPU.
 */
export const SEQ_STEPS = {
  w6: { warmup: 1, ours: 6, tfjs: 2 },
  w7: { warmup: 1, ours: 6, tfjs: 2 },
  /** Timed repetitions of one token at a full context (ours). */
  marginal: 8,
};

/** Input tokens [batch·steps] and next tokens (same length), a fixed pseudo-random pattern. */
export function syntheticTokens(
  vocab: number,
  batch: number,
  steps: number,
): { inputs: Int32Array; targets: Int32Array } {
  const count = batch * steps;
  const ids = Int32Array.from({ length: count + 1 }, (_, i) => (i * 7919 + (i >> 3)) % vocab);
  return { inputs: ids.subarray(0, count), targets: ids.subarray(1, count + 1) };
}
