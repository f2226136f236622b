/** Text: tokenizers and generation from causal language models. */
export { CharTokenizer } from "./char_tokenizer.ts";
export {
  generate,
  type GenerateOptions,
  sampleFromLogits,
  type SamplingOptions,
} from "./generate.ts";
