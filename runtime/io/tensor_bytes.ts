/**
 * Tensor elements as little-endian bytes (WebAssembly memory is little-endian, as safetensors is),
 * copied in and out of linear memory without per-element work.
 */
import { type DType, Tensor } from "../tensor.ts";
import { backend } from "../backend/backend.ts";

/** A copy of the tensor's elements as bytes. Throws if the tensor was disposed. */
export function tensorBytes(t: Tensor): Uint8Array {
  const ptr = t.ptr;
  return new Uint8Array(backend().k.memory.buffer, ptr, t.size * 4).slice();
}

/** A new tensor whose elements are `bytes` (4 per element, little-endian). */
export function tensorFromBytes(bytes: Uint8Array, shape: readonly number[], dtype: DType): Tensor {
  const out = Tensor.empty(shape, dtype);
  if (bytes.length !== out.size * 4) {
    out.dispose();
    throw new Error(
      `tensorFromBytes: shape [${shape.join(", ")}] needs ${
        out.size * 4
      } bytes, got ${bytes.length}`,
    );
  }
  new Uint8Array(backend().k.memory.buffer, out.ptr, bytes.length).set(bytes);
  return out;
}
