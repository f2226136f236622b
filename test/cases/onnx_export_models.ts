/**
 * The models the ONNX export tests write: the example networks (MNIST CNN and MLP, the DCGAN
 * generator, the autoencoder) and two that between them use every layer with an ONNX form, each
 * with weights and running statistics moved off their initial values so that a wrong mapping
 * shows.
 */
import {
  manualSeed,
  nn,
  noGrad,
  rand,
  randn,
  type Tensor,
  tensor,
  uniform,
} from "../../runtime/mod.ts";
import { cnn } from "../../scripts/examples/mnist_cnn.ts";
import { mlp } from "../../scripts/examples/mnist_mlp.ts";
import { generator } from "../../scripts/examples/dcgan.ts";
import { Autoencoder } from "../../scripts/examples/autoencoder.ts";

/** A model to export, the shape of one example, and a batch of inputs for it. */
export interface ExportCase {
  name: string;
  build: () => nn.Module;
  inputShape: number[];
  inputDtype?: "float32" | "int32";
  opset?: number;
  input: (batch: number) => Tensor;
  /**
   * Why io.loadOnnx cannot read the file back, when it cannot (ONNX Runtime and the checker
   * still judge it).
   */
  noReload?: string;
}

/** Every parameter nudged by N(0, 0.05²); running means N(0, 0.1²), variances U(0.5, 1.5). */
function perturbed(model: nn.Module): nn.Module {
  noGrad(() => {
    const state = new Map<string, Tensor>();
    for (const [name, t] of model.stateDict()) {
      if (name.endsWith("runningVar")) state.set(name, uniform(t.shape, 0.5, 1.5));
      else if (name.endsWith("runningMean")) state.set(name, randn(t.shape).mul(0.1));
      else state.set(name, t.add(randn(t.shape).mul(0.05)));
    }
    model.loadStateDict(state);
  });
  return model;
}

/** Every float layer with an ONNX form, on a [3, 12, 10] input (shapes in the comments). */
function layerZoo(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(3, 8, [4, 3], { padding: "same" }), // [8, 12, 10], odd total padding
    new nn.BatchNorm2d(8),
    new nn.SiLU(),
    new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), // [4, 24, 20]
    new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1, groups: 2, dilation: [1, 2] }), // [8, 12, 9]
    new nn.ELU(0.5),
    new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), // [8, 7, 5]
    new nn.AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }), // [8, 8, 6]
    new nn.GELU({ approximate: "tanh" }),
    new nn.AdaptiveAvgPool2d([4, null]), // [8, 4, 6]
    new nn.ReLU(),
    new nn.Flatten(2, 3), // [8, 24]
    new nn.Linear(24, 24), // rank 3: MatMul
    new nn.LayerNorm(24),
    new nn.Softplus({ beta: 2, threshold: 1 }),
    new nn.Unflatten(2, [4, 6]), // [8, 4, 6]
    new nn.AdaptiveAvgPool2d(1), // [8, 1, 1]
    new nn.Flatten(), // [8]
    new nn.Dropout(0.3),
    new nn.Linear(8, 16),
    new nn.GELU(),
    new nn.BatchNorm1d(16, { affine: false }),
    new nn.LeakyReLU(0.1),
    new nn.LayerNorm(16, { elementwiseAffine: false }),
    new nn.Tanh(),
    new nn.Linear(16, 10, { bias: false }),
    new nn.Sigmoid(),
    new nn.Softmax(1),
    new nn.LogSoftmax(-1),
  );
}

/** Token indices [5] in 0..19 → [5, 4] through an Embedding. */
function tagger(): nn.Module {
  return new nn.Sequential(
    new nn.Embedding(20, 8),
    new nn.LayerNorm(8),
    new nn.Linear(8, 4),
  );
}

/** Sequences [7, 6] → [7, 3]: a two-layer bidirectional LSTM and a linear head. */
function lstmTagger(): nn.Module {
  return new nn.Sequential(
    new nn.LSTM(6, 8, { batchFirst: true, numLayers: 2, bidirectional: true }),
    new nn.Linear(16, 3),
  );
}

/** A GRU, then a bias-free bidirectional ReLU RNN. */
function gruRnn(): nn.Module {
  return new nn.Sequential(
    new nn.GRU(6, 5, { batchFirst: true }),
    new nn.RNN(5, 4, { batchFirst: true, nonlinearity: "relu", bidirectional: true, bias: false }),
  );
}

/** Sequences [6, 8] → [6, 8]: two post-norm encoder layers and a final norm, then a pre-norm one. */
function encoder(): nn.Module {
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
  const preNorm = new nn.TransformerEncoderLayer(8, 4, {
    dimFeedforward: 12,
    batchFirst: true,
    normFirst: true,
    activation: "gelu",
  });
  return new nn.Sequential(
    new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) }),
    preNorm,
  );
}

const images = (shape: number[]) => (batch: number) => rand([batch, ...shape]);

/** The export cases, each seeded. */
export const EXPORT_CASES: ExportCase[] = [
  { name: "mnist_cnn", build: cnn, inputShape: [1, 28, 28], input: images([1, 28, 28]) },
  { name: "mnist_mlp", build: mlp, inputShape: [1, 28, 28], input: images([1, 28, 28]) },
  {
    name: "dcgan_generator",
    build: generator,
    inputShape: [100],
    input: (batch) => randn([batch, 100]),
  },
  {
    name: "autoencoder",
    build: () => new Autoencoder(),
    inputShape: [1, 28, 28],
    input: images([1, 28, 28]),
  },
  { name: "layer_zoo", build: layerZoo, inputShape: [3, 12, 10], input: images([3, 12, 10]) },
  {
    name: "layer_zoo_opset13",
    build: layerZoo,
    inputShape: [3, 12, 10],
    opset: 13,
    input: images([3, 12, 10]),
  },
  {
    name: "tagger",
    build: tagger,
    inputShape: [5],
    inputDtype: "int32",
    input: (batch) =>
      tensor(Int32Array.from(rand([batch, 5]).data(), (u) => Math.floor(u * 20)), {
        shape: [batch, 5],
        dtype: "int32",
      }),
  },
  {
    name: "transformer_encoder",
    build: encoder,
    inputShape: [6, 8],
    input: (batch) => randn([batch, 6, 8]),
  },
  {
    name: "transformer_encoder_opset13",
    build: encoder,
    inputShape: [6, 8],
    opset: 13,
    input: (batch) => randn([batch, 6, 8]),
  },
  {
    name: "lstm_tagger",
    build: lstmTagger,
    inputShape: [7, 6],
    input: (batch) => randn([batch, 7, 6]),
  },
  {
    name: "gru_rnn_opset13",
    build: gruRnn,
    inputShape: [7, 6],
    opset: 13,
    input: (batch) => randn([batch, 7, 6]),
  },
];

/** The case's model, seeded and perturbed. */
export function buildCase(c: ExportCase, seed = 17): nn.Module {
  manualSeed(seed);
  return perturbed(c.build());
}
