/**
 * BatchNorm1d/2d (BatchNormalization with the running statistics), LayerNorm
 * (LayerNormalization from opset 17, its decomposition below) and Dropout (nothing: the graph is
 * the evaluation-mode computation).
 */
import type { Tensor } from "../../../tensor.ts";
import { BatchNorm1d, BatchNorm2d, Dropout, LayerNorm } from "../../../nn/normalization.ts";
import { type LayerContext, registerOnnxExporter } from "../registry.ts";

/** A parameter's initializer, or a constant of `fill` when the layer has no such parameter. */
function affine(
  context: LayerContext,
  t: Tensor | null,
  what: string,
  dims: number[],
  fill: number,
) {
  if (t !== null) return context.graph.weight(t);
  const size = dims.reduce((n, d) => n * d, 1);
  return context.graph.float(`${context.path}.${what}`, new Array(size).fill(fill), dims);
}

for (const Type of [BatchNorm1d, BatchNorm2d]) {
  registerOnnxExporter(Type, (module, context) => {
    const { runningMean, runningVar } = module;
    if (runningMean === null || runningVar === null) {
      return context.refuse(
        "without running statistics (trackRunningStats: false) it normalises with each batch's " +
          "statistics even in evaluation mode, which ONNX's BatchNormalization does not do; " +
          "construct it with trackRunningStats: true and train it",
      );
    }
    const features = [module.numFeatures];
    return context.node("BatchNormalization", [
      context.input.name,
      affine(context, module.weight, "scale", features, 1),
      affine(context, module.bias, "shift", features, 0),
      context.graph.weight(runningMean),
      context.graph.weight(runningVar),
    ], {
      epsilon: { float: module.eps },
      // ONNX's momentum weighs the old statistics, PyTorch's the new batch.
      momentum: { float: 1 - module.momentum },
    });
  });
}

/** The nodes of the layer norm `module` applied to the value `x`; returns the output's name. */
export function layerNormNodes(context: LayerContext, module: LayerNorm, x: string): string {
  const shape = module.normalizedShape;
  const eps = module.options.eps ?? 1e-5;
  const shift = module.bias === null ? null : context.graph.weight(module.bias);
  if (context.opset >= 17) {
    const scale = affine(context, module.weight, "scale", shape, 1);
    const inputs = shift === null ? [x, scale] : [x, scale, shift];
    return context.node("LayerNormalization", inputs, {
      axis: { int: -shape.length },
      epsilon: { float: eps },
    });
  }
  // Opsets 13 to 16 have no LayerNormalization: (x − mean) / √(var + eps), var the biased one.
  const axes = { ints: shape.map((_, i) => i - shape.length) };
  const mean = context.node("ReduceMean", [x], { axes, keepdims: { int: 1 } });
  const centred = context.node("Sub", [x, mean]);
  const squares = context.node("Mul", [centred, centred]);
  const variance = context.node("ReduceMean", [squares], { axes, keepdims: { int: 1 } });
  const epsName = context.graph.float(`${context.path}.eps`, [eps]);
  const deviation = context.node("Sqrt", [context.node("Add", [variance, epsName])]);
  const normalised = context.node("Div", [centred, deviation]);
  const scaled = module.weight === null
    ? normalised
    : context.node("Mul", [normalised, context.graph.weight(module.weight)]);
  return shift === null ? scaled : context.node("Add", [scaled, shift]);
}

registerOnnxExporter(
  LayerNorm,
  (module, context) => layerNormNodes(context, module, context.input.name),
);

registerOnnxExporter(Dropout, (_module, context) => context.input.name);
