/** Tensor-level calls of the softmax kernels (assembly/softmax.ts). */
import { callKernel } from "../dispatch.ts";
import { Tensor } from "../../tensor.ts";
import { splitAt } from "../../shape.ts";

/** Softmax (log = false) or log-softmax (log = true) along `dim`, max-subtracted. */
export function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const out = Tensor.empty(x.shape);
  if (x.size === 0) return out;
  callKernel("softmaxF32", x.ptr, out.ptr, ...splitAt(x.shape, dim), log ? 1 : 0);
  return out;
}

/** The input gradient of softmax/log-softmax from its output y and upstream g. */
export function softmaxBackwardKernel(g: Tensor, y: Tensor, dim: number, log: boolean): Tensor {
  const out = Tensor.empty(y.shape);
  if (y.size === 0) return out;
  callKernel("softmaxBackwardF32", g.ptr, y.ptr, out.ptr, ...splitAt(y.shape, dim), log ? 1 : 0);
  return out;
}
