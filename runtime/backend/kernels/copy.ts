/** Tensor-level calls of the strided copy kernel (assembly/copy.ts): copies and broadcasts. */
import { backend } from "../backend.ts";
import { callKernel } from "../dispatch.ts";
import { Tensor } from "../../tensor.ts";
import { broadcastStrides, collapseDims, sizeOf, stridesOf } from "../../shape.ts";

/**
 * Copies the elements of `shape` from src (byte pointer, element strides) to dst (byte pointer,
 * element strides). Offsets are folded into the pointers by the caller.
 */
export function copyStridedKernel(
  src: number,
  dst: number,
  shape: readonly number[],
  srcStrides: readonly number[],
  dstStrides: readonly number[],
): void {
  if (sizeOf(shape) === 0) return;
  const collapsed = collapseDims(shape, [srcStrides, dstStrides]);
  const [shapePtr, s, d] = backend().ints(collapsed.shape, ...collapsed.strides);
  callKernel("copyStrided", src, dst, collapsed.shape.length, shapePtr, s, d);
}

/** x broadcast to `shape` as a new contiguous tensor. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const out = Tensor.empty(shape, x.dtype);
  copyStridedKernel(x.ptr, out.ptr, shape, broadcastStrides(x.shape, shape), stridesOf(shape));
  return out;
}
