/**
 * From safetensors dtypes to edgegrad's two: F32 and I32 are copied as they are; the other float
 * types (F16, BF16, F64) convert to float32 and the integer types (BOOL, U8, I8, I16, U16, U32,
 * I64, U64) to int32, refusing values int32 cannot hold. FP8 has no conversion.
 */
import type { DType, Tensor } from "../tensor.ts";
import { fromArray } from "../backend/kernels/transfer.ts";
import { tensorFromBytes } from "./tensor_bytes.ts";
import { SafetensorsError } from "./safetensors_header.ts";

/** The safetensors dtype that holds an edgegrad dtype. */
export function safetensorsDType(dtype: DType): "F32" | "I32" {
  return dtype === "int32" ? "I32" : "F32";
}

type Reader = (view: DataView, i: number) => number | bigint;

const word = new DataView(new ArrayBuffer(4));

const FLOATS: Record<string, Reader> = {
  F16: (v, i) => halfToFloat(v.getUint16(2 * i, true)),
  BF16: (v, i) => {
    word.setUint32(0, v.getUint16(2 * i, true) << 16);
    return word.getFloat32(0);
  },
  F64: (v, i) => v.getFloat64(8 * i, true),
};

const INTEGERS: Record<string, Reader> = {
  BOOL: (v, i) => (v.getUint8(i) === 0 ? 0 : 1),
  U8: (v, i) => v.getUint8(i),
  I8: (v, i) => v.getInt8(i),
  I16: (v, i) => v.getInt16(2 * i, true),
  U16: (v, i) => v.getUint16(2 * i, true),
  U32: (v, i) => v.getUint32(4 * i, true),
  I64: (v, i) => v.getBigInt64(8 * i, true),
  U64: (v, i) => v.getBigUint64(8 * i, true),
};

/** The edgegrad dtype a safetensors dtype loads as, or null when it has none (FP8). */
export function loadedDType(dtype: string): DType | null {
  if (dtype === "F32" || dtype in FLOATS) return "float32";
  if (dtype === "I32" || dtype in INTEGERS) return "int32";
  return null;
}

/** Whether a tensor of this safetensors dtype can be made. */
export function isConvertible(dtype: string): boolean {
  return loadedDType(dtype) !== null;
}

/** A tensor holding the elements `bytes` encode in the safetensors dtype. */
export function tensorFromSafetensors(
  bytes: Uint8Array,
  dtype: string,
  shape: readonly number[],
  what: string,
): Tensor {
  if (dtype === "F32") return tensorFromBytes(bytes, shape, "float32");
  if (dtype === "I32") return tensorFromBytes(bytes, shape, "int32");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = shape.reduce((n, d) => n * d, 1);
  const float = FLOATS[dtype];
  if (float !== undefined) {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = float(view, i) as number;
    return fromArray(values, shape, "float32");
  }
  const integer = INTEGERS[dtype];
  if (integer === undefined) {
    throw new SafetensorsError(
      `${what}: ${dtype} tensors cannot be loaded (no float32 or int32 form)`,
    );
  }
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const value = Number(integer(view, i));
    if (value !== (value | 0)) {
      throw new SafetensorsError(
        `${what}: element ${i} of this ${dtype} tensor is ${
          integer(view, i)
        }, which int32 cannot hold`,
      );
    }
    values[i] = value;
  }
  return fromArray(values, shape, "int32");
}

/** IEEE 754 binary16 bits to a number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
