/** MaxPool2d, AvgPool2d and AdaptiveAvgPool2d (MaxPool, AveragePool, GlobalAveragePool). */
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from "../../../nn/pooling.ts";
import { registerOnnxExporter } from "../registry.ts";
import { pads, pair } from "./pair.ts";

registerOnnxExporter(MaxPool2d, (module, context) => {
  const { stride, padding, dilation, ceilMode = false } = module.options;
  const kernel = pair(module.kernelSize, 1);
  return context.node("MaxPool", [context.input.name], {
    kernel_shape: { ints: kernel },
    strides: { ints: stride === undefined ? kernel : pair(stride, 1) },
    pads: { ints: pads(pair(padding, 0)) },
    dilations: { ints: pair(dilation, 1) },
    ceil_mode: { int: ceilMode ? 1 : 0 },
  });
});

registerOnnxExporter(AvgPool2d, (module, context) => {
  const { stride, padding, ceilMode = false, countIncludePad = true, divisorOverride } =
    module.options;
  if (divisorOverride !== undefined) {
    context.refuse("divisorOverride has no ONNX form; leave it out (the divisor is the window's)");
  }
  const kernel = pair(module.kernelSize, 1);
  return context.node("AveragePool", [context.input.name], {
    kernel_shape: { ints: kernel },
    strides: { ints: stride === undefined ? kernel : pair(stride, 1) },
    pads: { ints: pads(pair(padding, 0)) },
    ceil_mode: { int: ceilMode ? 1 : 0 },
    count_include_pad: { int: countIncludePad ? 1 : 0 },
  });
});

registerOnnxExporter(AdaptiveAvgPool2d, (_module, context) => {
  const [inH, inW] = context.input.shape.slice(-2);
  const [outH, outW] = context.outputShape.slice(-2);
  if (outH === 1 && outW === 1) return context.node("GlobalAveragePool", [context.input.name]);
  if (inH % outH !== 0 || inW % outW !== 0) {
    context.refuse(
      `its ${outH}x${outW} output of a ${inH}x${inW} input has windows of unequal sizes, which ` +
        "ONNX's AveragePool cannot express; choose an output size that divides the input's",
    );
  }
  const kernel = [inH / outH, inW / outW];
  return context.node("AveragePool", [context.input.name], {
    kernel_shape: { ints: kernel },
    strides: { ints: kernel },
  });
});
