/**
 * Autoregressive generation from a causal language model: greedy or sampled (temperature, top-k,
 * nucleus), with a key/value cache so each new token costs one position, not the whole prefix.
 */
import { tensor } from "../ops/creation.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { mulberry32 } from "../seeded_uniform.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import type { CausalLanguageModel } from "../nn/gpt.ts";
import type { Tensor } from "../tensor.ts";

/** How to pick each next token. */
export interface SamplingOptions {
  /** Divides the logits; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Sample among the k most likely tokens only. Default: all. */
  topK?: number | null;
  /** Sample among the fewest most likely tokens whose probabilities sum to at least topP. Default 1. */
  topP?: number;
}

/** Options of generate. */
export interface GenerateOptions extends SamplingOptions {
  /** Tokens to add after the prompt. Default 32. */
  maxNewTokens?: number;
  /** Seed of the sampler's own generator (not manualSeed's stream). Default 0. */
  seed?: number;
  /** Reuse earlier positions' keys and values (default true); false reruns the whole prefix. */
  useCache?: boolean;
}

const SAMPLING_KEYS: OptionKeys<SamplingOptions> = { temperature: true, topK: true, topP: true };
const KEYS: OptionKeys<GenerateOptions> = {
  ...SAMPLING_KEYS,
  maxNewTokens: true,
  seed: true,
  useCache: true,
};

function checkSampling(where: string, o: SamplingOptions, vocab: number): void {
  const temperature = o.temperature ?? 1;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`${where}: temperature must be a finite number ≥ 0, got ${temperature}`);
  }
  if (o.topK !== undefined && o.topK !== null) {
    if (!Number.isInteger(o.topK) || o.topK < 1) {
      throw new RangeError(`${where}: topK must be a positive integer, got ${o.topK}`);
    }
  }
  const topP = o.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) {
    throw new RangeError(`${where}: topP must be in (0, 1], got ${topP}`);
  }
  if (vocab < 1) throw new Error(`${where}: the logits are empty`);
}

/**
 * Picks a token id from one row of logits [vocab] with `random` (numbers in [0, 1)).
 * @example sampleFromLogits(logits, { temperature: 0.8, topK: 40 }, mulberry32(1))
 */
export function sampleFromLogits(
  logits: Float32Array,
  options: SamplingOptions,
  random: () => number,
): number {
  const o = checkOptions("sampleFromLogits", options, SAMPLING_KEYS);
  checkSampling("sampleFromLogits", o, logits.length);
  const temperature = o.temperature ?? 1;
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0 || o.topK === 1) return best;
  // Candidates from most to least likely (ties by lower id).
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = order.slice(0, Math.min(o.topK ?? order.length, order.length));
  const top = logits[kept[0]];
  const weights = kept.map((i) => Math.exp((logits[i] - top) / temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  // Nucleus: the shortest prefix whose probability reaches topP.
  const topP = o.topP ?? 1;
  let count = kept.length;
  if (topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < kept.length; i++) {
      cumulative += weights[i] / total;
      if (cumulative >= topP) {
        count = i + 1;
        break;
      }
    }
  }
  const mass = weights.slice(0, count).reduce((s, w) => s + w, 0);
  let u = random() * mass;
  for (let i = 0; i < count; i++) {
    u -= weights[i];
    if (u < 0) return kept[i];
  }
  return kept[count - 1];
}

/**
 * Continues `prompt` (token ids) by up to `maxNewTokens` tokens and returns the new ones. Runs in
 * evaluation mode (restored afterwards) without recording gradients; prompt + maxNewTokens must
 * fit the model's context length.
 * @example
 * const ids = text.generate(model, tokenizer.encode("ROMEO:"), { maxNewTokens: 100, topK: 10 });
 * console.log(tokenizer.decode(ids));
 */
export function generate(
  model: CausalLanguageModel & { training: boolean; train(mode?: boolean): unknown },
  prompt: readonly number[],
  options?: GenerateOptions,
): number[] {
  const o = checkOptions("generate", options, KEYS);
  const maxNewTokens = o.maxNewTokens ?? 32;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new RangeError(`generate: maxNewTokens must be an integer ≥ 0, got ${maxNewTokens}`);
  }
  if (prompt.length === 0 || !prompt.every((t) => Number.isInteger(t) && t >= 0)) {
    throw new Error("generate: the prompt must be a non-empty list of token ids (integers ≥ 0)");
  }
  if (prompt.length + maxNewTokens > model.contextLength) {
    throw new RangeError(
      `generate: the prompt (${prompt.length} tokens) and maxNewTokens (${maxNewTokens}) exceed ` +
        `the model's context length ${model.contextLength}`,
    );
  }
  const random = mulberry32(o.seed ?? 0);
  const sampling = { temperature: o.temperature, topK: o.topK, topP: o.topP };
  const useCache = o.useCache ?? true;
  const wasTraining = model.training;
  model.train(false);
  const caches = useCache ? model.newCache() : null;
  const sequence = [...prompt];
  const lastRow = (logits: Tensor): Float32Array =>
    logits.narrow(1, logits.shape[1] - 1, 1).data() as Float32Array;
  try {
    for (let n = 0; n < maxNewTokens; n++) {
      const logits = noGrad(() => {
        // With the cache, the first call reads the prompt and each later one the newest token.
        const fresh = caches && n > 0 ? sequence.slice(-1) : sequence;
        const tokens = tensor(Int32Array.from(fresh), { shape: [1, fresh.length], dtype: "int32" });
        return lastRow(caches ? model.forwardCached(tokens, caches) : model.forward(tokens));
      });
      sequence.push(sampleFromLogits(logits, sampling, random));
    }
  } finally {
    caches?.forEach((c) => c.dispose());
    model.train(wasTraining);
  }
  return sequence.slice(prompt.length);
}
