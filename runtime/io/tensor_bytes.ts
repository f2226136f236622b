/**
 * Tensor elements as little-endian bytes (WebAssembly memory is little-endian, as safetensors is),
 * copied in and out of linear memory without per-element work.
 */
import { type DType, Tensor } from "../tensor.ts";
import { readBytes, writeBytes } from "../backend/memory.ts";

/** A copy of the tensor's elements as bytes. Throws if the tensor was disposed. */
export function tensorBytes(t: Tensor): Uint8Array {
  return readBytes(t.ptr, t.size * 4);
}

/** A new tensor whose elements are `bytes` (4 per element, little-endian). */
export function tensorFromBytes(bytes: Uint8Array, shape: readonly number[], dtype: DType): Tensor {
  const out = Tensor.empty(shape, dtype);
  try {
    writeTensorBytes(out, bytes);
  } catch (error) {
    out.dispose();
    throw error;
  }
  return out;
}

/** Overwrites the elements of a contiguous tensor with `bytes` (4 per element, little-endian). */
export function writeTensorBytes(t: Tensor, bytes: Uint8Array): void {
  if (bytes.length !== t.size * 4) {
    throw new Error(
      `writeTensorBytes: shape [${t.shape.join(", ")}] needs ${
        t.size * 4
      } bytes, got ${bytes.length}`,
    );
  }
  writeBytes(t.ptr, bytes);
}
