/** Running a model for a picture: eval mode, no graph, one memory scope, the mode restored. */
import type { Tensor } from "../tensor.ts";
import { Module } from "../nn/module.ts";
import { noGrad } from "../autograd/grad_mode.ts";

/** A module, or any function from inputs to outputs. */
export type Classifier = Module | ((x: Tensor) => Tensor);

/** `read(model(x))` in eval mode without the graph; intermediates freed. */
export function runClassifier<T>(model: Classifier, x: Tensor, read: (output: Tensor) => T): T {
  if (!(model instanceof Module)) return noGrad(() => read(model(x)));
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => read(model.call(x)));
  } finally {
    model.train(wasTraining);
  }
}
