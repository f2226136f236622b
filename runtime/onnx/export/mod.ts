/**
 * ONNX export: `saveOnnx` / `onnxToBytes` write a module as an ONNX model, and
 * `registerOnnxExporter` / `registerOnnxContainer` give a module class of your own its ONNX form.
 * @example
 * await saveOnnx(model, "model.onnx", { inputShape: [1, 28, 28] });
 */
export {
  EXPORT_DEFAULT_OPSET,
  EXPORT_MAX_OPSET,
  EXPORT_MIN_OPSET,
  onnxToBytes,
  type SaveOnnxOptions,
} from "./bytes.ts";
export { saveOnnx } from "./save.ts";
export {
  type ContainerContext,
  type ContainerExporter,
  type ExportedValue,
  type LayerContext,
  type LayerExporter,
  OnnxExportError,
  registerOnnxContainer,
  registerOnnxExporter,
} from "./registry.ts";
export { type Attribute, GraphBuilder } from "./graph_builder.ts";
export { encodeModel } from "./proto_writer.ts";
