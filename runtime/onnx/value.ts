/**
 * The values an imported graph passes between nodes. Floating-point data is an edgegrad `Tensor`
 * (float32, so autograd runs through it); integer and boolean data (shapes, axes, indices, masks
 * of integer comparisons) is a `HostTensor`: a small array in JS memory, which is what the INT64
 * shape arithmetic of exported models (Shape → Gather → Concat → Reshape) needs, and what constant
 * folding works on at load.
 */
import { Tensor } from "../tensor.ts";
import { tensor } from "../ops/creation.ts";
import { formatShape, sizeOf } from "../shape.ts";

/** ONNX TensorProto.DataType codes. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([name, code]) => [code, name.toLowerCase()]),
);

/** A readable name of a DataType code ("float", "int64", ...). */
export function typeName(code: number): string {
  return TYPE_NAMES[code] ?? `type ${code}`;
}

/** True for the floating-point types (held as float32 tensors). */
export function isFloatType(code: number): boolean {
  return code === DataType.FLOAT || code === DataType.DOUBLE || code === DataType.FLOAT16;
}

/** An integer or boolean array held in JS (values as doubles: exact up to 2^53). */
export class HostTensor {
  /** Number of elements. */
  readonly size: number;
  constructor(
    readonly dtype: number,
    readonly shape: readonly number[],
    readonly data: Float64Array,
  ) {
    this.size = sizeOf(shape);
    if (data.length !== this.size) {
      throw new Error(
        `HostTensor: shape ${formatShape(shape)} needs ${this.size} values, got ${data.length}`,
      );
    }
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
}

/** A value flowing through the graph. */
export type Value = Tensor | HostTensor;

/** The ONNX element type of a value (float tensors are FLOAT, int32 tensors INT32). */
export function dtypeOf(value: Value): number {
  if (value instanceof HostTensor) return value.dtype;
  return value.dtype === "int32" ? DataType.INT32 : DataType.FLOAT;
}

/** The value as a float32 tensor (host data is copied into one). */
export function asTensor(value: Value): Tensor {
  if (value instanceof Tensor && value.dtype === "float32") return value;
  if (value instanceof Tensor) return asTensor(asHost(value));
  return tensor(Float32Array.from(value.data), { shape: value.shape });
}

/** The value as a host array (tensor elements are copied out), keeping or setting its type. */
export function asHost(value: Value, dtype?: number): HostTensor {
  if (value instanceof HostTensor) return value;
  const type = dtype ?? (value.dtype === "int32" ? DataType.INT32 : DataType.FLOAT);
  return new HostTensor(type, value.shape, Float64Array.from(value.data()));
}

/** The elements of a value as plain numbers (for shapes, axes and scalar attributes as inputs). */
export function numbers(value: Value): number[] {
  return Array.from(value instanceof HostTensor ? value.data : value.data());
}

/** The host value as an int32 index tensor for the gather kernels. */
export function indexTensor(value: HostTensor): Tensor {
  return tensor(Int32Array.from(value.data), { shape: value.shape, dtype: "int32" });
}

/** Rounds a double to what the type holds (integers truncate and wrap as C does; bool is 0/1). */
export function convertTo(dtype: number, values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  switch (dtype) {
    case DataType.BOOL:
      for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
      return out;
    case DataType.INT8:
      for (let i = 0; i < values.length; i++) out[i] = (Math.trunc(values[i]) << 24) >> 24;
      return out;
    case DataType.UINT8:
      for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]) & 0xff;
      return out;
    case DataType.INT16:
      for (let i = 0; i < values.length; i++) out[i] = (Math.trunc(values[i]) << 16) >> 16;
      return out;
    case DataType.UINT16:
      for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]) & 0xffff;
      return out;
    case DataType.INT32:
      for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]) | 0;
      return out;
    case DataType.UINT32:
      for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]) >>> 0;
      return out;
    case DataType.FLOAT:
    case DataType.DOUBLE:
    case DataType.FLOAT16:
      out.set(values);
      return out;
    default:
      for (let i = 0; i < values.length; i++) {
        out[i] = Number.isFinite(values[i]) ? Math.trunc(values[i]) : values[i];
      }
      return out;
  }
}
