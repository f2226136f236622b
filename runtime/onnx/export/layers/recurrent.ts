/**
 * RNN, LSTM and GRU as ONNX's recurrent ops, one node per layer. The parameters stay under their
 * PyTorch names; Split/Concat nodes reorder their gate blocks into ONNX's order (LSTM i f g o →
 * i o f g, GRU r z n → z r n), and GRU runs with linear_before_reset as PyTorch's does. The
 * export keeps the batch in dim 0, so the layer must be batchFirst.
 */
import type { Tensor } from "../../../tensor.ts";
import { GRU, LSTM, RNN } from "../../../nn/recurrent.ts";
import { type LayerContext, registerOnnxExporter } from "../registry.ts";
import type { Attribute } from "../graph_builder.ts";

type Recurrent = LSTM | GRU | RNN;

/** A parameter with its gate blocks put in `order` (null: as it is). */
function reordered(context: LayerContext, t: Tensor, order: number[] | null): string {
  const name = context.graph.weight(t);
  if (order === null) return name;
  const blocks = context.nodeOutputs("Split", [name], { axis: { int: 0 } }, order.length);
  return context.node("Concat", order.map((k) => blocks[k]), { axis: { int: 0 } });
}

function exportRecurrent(
  op: "LSTM" | "GRU" | "RNN",
  order: number[] | null,
  extra: (module: Recurrent, directions: number) => Record<string, Attribute>,
) {
  return (module: Recurrent, context: LayerContext): string => {
    if (!module.batchFirst) {
      return context.refuse(
        "the exported graph keeps the batch in dim 0 and this layer takes [steps, batch, " +
          "features]; build it with batchFirst: true",
      );
    }
    const fields = module as unknown as Record<string, Tensor>;
    const suffixes = module.bidirectional ? ["", "_reverse"] : [""];
    const axis0 = context.graph.int64(`${context.path}.axes`, [0]);
    // Per direction [1, ...], then the directions stacked on dim 0.
    const stacked = (name: (suffix: string) => string) =>
      context.node(
        "Concat",
        suffixes.map((suffix) => context.node("Unsqueeze", [name(suffix), axis0])),
        { axis: { int: 0 } },
      );
    let x = context.node("Transpose", [context.input.name], { perm: { ints: [1, 0, 2] } });
    for (let layer = 0; layer < module.numLayers; layer++) {
      const param = (kind: string, suffix: string) =>
        reordered(context, fields[`${kind}_l${layer}${suffix}`], order);
      const inputs = [
        x,
        stacked((s) => param("weight_ih", s)),
        stacked((s) => param("weight_hh", s)),
      ];
      if (module.bias) {
        inputs.push(
          stacked((s) =>
            context.node("Concat", [param("bias_ih", s), param("bias_hh", s)], {
              axis: { int: 0 },
            })
          ),
        );
      }
      const y = context.node(op, inputs, {
        hidden_size: { int: module.hiddenSize },
        direction: { string: module.bidirectional ? "bidirectional" : "forward" },
        ...extra(module, suffixes.length),
      });
      // Y is [steps, directions, batch, hidden]; the next layer takes [steps, batch, features].
      const steps = context.node("Transpose", [y], { perm: { ints: [0, 2, 1, 3] } });
      x = context.node("Reshape", [
        steps,
        context.graph.int64(`${context.path}.shape`, [0, 0, -1]),
      ]);
    }
    return context.node("Transpose", [x], { perm: { ints: [1, 0, 2] } });
  };
}

registerOnnxExporter(LSTM, exportRecurrent("LSTM", [0, 3, 1, 2], () => ({})));
registerOnnxExporter(
  GRU,
  exportRecurrent("GRU", [1, 0, 2], () => ({ linear_before_reset: { int: 1 } })),
);
registerOnnxExporter(
  RNN,
  exportRecurrent("RNN", null, (module, directions) => ({
    activations: {
      strings: new Array(directions).fill(
        (module as RNN).nonlinearity === "relu" ? "Relu" : "Tanh",
      ),
    },
  })),
);
