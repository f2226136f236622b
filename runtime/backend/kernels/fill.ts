/**
 * Tensor-level calls of the fill and cast kernels (assembly/fill.ts): constant and arange tensors,
 * dtype casts, the non-finite scan, and zeroing a row in place.
 */
import { backend } from "../backend.ts";
import { callKernel } from "../dispatch.ts";
import { type DType, Tensor } from "../../tensor.ts";

/** A new tensor of `shape` with every element `value`. */
export function filled(shape: readonly number[], value: number, dtype: DType = "float32"): Tensor {
  const out = Tensor.empty(shape, dtype);
  if (out.size === 0) return out;
  if (dtype === "int32") {
    backend().i32.fill(value, out.ptr >>> 2, (out.ptr >>> 2) + out.size);
  } else {
    callKernel("fillF32", out.ptr, out.size, value);
  }
  return out;
}

/** A new float32 tensor holding `start + i·step`, i < n. */
export function arangeKernel(n: number, start: number, step: number): Tensor {
  const out = Tensor.empty([n]);
  if (n > 0) callKernel("arangeF32", out.ptr, n, start, step);
  return out;
}

/** A copy of x converted to another dtype (float → int truncates toward zero). */
export function cast(x: Tensor, dtype: DType): Tensor {
  const out = Tensor.empty(x.shape, dtype);
  if (x.size === 0) return out;
  if (x.dtype === dtype) {
    const [shape, strides] = backend().ints([x.size], [1]);
    callKernel("copyStrided", x.ptr, out.ptr, 1, shape, strides, strides);
  } else if (dtype === "float32") callKernel("castI32ToF32", x.ptr, out.ptr, x.size);
  else callKernel("castF32ToI32", x.ptr, out.ptr, x.size);
  return out;
}

/** Index of the first non-finite element of a float32 tensor, or -1. */
export function firstNonFinite(x: Tensor): number {
  return x.size === 0 || x.dtype !== "float32" ? -1 : callKernel("findNonFinite", x.ptr, x.size);
}

/** Zeroes row `row` of a contiguous [rows, rowSize] float32 tensor in place. */
export function zeroRowKernel(x: Tensor, row: number): void {
  const rowSize = x.shape[x.ndim - 1];
  if (rowSize > 0) callKernel("fillF32", x.ptr + row * rowSize * 4, rowSize, 0);
}
