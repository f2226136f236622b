/**
 * TensorProto payloads to values: float data becomes a float32 tensor with one copy into linear
 * memory (raw_data is viewed in place when aligned); integer and boolean data becomes a host
 * array. Sizes are checked against the declared shape before anything is allocated, so a header
 * that declares a huge tensor is refused, not allocated.
 */
import { tensor } from "../ops/creation.ts";
import { formatShape } from "../shape.ts";
import type { TensorProto } from "./proto.ts";
import { DataType, HostTensor, typeName, type Value } from "./value.ts";

/** Raised for a tensor whose declared shape, type or payload is wrong; names the tensor. */
export class OnnxDataError extends Error {
  override name = "OnnxDataError";
}

/** The largest tensor an import accepts: 2^28 elements (1 GiB of float32). */
export const MAX_ELEMENTS = 2 ** 28;

const BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
};

/** Reads external data (a side file) for a tensor: `location`, `offset`, `length`. */
export type ExternalReader = (
  location: string,
  offset: number,
  length: number | null,
) => Uint8Array;

/** A typed view of `bytes` when aligned, else of an aligned copy. */
function aligned(bytes: Uint8Array, width: number): ArrayBuffer {
  if (bytes.byteOffset % width === 0) return bytes.buffer as ArrayBuffer;
  // A copy (not .slice(): on a Node Buffer that is a view of the same memory).
  return new Uint8Array(bytes).buffer;
}

function offsetOf(bytes: Uint8Array, width: number): number {
  return bytes.byteOffset % width === 0 ? bytes.byteOffset : 0;
}

/** f32 elements of little-endian bytes. */
function floats32(bytes: Uint8Array): Float32Array {
  return new Float32Array(aligned(bytes, 4), offsetOf(bytes, 4), bytes.length / 4);
}

function floats64(bytes: Uint8Array): Float64Array {
  return new Float64Array(aligned(bytes, 8), offsetOf(bytes, 8), bytes.length / 8);
}

/** IEEE half precision to double. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exponent = (h >> 10) & 0x1f, fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Host values of integer raw bytes. */
function rawIntegers(type: number, bytes: Uint8Array): Float64Array {
  const buffer = aligned(bytes, BYTES[type]), offset = offsetOf(bytes, BYTES[type]);
  const count = bytes.length / BYTES[type];
  switch (type) {
    case DataType.INT64:
      return Float64Array.from(new BigInt64Array(buffer, offset, count), Number);
    case DataType.UINT64:
      return Float64Array.from(new BigUint64Array(buffer, offset, count), Number);
    case DataType.INT32:
      return Float64Array.from(new Int32Array(buffer, offset, count));
    case DataType.UINT32:
      return Float64Array.from(new Uint32Array(buffer, offset, count));
    case DataType.INT16:
      return Float64Array.from(new Int16Array(buffer, offset, count));
    case DataType.UINT16:
      return Float64Array.from(new Uint16Array(buffer, offset, count));
    case DataType.INT8:
      return Float64Array.from(new Int8Array(buffer, offset, count));
    case DataType.UINT8:
      return Float64Array.from(new Uint8Array(buffer, offset, count));
    default:
      return Float64Array.from(new Uint8Array(buffer, offset, count), (v) => (v ? 1 : 0));
  }
}

/** The declared element count, checked: non-negative integer dims, at most MAX_ELEMENTS. */
export function checkedSize(what: string, dims: readonly number[]): number {
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new OnnxDataError(`${what} declares an invalid shape ${formatShape(dims)}`);
  }
  const size = dims.reduce((n, d) => n * d, 1);
  if (size > MAX_ELEMENTS) {
    throw new OnnxDataError(
      `${what} declares shape ${formatShape(dims)} (${size} elements), more than the ` +
        `${MAX_ELEMENTS} an import accepts`,
    );
  }
  return size;
}

/**
 * The value of a TensorProto. `what` names it in errors ("initializer 'conv1.weight'");
 * `external` reads side files for tensors stored outside the model.
 */
export function tensorValue(t: TensorProto, what: string, external?: ExternalReader): Value {
  const type = t.dataType;
  const width = BYTES[type];
  if (width === undefined) {
    throw new OnnxDataError(`${what} has element type ${typeName(type)}, which is not supported`);
  }
  const size = checkedSize(what, t.dims);
  let raw = t.rawData;
  if (t.dataLocation === 1) {
    if (external === undefined) {
      throw new OnnxDataError(
        `${what} keeps its data in an external file ("${t.externalData.get("location")}"); ` +
          "load the model from a path (not bytes) so the file can be found beside it",
      );
    }
    const location = t.externalData.get("location");
    if (location === undefined) {
      throw new OnnxDataError(`${what}: external data without a location`);
    }
    const offset = Number(t.externalData.get("offset") ?? 0);
    const length = t.externalData.has("length") ? Number(t.externalData.get("length")) : null;
    if (
      !Number.isSafeInteger(offset) || offset < 0 || (length !== null && length !== size * width)
    ) {
      throw new OnnxDataError(
        `${what}: external data offset ${offset} / length ${length} do not fit shape ` +
          `${formatShape(t.dims)} of ${typeName(type)} (${size * width} bytes)`,
      );
    }
    raw = external(location, offset, size * width);
  }
  const mismatch = (held: number, unit: string) =>
    new OnnxDataError(
      `${what} declares shape ${formatShape(t.dims)} (${size} elements of ${typeName(type)}) ` +
        `but holds ${held} ${unit}`,
    );
  if (raw !== null && raw.length > 0 || (raw !== null && size === 0)) {
    if (raw.length !== size * width) throw mismatch(raw.length, "bytes");
    if (type === DataType.FLOAT) return tensor(floats32(raw), { shape: t.dims });
    if (type === DataType.DOUBLE) {
      return tensor(Float32Array.from(floats64(raw)), { shape: t.dims });
    }
    if (type === DataType.FLOAT16) {
      const halves = new Uint16Array(aligned(raw, 2), offsetOf(raw, 2), size);
      return tensor(Float32Array.from(halves, halfToNumber), { shape: t.dims });
    }
    return new HostTensor(type, t.dims, rawIntegers(type, raw));
  }
  if (type === DataType.FLOAT) {
    const data = t.floatData;
    const values = data instanceof Uint8Array ? floats32(data) : Float32Array.from(data);
    if (values.length !== size) throw mismatch(values.length, "float_data values");
    return tensor(values, { shape: t.dims });
  }
  if (type === DataType.DOUBLE) {
    const data = t.doubleData;
    const values = data instanceof Uint8Array ? floats64(data) : Float64Array.from(data);
    if (values.length !== size) throw mismatch(values.length, "double_data values");
    return tensor(Float32Array.from(values), { shape: t.dims });
  }
  if (type === DataType.FLOAT16) {
    if (t.int32Data.length !== size) throw mismatch(t.int32Data.length, "int32_data values");
    return tensor(Float32Array.from(t.int32Data, halfToNumber), { shape: t.dims });
  }
  const list = type === DataType.INT64
    ? t.int64Data
    : type === DataType.UINT64 || type === DataType.UINT32
    ? t.uint64Data
    : t.int32Data;
  if (list.length !== size) throw mismatch(list.length, "values");
  return new HostTensor(type, t.dims, Float64Array.from(list));
}
