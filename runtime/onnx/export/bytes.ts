/**
 * `onnxToBytes`: a model as the bytes of an `.onnx` file, with no file system (browsers,
 * workers). Built-in layers are written from the module tree; an imported `OnnxModule` is its own
 * graph with its current weights.
 */
import type { Module } from "../../nn/module.ts";
import { checkOptions, type OptionKeys } from "../../options.ts";
import { OnnxModule } from "../module.ts";
import type { ModelProto } from "../proto.ts";
import { encodeModel } from "./proto_writer.ts";
import { importedModel } from "./imported.ts";
import { OnnxExportError } from "./registry.ts";
import { exportGraph } from "./walk.ts";
import "./layers/mod.ts";

/** The opsets an export can target, and the default. */
export const EXPORT_MIN_OPSET = 13, EXPORT_MAX_OPSET = 17, EXPORT_DEFAULT_OPSET = 17;

/** IR version 8 (ONNX 1.10 to 1.12) reads every opset from 13 to 17. */
const IR_VERSION = 8;

/** Options of saveOnnx and onnxToBytes. */
export interface SaveOnnxOptions {
  /**
   * The shape of one example, without the batch dimension (which the graph leaves dynamic):
   * [1, 28, 28] for MNIST images. Required, except for an imported model (which keeps its own).
   */
  inputShape?: readonly number[];
  /** The default-domain opset to write, 13 to 17. Default 17. */
  opset?: number;
  /**
   * "int32" for a model that takes token indices (it starts with an Embedding); the graph input
   * is then int64, as PyTorch writes it. Default "float32".
   */
  inputDtype?: "float32" | "int32";
}

const KEYS: OptionKeys<SaveOnnxOptions> = { inputShape: true, opset: true, inputDtype: true };

function checkInputShape(shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(
      "saveOnnx: options.inputShape must be the shape of one example without the batch " +
        `dimension, as positive integers (e.g. [1, 28, 28]), got ${JSON.stringify(shape)}`,
    );
  }
  return shape;
}

function checkImported(module: OnnxModule, options: SaveOnnxOptions): ModelProto {
  const model = importedModel(module);
  const own = model.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version;
  if (options.opset !== undefined && options.opset !== own) {
    throw new OnnxExportError(
      `saveOnnx: the imported model is opset ${own}; it is written back as it is, so leave ` +
        `options.opset out (edgegrad does not convert between opsets)`,
    );
  }
  if (options.inputShape !== undefined) {
    const declared = module.inputs[0]?.shape?.slice(1);
    const given = checkInputShape(options.inputShape);
    const fits = declared !== undefined && declared.length === given.length &&
      declared.every((d, i) => typeof d !== "number" || d === given[i]);
    if (!fits) {
      throw new OnnxExportError(
        `saveOnnx: options.inputShape ${JSON.stringify(given)} disagrees with the imported ` +
          `graph's input ${JSON.stringify(module.inputs[0]?.shape)}; leave it out`,
      );
    }
  }
  return model;
}

/**
 * The model as an ONNX file's bytes (see saveOnnx for what is exported and how).
 * @example
 * const bytes = onnxToBytes(model, { inputShape: [1, 28, 28] });
 * const session = await ort.InferenceSession.create(bytes);
 */
export function onnxToBytes(module: Module, options: SaveOnnxOptions = {}): Uint8Array {
  const given = checkOptions("saveOnnx", options, KEYS);
  const { opset = EXPORT_DEFAULT_OPSET, inputDtype = "float32" } = given;
  if (!Number.isInteger(opset) || opset < EXPORT_MIN_OPSET || opset > EXPORT_MAX_OPSET) {
    throw new RangeError(
      `saveOnnx: options.opset must be an integer from ${EXPORT_MIN_OPSET} to ` +
        `${EXPORT_MAX_OPSET}, got ${JSON.stringify(opset)}`,
    );
  }
  if (inputDtype !== "float32" && inputDtype !== "int32") {
    throw new TypeError(
      `saveOnnx: options.inputDtype must be "float32" or "int32", got ${
        JSON.stringify(inputDtype)
      }`,
    );
  }
  if (module instanceof OnnxModule) return encodeModel(checkImported(module, given));
  if (given.inputShape === undefined) {
    throw new TypeError(
      "saveOnnx: options.inputShape is required: the shape of one example without the batch " +
        "dimension, e.g. { inputShape: [1, 28, 28] } for MNIST images",
    );
  }
  const inputShape = checkInputShape(given.inputShape);
  const graph = exportGraph(module, { inputShape, inputDtype, opset });
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: "edgegrad",
    opsetImports: [{ domain: "", version: opset }],
    graph,
    functions: 0,
  });
}
