/**
 * Saving and loading: safetensors files (by the public specification), model directories
 * (`config.json` + `model.safetensors`), training checkpoints, atomic writes.
 * @example
 * await save(model, "models/mlp", { inputShape: [784], labels });
 * const { model: copy } = await load("models/mlp");
 */
export {
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensors,
  safetensorsChunks,
  type SafetensorsContents,
} from "./safetensors.ts";
export {
  DTYPE_BYTES,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  type SafetensorsEntry,
  SafetensorsError,
  type SafetensorsHeader,
} from "./safetensors_header.ts";
export { loadSafetensors, saveSafetensors } from "./safetensors_file.ts";
export {
  CONFIG_FILE,
  load,
  type LoadedModel,
  type ModelConfigFile,
  modelFromBytes,
  parseModelConfig,
  save,
  type SaveOptions,
  WEIGHTS_FILE,
} from "./model_dir.ts";
export {
  type CheckpointContents,
  loadCheckpoint,
  type LoadedCheckpoint,
  type OptimizerState,
  saveCheckpoint,
  type StatefulOptimizer,
} from "./checkpoint.ts";
export { getRandomState, type RandomState, setRandomState } from "./random_state.ts";
export { type PathLike, writeFileAtomic } from "./files.ts";
export {
  loadOnnx,
  type LoadOnnxOptions,
  MAX_OPSET as ONNX_MAX_OPSET,
  MIN_OPSET as ONNX_MIN_OPSET,
  ONNX_OPS,
  OnnxDataError,
  OnnxExportError,
  OnnxFormatError,
  onnxFromBytes,
  OnnxImportError,
  OnnxModule,
  onnxReady,
  type OnnxTensorInfo,
  onnxToBytes,
  registerOnnxContainer,
  registerOnnxExporter,
  saveOnnx,
  type SaveOnnxOptions,
} from "../onnx/mod.ts";
