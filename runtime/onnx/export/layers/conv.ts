/** Conv2d and ConvTranspose2d (Conv, ConvTranspose; NCHW and PyTorch's weight layouts are ONNX's). */
import { Conv2d, ConvTranspose2d } from "../../../nn/conv.ts";
import { registerOnnxExporter } from "../registry.ts";
import { pads, pair } from "./pair.ts";

registerOnnxExporter(Conv2d, (module, context) => {
  const { stride, padding, dilation, groups = 1 } = module.options;
  const [kh, kw] = module.kernelSize;
  const dilations = pair(dilation, 1);
  let padList: number[];
  if (padding === "same") {
    // PyTorch puts the odd one of an odd total on the bottom/right, as ONNX's SAME_UPPER does;
    // explicit pads say it without depending on auto_pad.
    const [totalH, totalW] = [dilations[0] * (kh - 1), dilations[1] * (kw - 1)];
    padList = [totalH >> 1, totalW >> 1, totalH - (totalH >> 1), totalW - (totalW >> 1)];
  } else padList = pads(padding === "valid" ? [0, 0] : pair(padding, 0));
  const inputs = [context.input.name, context.graph.weight(module.weight)];
  if (module.bias !== null) inputs.push(context.graph.weight(module.bias));
  return context.node("Conv", inputs, {
    kernel_shape: { ints: [kh, kw] },
    strides: { ints: pair(stride, 1) },
    pads: { ints: padList },
    dilations: { ints: dilations },
    group: { int: groups },
  });
});

registerOnnxExporter(ConvTranspose2d, (module, context) => {
  const { stride, padding, outputPadding, dilation, groups = 1 } = module.options;
  const inputs = [context.input.name, context.graph.weight(module.weight)];
  if (module.bias !== null) inputs.push(context.graph.weight(module.bias));
  return context.node("ConvTranspose", inputs, {
    kernel_shape: { ints: module.kernelSize },
    strides: { ints: pair(stride, 1) },
    pads: { ints: pads(pair(padding, 0)) },
    output_padding: { ints: pair(outputPadding, 0) },
    dilations: { ints: pair(dilation, 1) },
    group: { int: groups },
  });
});
