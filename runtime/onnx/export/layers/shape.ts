/**
 * Flatten and Unflatten: ONNX Flatten for the usual "everything but the batch", otherwise a
 * Reshape whose target copies the (dynamic) batch with 0 and spells out the rest.
 */
import { Flatten, Unflatten } from "../../../nn/container.ts";
import { type LayerContext, registerOnnxExporter } from "../registry.ts";

function reshape(context: LayerContext): string {
  const target = context.graph.int64(`${context.path}.shape`, [0, ...context.outputShape.slice(1)]);
  return context.node("Reshape", [context.input.name, target]);
}

registerOnnxExporter(Flatten, (module, context) => {
  const rank = context.input.shape.length;
  const start = module.startDim < 0 ? module.startDim + rank : module.startDim;
  const end = module.endDim < 0 ? module.endDim + rank : module.endDim;
  if (start === 0 && end > 0) {
    context.refuse(
      "it merges the batch dimension into the others, and the exported graph keeps the batch " +
        "dynamic; flatten from dim 1 (new nn.Flatten()) instead",
    );
  }
  if (start === 1 && end === rank - 1) {
    return context.node("Flatten", [context.input.name], { axis: { int: 1 } });
  }
  return reshape(context);
});

registerOnnxExporter(Unflatten, (module, context) => {
  const dim = module.dim < 0 ? module.dim + context.input.shape.length : module.dim;
  if (dim === 0) {
    context.refuse(
      "it splits the batch dimension, which the exported graph keeps dynamic; unflatten a " +
        "dimension after the batch",
    );
  }
  return reshape(context);
});
