/**
 * The activation modules. Those ONNX has as ops map one to one; SiLU, GELU and Softplus with
 * beta or threshold are written out from the ops opsets 13 to 17 have.
 */
import {
  ELU,
  GELU,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "../../../nn/activation.ts";
import { type LayerContext, registerOnnxExporter } from "../registry.ts";

for (const [Type, op] of [[ReLU, "Relu"], [Sigmoid, "Sigmoid"], [Tanh, "Tanh"]] as const) {
  registerOnnxExporter(Type, (_module, context) => context.node(op, [context.input.name]));
}

registerOnnxExporter(SiLU, (_module, context) => {
  const x = context.input.name;
  return context.node("Mul", [x, context.node("Sigmoid", [x])]);
});

function scalar(context: LayerContext, what: string, value: number): string {
  return context.graph.float(`${context.path}.${what}`, [value]);
}

/** GELU of the value `x` (exact, or PyTorch's tanh form); returns the output's name. */
export function geluNodes(context: LayerContext, x: string, approximate = "none"): string {
  const half = context.node("Mul", [x, scalar(context, "half", 0.5)]);
  let inner: string;
  if (approximate === "tanh") {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const cube = context.node("Mul", [x, context.node("Mul", [x, x])]);
    const sum = context.node("Add", [
      x,
      context.node("Mul", [cube, scalar(context, "c", 0.044715)]),
    ]);
    const k = scalar(context, "k", Math.sqrt(2 / Math.PI));
    inner = context.node("Tanh", [context.node("Mul", [sum, k])]);
  } else {
    // 0.5·x·(1 + erf(x/√2))
    inner = context.node("Erf", [context.node("Mul", [x, scalar(context, "r", Math.SQRT1_2)])]);
  }
  return context.node("Mul", [half, context.node("Add", [inner, scalar(context, "one", 1)])]);
}

registerOnnxExporter(
  GELU,
  (module, context) => geluNodes(context, context.input.name, module.options.approximate),
);

registerOnnxExporter(Softplus, (module, context) => {
  const { beta = 1, threshold = 20 } = module.options;
  const x = context.input.name;
  const scaled = beta === 1 ? x : context.node("Mul", [x, scalar(context, "beta", beta)]);
  const soft = context.node("Softplus", [scaled]);
  const curve = beta === 1 ? soft : context.node("Div", [soft, scalar(context, "beta_", beta)]);
  // Above beta·x > threshold PyTorch returns x itself.
  const above = context.node("Greater", [scaled, scalar(context, "threshold", threshold)]);
  return context.node("Where", [above, x, curve]);
});

registerOnnxExporter(
  LeakyReLU,
  (module, context) =>
    context.node("LeakyRelu", [context.input.name], { alpha: { float: module.negativeSlope } }),
);

registerOnnxExporter(
  ELU,
  (module, context) =>
    context.node("Elu", [context.input.name], { alpha: { float: module.alpha } }),
);

for (const [Type, op] of [[Softmax, "Softmax"], [LogSoftmax, "LogSoftmax"]] as const) {
  registerOnnxExporter(
    Type,
    (module, context) => context.node(op, [context.input.name], { axis: { int: module.dim } }),
  );
}
