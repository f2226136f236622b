/**
 * Tensor-level calls of the elementwise kernels (assembly/elementwise.ts): unary ops, broadcasting
 * binary ops (forward ops, comparisons and gradient helpers) and where.
 */
import { backend } from "../backend.ts";
import { callKernel } from "../dispatch.ts";
import { Tensor } from "../../tensor.ts";
import { broadcastShapes, broadcastStrides, collapseDims } from "../../shape.ts";

export { BinaryOp, UnaryOp } from "../bindings/elementwise.ts";

/** f(x) elementwise for a UnaryOp code; alpha/beta are the op's scalars. */
export function unary(code: number, x: Tensor, alpha = 0, beta = 0): Tensor {
  const out = Tensor.empty(x.shape);
  if (x.size > 0) callKernel("unaryF32", code, x.ptr, out.ptr, x.size, alpha, beta);
  return out;
}

/**
 * f(a, b) with numpy broadcasting for a BinaryOp code. `into`, when given, receives the result
 * (it must have the broadcast shape and may be `a` itself for an in-place update).
 */
export function binary(
  op: string,
  code: number,
  a: Tensor,
  b: Tensor,
  alpha = 0,
  beta = 0,
  into?: Tensor,
): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = into ?? Tensor.empty(shape);
  if (out.size === 0) return out;
  const collapsed = collapseDims(shape, [
    broadcastStrides(a.shape, shape),
    broadcastStrides(b.shape, shape),
  ]);
  const [shapePtr, stridesA, stridesB] = backend().ints(
    collapsed.shape,
    collapsed.strides[0],
    collapsed.strides[1],
  );
  callKernel(
    "binaryF32",
    code,
    a.ptr,
    b.ptr,
    out.ptr,
    collapsed.shape.length,
    shapePtr,
    stridesA,
    stridesB,
    alpha,
    beta,
  );
  return out;
}

/** cond ? a : b elementwise with broadcasting of all three (cond is float32, nonzero = true). */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, a.shape), b.shape);
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  const collapsed = collapseDims(shape, [
    broadcastStrides(cond.shape, shape),
    broadcastStrides(a.shape, shape),
    broadcastStrides(b.shape, shape),
  ]);
  const [shapePtr, sc, sa, sb] = backend().ints(collapsed.shape, ...collapsed.strides);
  callKernel(
    "whereF32",
    cond.ptr,
    a.ptr,
    b.ptr,
    out.ptr,
    collapsed.shape.length,
    shapePtr,
    sc,
    sa,
    sb,
  );
  return out;
}
