/**
 * ONNX import and export: `loadOnnx` turns an `.onnx` file into a trainable `OnnxModule` running
 * on edgegrad's ops; `saveOnnx` / `onnxToBytes` write a module (or an imported one) back out.
 * @example
 * const model = await loadOnnx("model.onnx");
 * const y = model(x);
 * await saveOnnx(model, "tuned.onnx", {});
 */
export { loadOnnx, type LoadOnnxOptions, onnxFromBytes } from "./load.ts";
export { OnnxModule, type OnnxTensorInfo } from "./module.ts";
export { MAX_OPSET, MIN_OPSET, OnnxImportError } from "./graph.ts";
export { OnnxFormatError } from "./proto.ts";
export { onnxReady } from "./protobuf.ts";
export { MAX_ELEMENTS, OnnxDataError } from "./tensor_data.ts";
export { OPS as ONNX_OPS } from "./ops/registry.ts";
export {
  EXPORT_DEFAULT_OPSET,
  EXPORT_MAX_OPSET,
  EXPORT_MIN_OPSET,
  OnnxExportError,
  onnxToBytes,
  registerOnnxContainer,
  registerOnnxExporter,
  saveOnnx,
  type SaveOnnxOptions,
} from "./export/mod.ts";
