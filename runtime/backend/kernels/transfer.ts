/** Copies between JavaScript arrays and tensors in linear memory. */
import { writeWords } from "../memory.ts";
import { type DType, Tensor } from "../../tensor.ts";

/** Copies a typed array into a new tensor. */
export function fromArray(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
): Tensor {
  const out = Tensor.empty(shape, dtype);
  writeWords(out.ptr, values, dtype);
  return out;
}
