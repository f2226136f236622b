/** Sequential: its layers in order (the Conv/Linear + ReLU fusion it runs is the same math). */
import { Sequential } from "../../../nn/container.ts";
import { registerOnnxContainer } from "../registry.ts";

registerOnnxContainer(Sequential, (module, context) =>
  module.layers.reduce(
    (value, layer, i) => context.child(String(i), layer, value),
    context.input,
  ));
