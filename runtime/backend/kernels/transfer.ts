/** Copies between JavaScript arrays and tensors in linear memory. */
import { backend } from "../backend.ts";
import { type DType, Tensor } from "../../tensor.ts";

/** Copies a typed array into a new tensor. */
export function fromArray(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
): Tensor {
  const out = Tensor.empty(shape, dtype);
  const b = backend();
  (dtype === "int32" ? b.i32 : b.f32).set(values, out.ptr >>> 2);
  return out;
}
