/** Linear (Gemm, or MatMul + Add past rank 2) and Embedding (Gather). */
import { Linear } from "../../../nn/linear.ts";
import { Embedding } from "../../../nn/normalization.ts";
import { type LayerContext, registerOnnxExporter } from "../registry.ts";

/** The nodes of `module` applied to the value `x` of rank `rank`; returns the output's name. */
export function linearNodes(
  context: LayerContext,
  module: Linear,
  x: string,
  rank: number,
): string {
  const w = context.graph.weight(module.weight);
  const bias = module.bias === null ? [] : [context.graph.weight(module.bias)];
  if (rank === 2) return context.node("Gemm", [x, w, ...bias], { transB: { int: 1 } });
  // The weight stays [out, in] under its parameter's name; the Transpose keeps it trainable on import.
  const transposed = context.node("Transpose", [w], { perm: { ints: [1, 0] } });
  const product = context.node("MatMul", [x, transposed]);
  return bias.length === 0 ? product : context.node("Add", [product, bias[0]]);
}

registerOnnxExporter(
  Linear,
  (module, context) => linearNodes(context, module, context.input.name, context.input.shape.length),
);

registerOnnxExporter(Embedding, (module, context) => {
  if (context.input.dtype !== "int32") {
    context.refuse(
      'an Embedding takes integer indices: export the model with { inputDtype: "int32" } ' +
        "(the graph input is then int64, as PyTorch writes it)",
    );
  }
  return context.node("Gather", [context.graph.weight(module.weight), context.input.name], {
    axis: { int: 0 },
  });
});
