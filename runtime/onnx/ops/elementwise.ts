/** ONNX elementwise math and logic: arithmetic, comparisons, Where, Not/And/Or, variadic Sum/Max. */
import { Tensor } from "../../tensor.ts";
import * as A from "../../ops/arithmetic.ts";
import * as C from "../../ops/compare.ts";
import { erf } from "../../ops/erf.ts";
import { mapHost } from "../host_ops.ts";
import {
  asHost,
  asTensor,
  convertTo,
  DataType,
  dtypeOf,
  HostTensor,
  type Value,
} from "../value.ts";
import { reshape } from "../../ops/shape_ops.ts";
import { fail, type NodeContext, type OpSpec, type OpTable, required } from "../op.ts";

/** True when every present input is host data (so the op runs on host arrays). */
function allHost(values: readonly Value[]): values is HostTensor[] {
  return values.every((v) => v instanceof HostTensor);
}

function present(inputs: readonly (Value | undefined)[], context: NodeContext): Value[] {
  return inputs.map((_, i) => required(inputs, i, context));
}

/**
 * Opsets before 7 broadcast only when asked (`broadcast: 1`), and with `axis` align b's dims
 * with a's from that axis on (b [C] against a [N, C, H, W] at axis 1 is b [C, 1, 1]).
 */
function legacyBroadcast(a: Value, b: Tensor, context: NodeContext): Tensor {
  const attributes = context.attributes;
  if (attributes.int("broadcast", 0) !== 1 || !attributes.has("axis")) return b;
  const rank = a.shape.length;
  const start = attributes.int("axis", 0) < 0
    ? attributes.int("axis", 0) + rank
    : attributes.int("axis", 0);
  const trailing = rank - start - b.ndim;
  return trailing > 0 ? reshape(b, [...b.shape, ...new Array<number>(trailing).fill(1)]) : b;
}

/** A binary op: on tensors with edgegrad's op, on host arrays with `host` (type of input 0). */
function binary(
  onTensors: (a: Tensor, b: Tensor) => Tensor,
  host: (a: number, b: number) => number,
  resultType?: number,
): OpSpec {
  return {
    attributes: ["broadcast", "axis"],
    run(inputs, context) {
      const values = present(inputs, context);
      const [a, b] = values;
      if (allHost(values)) {
        const type = resultType ?? dtypeOf(a);
        const out = mapHost(context.name, values, type, host);
        return [new HostTensor(type, out.shape, convertTo(type, out.data))];
      }
      return [onTensors(asTensor(a), legacyBroadcast(a, asTensor(b), context))];
    },
  };
}

/** A unary op on float tensors (host data is converted). */
function unary(f: (x: Tensor) => Tensor, host?: (x: number) => number): OpSpec {
  return {
    attributes: [],
    run(inputs, context) {
      const x = required(inputs, 0, context);
      if (host !== undefined && x instanceof HostTensor) {
        return [mapHost(context.name, [x], x.dtype, host)];
      }
      return [f(asTensor(x))];
    },
  };
}

/** Variadic Sum/Max/Min/Mean folded pairwise. */
function variadic(
  onTensors: (a: Tensor, b: Tensor) => Tensor,
  host: (a: number, b: number) => number,
  mean = false,
): OpSpec {
  return {
    attributes: [],
    run(inputs, context) {
      const values = present(inputs, context);
      if (values.length === 0) fail(context, "needs at least one input");
      if (allHost(values)) {
        const type = dtypeOf(values[0]);
        const total = values.reduce((a, b) => mapHost(context.name, [a, b], type, host));
        return [total];
      }
      const total = values.map(asTensor).reduce(onTensors);
      return [mean ? A.mul(total, 1 / values.length) : total];
    },
  };
}

const comparison = (
  onTensors: (a: Tensor, b: Tensor) => Tensor,
  host: (a: number, b: number) => boolean,
) => binary(onTensors, (a, b) => (host(a, b) ? 1 : 0), DataType.BOOL);

/** The elementwise ops. */
export const elementwiseOps: OpTable = {
  Add: binary(A.add, (a, b) => a + b),
  Sub: binary(A.sub, (a, b) => a - b),
  Mul: binary(A.mul, (a, b) => a * b),
  Div: binary(A.div, (a, b) => Math.trunc(a / b)),
  Pow: binary(A.pow, (a, b) => Math.pow(a, b)),
  Neg: unary(A.neg, (x) => -x),
  Abs: unary(A.abs, Math.abs),
  Sign: unary(A.sign, Math.sign),
  Sqrt: unary(A.sqrt),
  Exp: unary(A.exp),
  Log: unary(A.log),
  Erf: unary(erf),
  Reciprocal: unary((x) => A.pow(x, -1)),
  Sum: variadic(A.add, (a, b) => a + b),
  Mean: variadic(A.add, (a, b) => a + b, true),
  Max: variadic(C.maximum, Math.max),
  Min: variadic(C.minimum, Math.min),
  Equal: comparison(C.eq, (a, b) => a === b),
  Less: comparison(C.lt, (a, b) => a < b),
  LessOrEqual: comparison(C.le, (a, b) => a <= b),
  Greater: comparison(C.gt, (a, b) => a > b),
  GreaterOrEqual: comparison(C.ge, (a, b) => a >= b),
  And: comparison(A.mul, (a, b) => a !== 0 && b !== 0),
  Or: comparison(C.maximum, (a, b) => a !== 0 || b !== 0),
  Xor: comparison(C.ne, (a, b) => (a !== 0) !== (b !== 0)),
  Not: {
    attributes: [],
    run(inputs, context) {
      const x = required(inputs, 0, context);
      if (x instanceof HostTensor) {
        return [mapHost(context.name, [x], DataType.BOOL, (v) => (v ? 0 : 1))];
      }
      return [C.eq(x, 0)];
    },
  },
  Where: {
    attributes: [],
    run(inputs, context) {
      const values = present(inputs, context);
      const [condition, a, b] = values;
      if (allHost(values)) {
        return [mapHost(context.name, values, dtypeOf(a), (c, x, y) => (c ? x : y))];
      }
      return [C.where(asTensor(condition), asTensor(a), asTensor(b))];
    },
  },
  Mod: {
    attributes: ["fmod"],
    run(inputs, context) {
      const [a, b] = present(inputs, context).map((v) => asHost(v));
      const fmod = context.attributes.int("fmod", 0) === 1;
      const result = mapHost(context.name, [a, b], dtypeOf(a), (x, y) => {
        if (fmod) return x % y;
        const r = x % y;
        return r !== 0 && (r < 0) !== (y < 0) ? r + y : r;
      });
      return dtypeOf(a) === DataType.FLOAT ? [asTensor(result)] : [result];
    },
  },
};
