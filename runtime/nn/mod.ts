/** Modules (layers) in the PyTorch mould, each a thin wrapper over a functional op. */
export { type ForwardHook, Module, type ModuleConfig } from "./module.ts";
export { buffer, isBuffer, isParameter, parameter } from "./parameter.ts";
export { moduleFromConfig, registerModule } from "./registry.ts";
export { Linear } from "./linear.ts";
export { type EdgeList, type EdgeValues, Graph, propagate } from "./graph.ts";
export { GraphConv } from "./graph_conv.ts";
export {
  ELU,
  GELU,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "./activation.ts";
export { Flatten, Sequential, Unflatten } from "./container.ts";
export { type Conv2dReLU, fuse, type FusedReLU, type LinearReLU } from "./fuse.ts";
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from "./pooling.ts";
export {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormModuleOptions,
  Dropout,
  Embedding,
  LayerNorm,
} from "./normalization.ts";
export {
  Conv2d,
  type Conv2dModuleOptions,
  ConvTranspose2d,
  type ConvTranspose2dModuleOptions,
} from "./conv.ts";
export { ModelSummary, summary, type SummaryRow, type SummaryTotals } from "./summary.ts";
export { gradCam, type GradCamOptions, type GradCamResult } from "./grad_cam.ts";
export {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  type RecurrentModuleOptions,
  type RecurrentOutput,
  type RecurrentState,
  RNN,
  RNNCell,
  type RNNCellOptions,
  type RNNOptions,
} from "./recurrent.ts";
export {
  type AttentionMasks,
  type AttentionWeightsOptions,
  MultiheadAttention,
  type MultiheadAttentionOptions,
} from "./attention.ts";
export {
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  type TransformerLayerOptions,
  type TransformerOptions,
  type TransformerStackOptions,
} from "./transformer.ts";
export { RMSNorm, type RMSNormOptions } from "./rms_norm.ts";
export { LearnedPositionalEmbedding, SinusoidalPositionalEmbedding } from "./positional.ts";
export { AttentionCache } from "./attention_cache.ts";
export { type CausalLanguageModel, GPT, type GPTOptions } from "./gpt.ts";
