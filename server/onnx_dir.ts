/**
 * Model directories that hold an ONNX file: `{name}/model.onnx`, with an optional `config.json`
 * for what the graph cannot say (`labels`, `preprocessing`, `metadata`, and `inputShape` when the
 * graph's input has dynamic dims other than the batch). The graph is imported with `io.loadOnnx`
 * and served like a native model; its KServe metadata comes from the graph's inputs and outputs.
 */
import { io } from "../runtime/api.ts";
import {
  checkInputShape,
  checkLabels,
  checkObject,
  isPlainObject,
} from "../runtime/io/config_checks.ts";

/** The ONNX file of a model directory. */
export const ONNX_FILE = "model.onnx";

const CONFIG_KEYS = new Set(["inputShape", "labels", "preprocessing", "metadata"]);

/** Reads the optional serving config of an ONNX directory, checking each field. */
function servingConfig(text: string | null, where: string): Record<string, unknown> {
  if (text === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new Error(`${where} must hold a JSON object`);
  const unknown = Object.keys(parsed).filter((key) => !CONFIG_KEYS.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `${where}: unknown field(s) ${unknown.join(", ")} beside ${ONNX_FILE}; it may hold ` +
        [...CONFIG_KEYS].join(", "),
    );
  }
  if (parsed.inputShape !== undefined) checkInputShape(parsed.inputShape, where);
  checkLabels(parsed.labels, where);
  for (const key of ["preprocessing", "metadata"]) checkObject(parsed[key], key, where);
  return parsed;
}

/**
 * One sample's input shape: config.json's (already checked), else the graph input's dims after
 * the batch dim.
 */
function inputShapeOf(model: io.OnnxModule, given: unknown, where: string): number[] {
  if (model.inputs.length !== 1) {
    throw new Error(
      `${where}: the graph has ${model.inputs.length} inputs; the server feeds one ` +
        `(${model.inputs.map((i) => i.name).join(", ")})`,
    );
  }
  if (given !== undefined) return [...(given as number[])];
  const dims = model.inputs[0].shape;
  const sample = dims?.slice(1) ?? null;
  if (sample === null || !sample.every((d) => typeof d === "number" && d > 0)) {
    throw new Error(
      `${where}: the graph input ${model.inputs[0].name} has shape ` +
        `${JSON.stringify(dims)}; give one sample's shape as "inputShape" in config.json`,
    );
  }
  return sample as number[];
}

/**
 * Loads an ONNX model directory's files (bytes of model.onnx, text of config.json or null) into a
 * model and the config the registry serves it with.
 */
export async function onnxDirectoryModel(
  onnx: Uint8Array,
  configText: string | null,
  paths: { onnx: string; config: string },
): Promise<{ model: io.OnnxModule; config: io.ModelConfigFile }> {
  const extra = servingConfig(configText, paths.config);
  const model = await io.loadOnnx(onnx);
  const config: io.ModelConfigFile = {
    format: "edgegrad",
    version: 1,
    architecture: { type: "OnnxModule" },
    inputShape: inputShapeOf(model, extra.inputShape, paths.onnx),
    ...(extra.labels === undefined ? {} : { labels: extra.labels as string[] }),
    ...(extra.preprocessing === undefined
      ? {}
      : { preprocessing: extra.preprocessing as Record<string, unknown> }),
    metadata: {
      ...(extra.metadata as Record<string, unknown> | undefined),
      onnx: { inputs: model.inputs, outputs: model.outputs },
    },
  };
  return { model, config };
}
