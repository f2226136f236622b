/** ONNX activations: Relu, LeakyRelu, Sigmoid, Tanh, Softmax family, Elu, Selu, Clip, PRelu, ... */
import type { Tensor } from "../../tensor.ts";
import * as Act from "../../ops/activation.ts";
import * as A from "../../ops/arithmetic.ts";
import * as C from "../../ops/compare.ts";
import { dropout } from "../../ops/dropout_impl.ts";
import { flatten, reshape } from "../../ops/shape_ops.ts";
import { asTensor, numbers, type Value } from "../value.ts";
import { type NodeContext, type OpSpec, type OpTable, required } from "../op.ts";

function input(inputs: readonly (Value | undefined)[], context: NodeContext): Tensor {
  return asTensor(required(inputs, 0, context));
}

function simple(f: (x: Tensor, context: NodeContext) => Tensor, attributes: string[] = []): OpSpec {
  return { attributes, run: (inputs, context) => [f(input(inputs, context), context)] };
}

/**
 * Softmax-like ops: opset 13 normalises along `axis` (default −1); before 13 the input is seen
 * as a matrix [prod(dims < axis), prod(dims ≥ axis)] (default axis 1) normalised along its rows.
 */
function softmaxLike(f: (x: Tensor, dim: number) => Tensor): OpSpec {
  return simple((x, context) => {
    if (context.opset >= 13) return f(x, context.attributes.int("axis", -1));
    const axis = context.attributes.int("axis", 1);
    const d = axis < 0 ? axis + x.ndim : axis;
    const matrix = reshape(flatten(x, d), [x.shape.slice(0, d).reduce((n, s) => n * s, 1), -1]);
    return reshape(f(matrix, 1), x.shape);
  }, ["axis"]);
}

/** The activation ops. */
export const activationOps: OpTable = {
  Relu: simple(Act.relu),
  Sigmoid: simple(Act.sigmoid),
  Tanh: simple(Act.tanh),
  Softplus: simple((x) => Act.softplus(x)),
  Softsign: simple((x) => A.div(x, A.add(A.abs(x), 1))),
  LeakyRelu: simple((x, c) => Act.leakyRelu(x, c.attributes.float("alpha", 0.01)), ["alpha"]),
  Elu: simple((x, c) => Act.elu(x, c.attributes.float("alpha", 1)), ["alpha"]),
  Selu: simple((x, c) => {
    const alpha = c.attributes.float("alpha", 1.67326319217681884765625);
    const gamma = c.attributes.float("gamma", 1.05070102214813232421875);
    return A.mul(Act.elu(x, alpha), gamma);
  }, ["alpha", "gamma"]),
  Celu: simple((x, c) => {
    const alpha = c.attributes.float("alpha", 1);
    return A.mul(Act.elu(A.mul(x, 1 / alpha), 1), alpha);
  }, ["alpha"]),
  ThresholdedRelu: simple((x, c) => {
    const alpha = c.attributes.float("alpha", 1);
    return C.where(C.gt(x, alpha), x, 0);
  }, ["alpha"]),
  HardSigmoid: simple((x, c) => {
    const alpha = c.attributes.float("alpha", 0.2), beta = c.attributes.float("beta", 0.5);
    return A.clamp(A.add(A.mul(x, alpha), beta), { min: 0, max: 1 });
  }, ["alpha", "beta"]),
  HardSwish: simple((x) => A.mul(x, A.clamp(A.add(A.mul(x, 1 / 6), 0.5), { min: 0, max: 1 }))),
  Softmax: softmaxLike(Act.softmax),
  LogSoftmax: softmaxLike(Act.logSoftmax),
  PRelu: {
    attributes: [],
    run(inputs, context) {
      const x = input(inputs, context);
      let slope = asTensor(required(inputs, 1, context));
      // Before opset 7 a 1-D slope runs along the channel dim 1.
      if (context.opset < 7 && slope.ndim === 1 && x.ndim > 2 && slope.shape[0] === x.shape[1]) {
        slope = reshape(slope, [-1, ...new Array<number>(x.ndim - 2).fill(1)]);
      }
      return [C.where(C.gt(x, 0), x, A.mul(x, slope))];
    },
  },
  Clip: {
    attributes: ["min", "max"],
    run(inputs, context) {
      const x = input(inputs, context);
      const bound = (index: number, name: string, fallback: number) => {
        const value = inputs[index];
        if (value !== undefined) return numbers(value)[0];
        return context.attributes.float(name, fallback);
      };
      const min = bound(1, "min", -Infinity), max = bound(2, "max", Infinity);
      // ONNX lets min exceed max (every element becomes max); clamp refuses it.
      if (min > max) return [A.add(A.mul(x, 0), max)];
      return [A.clamp(x, { min, max })];
    },
  },
  Dropout: {
    attributes: ["ratio", "seed", "is_test"],
    deterministic: false,
    check: (attributes) =>
      attributes.int("is_test", 0) !== 0 || !attributes.has("is_test")
        ? null
        : "attribute 'is_test' = 0 (opset 5 training form)",
    run(inputs, context) {
      const x = input(inputs, context);
      const ratio = inputs[1] !== undefined
        ? numbers(inputs[1])[0]
        : context.attributes.float("ratio", 0.5);
      const trainingInput = inputs[2] !== undefined && numbers(inputs[2])[0] !== 0;
      const training = context.training || trainingInput;
      const out = dropout(x, { p: ratio, training });
      if (context.outputCount < 2) return [out];
      return [out, training ? C.ne(out, 0) : C.eq(A.mul(x, 0), 0)];
    },
  },
};
