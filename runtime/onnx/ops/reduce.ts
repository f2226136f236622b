/** ONNX reductions: ReduceMean/Sum/Max/Min/SumSquare/L1/L2/LogSumExp/LogSum, ArgMax, ArgMin. */
import type { Tensor } from "../../tensor.ts";
import * as A from "../../ops/arithmetic.ts";
import * as R from "../../ops/reduce.ts";
import { reshape } from "../../ops/shape_ops.ts";
import { indexSelect } from "../../ops/indexing.ts";
import { tensor } from "../../ops/creation.ts";
import { asHost, asTensor, DataType, HostTensor, numbers } from "../value.ts";
import { type OpSpec, type OpTable, required } from "../op.ts";

/** A reduction f(x, dims, keepdim) with ONNX's axes (attribute, or input 1 where given). */
function reduction(f: (x: Tensor, dims: number[], keepdim: boolean) => Tensor): OpSpec {
  return {
    attributes: ["axes", "keepdims", "noop_with_empty_axes"],
    run(inputs, context) {
      const x = asTensor(required(inputs, 0, context));
      const a = context.attributes;
      const given = inputs[1] !== undefined ? numbers(inputs[1]) : a.ints("axes");
      const keepdim = a.int("keepdims", 1) === 1;
      if ((given === undefined || given.length === 0) && a.int("noop_with_empty_axes", 0) === 1) {
        return [reshape(x, x.shape)];
      }
      const dims = given === undefined || given.length === 0 ? [...x.shape.keys()] : given;
      return [f(x, dims.map((d) => (d < 0 ? d + x.ndim : d)), keepdim)];
    },
  };
}

function argReduction(f: (x: Tensor, dim: number, keepdim: boolean) => Tensor): OpSpec {
  return {
    attributes: ["axis", "keepdims", "select_last_index"],
    run(inputs, context) {
      const x = asTensor(required(inputs, 0, context));
      const raw = context.attributes.int("axis", 0);
      const dim = raw < 0 ? raw + x.ndim : raw;
      const keepdim = context.attributes.int("keepdims", 1) === 1;
      if (context.attributes.int("select_last_index", 0) === 0) {
        const out = asHost(f(x, dim, keepdim));
        return [new HostTensor(DataType.INT64, out.shape, out.data)];
      }
      // The last extremum is the first one of the reversed dim.
      const n = x.shape[dim];
      const reversed = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
      const flipped = indexSelect(x, dim, tensor(reversed, { dtype: "int32" }));
      const out = asHost(f(flipped, dim, keepdim));
      return [new HostTensor(DataType.INT64, out.shape, out.data.map((i) => n - 1 - i))];
    },
  };
}

/** The reductions. */
export const reduceOps: OpTable = {
  ReduceMean: reduction(R.mean),
  ReduceSum: reduction(R.sum),
  ReduceMax: reduction(R.max),
  ReduceMin: reduction(R.min),
  ReduceSumSquare: reduction((x, d, k) => R.sum(A.square(x), d, k)),
  ReduceL1: reduction((x, d, k) => R.sum(A.abs(x), d, k)),
  ReduceL2: reduction((x, d, k) => A.sqrt(R.sum(A.square(x), d, k))),
  ReduceLogSum: reduction((x, d, k) => A.log(R.sum(x, d, k))),
  ReduceLogSumExp: reduction(R.logsumexp),
  ArgMax: argReduction(R.argmax),
  ArgMin: argReduction(R.argmin),
};
