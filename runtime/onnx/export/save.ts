/** `saveOnnx`: writes a model to an `.onnx` file. */
import { onnxReady } from "../protobuf.ts";
import type { Module } from "../../nn/module.ts";
import { type PathLike, writeFileAtomic } from "../../io/files.ts";
import { onnxToBytes, type SaveOnnxOptions } from "./bytes.ts";

/**
 * Writes `module` as an ONNX model (opset 13 to 17, default 17) with a dynamic batch dimension:
 * the graph input is `input` [batch, ...inputShape], the output `output`. Parameters and running
 * statistics become initializers named as `stateDict()` names them. The graph is the module's
 * evaluation-mode computation (Dropout is the identity, batch norm uses its running statistics).
 * Sequential, Linear, Conv2d, ConvTranspose2d, BatchNorm1d/2d, LayerNorm, the activations, the
 * pools, Flatten, Unflatten, Dropout, Embedding, and batchFirst RNN, LSTM and GRU (as ONNX's
 * recurrent ops) and TransformerEncoderLayer / TransformerEncoder (without masks) have an ONNX
 * form; a model holding any module without one is refused with one error naming each (path and
 * class) and how to fix it. An imported `OnnxModule` is written back
 * as its own graph with its current weights.
 * @example
 * await io.saveOnnx(model, "models/mnist_cnn.onnx", { inputShape: [1, 28, 28] });
 */
export async function saveOnnx(
  module: Module,
  path: PathLike,
  options: SaveOnnxOptions = {},
): Promise<void> {
  await onnxReady();
  await writeFileAtomic(path, onnxToBytes(module, options));
}
