/**
 * The shape arithmetic of exported graphs on host arrays: broadcasting elementwise maps,
 * transposes, slices, gathers and concatenations of small integer tensors. These run on shapes,
 * axes and indices, never on weights (float data is always a tensor in linear memory).
 */
import { broadcastShapes, sizeOf, stridesOf } from "../shape.ts";
import { HostTensor } from "./value.ts";

/** Index into `shape` (with broadcast) of flat output index i, for each input. */
function broadcastIndex(
  out: readonly number[],
  shapes: readonly (readonly number[])[],
): Int32Array[] {
  const size = sizeOf(out);
  const outStrides = stridesOf(out);
  return shapes.map((shape) => {
    const offset = out.length - shape.length;
    const strides = stridesOf(shape);
    const index = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      let flat = 0;
      for (let d = 0; d < shape.length; d++) {
        const coordinate = Math.floor(i / outStrides[d + offset]) % out[d + offset];
        if (shape[d] !== 1) flat += coordinate * strides[d];
      }
      index[i] = flat;
    }
    return index;
  });
}

/** f applied elementwise over broadcast host arrays; the result has type `dtype`. */
export function mapHost(
  op: string,
  inputs: readonly HostTensor[],
  dtype: number,
  f: (...values: number[]) => number,
): HostTensor {
  const shape = inputs.map((t) => t.shape).reduce((a, b) => broadcastShapes(op, a, b));
  const indices = broadcastIndex(shape, inputs.map((t) => t.shape));
  const out = new Float64Array(sizeOf(shape));
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = inputs[k].data[indices[k][i]];
    out[i] = f(...args);
  }
  return new HostTensor(dtype, shape, out);
}

/** Copies `shape`-many elements read at `strides` from `offset` (a strided view). */
function gatherStrided(
  data: Float64Array,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): Float64Array {
  const out = new Float64Array(sizeOf(shape));
  const outStrides = stridesOf(shape);
  for (let i = 0; i < out.length; i++) {
    let flat = offset;
    for (let d = 0; d < shape.length; d++) {
      flat += (Math.floor(i / outStrides[d]) % shape[d]) * strides[d];
    }
    out[i] = data[flat];
  }
  return out;
}

/** Reorders dims (output dim i is input dim perm[i]). */
export function transposeHost(x: HostTensor, perm: readonly number[]): HostTensor {
  const strides = stridesOf(x.shape);
  const shape = perm.map((d) => x.shape[d]);
  return new HostTensor(
    x.dtype,
    shape,
    gatherStrided(x.data, shape, perm.map((d) => strides[d]), 0),
  );
}

/** Elements start, start+step, ... (count of them) along each axis. */
export function sliceHost(
  x: HostTensor,
  starts: readonly number[],
  counts: readonly number[],
  steps: readonly number[],
): HostTensor {
  const strides = stridesOf(x.shape);
  const offset = starts.reduce((n, s, d) => n + s * strides[d], 0);
  const data = gatherStrided(x.data, counts, strides.map((s, d) => s * steps[d]), offset);
  return new HostTensor(x.dtype, counts, data);
}

/** x taken at `indices` along `axis` (numpy take). Indices are already non-negative. */
export function gatherHost(x: HostTensor, axis: number, indices: HostTensor): HostTensor {
  const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
  const size = x.shape[axis];
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = new Float64Array(sizeOf(shape));
  let position = 0;
  for (let o = 0; o < outer; o++) {
    for (const index of indices.data) {
      const start = (o * size + index) * inner;
      out.set(x.data.subarray(start, start + inner), position);
      position += inner;
    }
  }
  return new HostTensor(x.dtype, shape, out);
}

/** Concatenation along `axis` (shapes already checked). */
export function concatHost(parts: readonly HostTensor[], axis: number): HostTensor {
  const first = parts[0];
  const outer = sizeOf(first.shape.slice(0, axis));
  const shape = [...first.shape];
  shape[axis] = parts.reduce((n, p) => n + p.shape[axis], 0);
  const out = new Float64Array(sizeOf(shape));
  let position = 0;
  for (let o = 0; o < outer; o++) {
    for (const part of parts) {
      const block = sizeOf(part.shape.slice(axis));
      out.set(part.data.subarray(o * block, (o + 1) * block), position);
      position += block;
    }
  }
  return new HostTensor(first.dtype, shape, out);
}
