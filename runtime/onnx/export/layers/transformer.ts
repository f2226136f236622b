/**
 * TransformerEncoderLayer (self-attention written out from MatMul, Softmax, Reshape and
 * Transpose, which opsets 13 to 17 have, then the feed-forward block, each with its residual sum
 * and layer norm) and TransformerEncoder (its layers in turn, then the optional norm). Batch-first
 * only, without masks: the export keeps the batch in dim 0 and takes one input.
 */
import { TransformerEncoder, TransformerEncoderLayer } from "../../../nn/transformer.ts";
import type { MultiheadAttention } from "../../../nn/attention.ts";
import { type LayerContext, registerOnnxContainer, registerOnnxExporter } from "../registry.ts";
import { linearNodes } from "./linear.ts";
import { layerNormNodes } from "./normalization.ts";
import { geluNodes } from "./activation.ts";

/** Self-attention of `x` [batch, length, E] with `attention`'s weights; returns [batch, length, E]. */
function selfAttentionNodes(context: LayerContext, attention: MultiheadAttention, x: string) {
  const { numHeads: heads, headDim, embedDim } = attention;
  const graph = context.graph;
  let projected = context.node("MatMul", [
    x,
    context.node("Transpose", [graph.weight(attention.in_proj_weight)], { perm: { ints: [1, 0] } }),
  ]);
  if (attention.in_proj_bias !== null) {
    projected = context.node("Add", [projected, graph.weight(attention.in_proj_bias)]);
  }
  const [q, k, v] = context.nodeOutputs("Split", [projected], { axis: { int: -1 } }, 3);
  const split = graph.int64(`${context.path}.heads`, [0, 0, heads, headDim]);
  // [batch, length, E] → [batch, heads, length, D] (keys → [batch, heads, D, length]).
  const perHead = (t: string, perm: number[]) =>
    context.node("Transpose", [context.node("Reshape", [t, split])], { perm: { ints: perm } });
  const scores = context.node("Mul", [
    context.node("MatMul", [perHead(q, [0, 2, 1, 3]), perHead(k, [0, 2, 3, 1])]),
    graph.float(`${context.path}.scale`, [1 / Math.sqrt(headDim)]),
  ]);
  const weights = context.node("Softmax", [scores], { axis: { int: -1 } });
  const mixed = context.node("MatMul", [weights, perHead(v, [0, 2, 1, 3])]);
  const merged = context.node("Reshape", [
    context.node("Transpose", [mixed], { perm: { ints: [0, 2, 1, 3] } }),
    graph.int64(`${context.path}.merge`, [0, 0, embedDim]),
  ]);
  return linearNodes(context, attention.out_proj, merged, 3);
}

registerOnnxExporter(TransformerEncoderLayer, (module, context) => {
  const settings = module.toConfig().options as {
    activation: "relu" | "gelu";
    normFirst: boolean;
    batchFirst: boolean;
  };
  if (!settings.batchFirst) {
    return context.refuse(
      "the exported graph keeps the batch in dim 0 and this layer takes [length, batch, " +
        "dModel]; build it with batchFirst: true",
    );
  }
  const attend = (x: string) => selfAttentionNodes(context, module.self_attn, x);
  const feedForward = (x: string) => {
    const hidden = linearNodes(context, module.linear1, x, 3);
    const activated = settings.activation === "relu"
      ? context.node("Relu", [hidden])
      : geluNodes(context, hidden);
    return linearNodes(context, module.linear2, activated, 3);
  };
  const norm1 = (x: string) => layerNormNodes(context, module.norm1, x);
  const norm2 = (x: string) => layerNormNodes(context, module.norm2, x);
  const x = context.input.name;
  if (settings.normFirst) {
    const attended = context.node("Add", [x, attend(norm1(x))]);
    return context.node("Add", [attended, feedForward(norm2(attended))]);
  }
  const attended = norm1(context.node("Add", [x, attend(x)]));
  return norm2(context.node("Add", [attended, feedForward(attended)]));
});

registerOnnxContainer(TransformerEncoder, (module, context) => {
  const encoded = module.layers.reduce(
    (value, layer, i) => context.child(`layers.${i}`, layer, value),
    context.input,
  );
  return module.norm === null ? encoded : context.child("norm", module.norm, encoded);
});
