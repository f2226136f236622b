/** Tensor-level calls of the reduction kernel (assembly/reduce.ts). */
import { callKernel } from "../dispatch.ts";
import { ReduceOp } from "../bindings/reduce.ts";
import { Tensor } from "../../tensor.ts";
import { splitAt } from "../../shape.ts";

export { ReduceOp };

/** Reduces one dim with a ReduceOp code (ArgMax/ArgMin give int32). */
export function reduceDim(code: number, x: Tensor, dim: number, keepdim: boolean): Tensor {
  const [outer, size, inner] = splitAt(x.shape, dim);
  const shape = keepdim
    ? x.shape.map((d, i) => (i === dim ? 1 : d))
    : x.shape.filter((_, i) => i !== dim);
  const isIndex = code === ReduceOp.ArgMax || code === ReduceOp.ArgMin;
  const out = Tensor.empty(shape, isIndex ? "int32" : "float32");
  if (out.size > 0) callKernel("reduceF32", code, x.ptr, out.ptr, outer, size, inner);
  return out;
}
