/**
 * ONNX import: `loadOnnx` turns an `.onnx` file into a trainable `OnnxModule` running on
 * edgegrad's ops.
 * @example
 * const model = await loadOnnx("model.onnx");
 * const y = model(x);
 */
export { loadOnnx, type LoadOnnxOptions, onnxFromBytes } from "./load.ts";
export { OnnxModule, type OnnxTensorInfo } from "./module.ts";
export { MAX_OPSET, MIN_OPSET, OnnxImportError } from "./graph.ts";
export { OnnxFormatError } from "./proto.ts";
export { MAX_ELEMENTS, OnnxDataError } from "./tensor_data.ts";
export { OPS as ONNX_OPS } from "./ops/registry.ts";
