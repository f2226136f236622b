/** Shape ops: reshape, flatten, squeeze, unsqueeze, transpose, permute, expand, cat, stack, narrow, slice. */
import { Tensor } from "../tensor.ts";
import { broadcastTo, copyStridedKernel } from "../backend/kernels/copy.ts";
import { filled } from "../backend/kernels/fill.ts";
import { record } from "../autograd/engine.ts";
import { sumToShape } from "./broadcast.ts";
import {
  broadcastShapes,
  formatShape,
  normalizeDim,
  sameShape,
  type ShapeArgs,
  shapeFromArgs,
  sizeOf,
  stridesOf,
} from "../shape.ts";

/**
 * The same elements in another shape (one dim may be -1 and is inferred); shares memory. The
 * shape is one array or the sizes one by one, as in PyTorch.
 * @example reshape(x, [-1, 784]) // or reshape(x, -1, 784)
 */
export function reshape(x: Tensor, ...args: ShapeArgs): Tensor {
  const shape = shapeFromArgs("reshape", args);
  const target = [...shape];
  const inferred = target.indexOf(-1);
  if (target.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== inferred))) {
    throw new Error(`reshape: invalid shape ${formatShape(shape)} (sizes ≥ 0, at most one -1)`);
  }
  if (inferred >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(
        `reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${
          formatShape(shape)
        }`,
      );
    }
    target[inferred] = x.size / known;
  }
  if (sizeOf(target) !== x.size) {
    throw new Error(
      `reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ` +
        `${formatShape(shape)} (${sizeOf(target)} elements)`,
    );
  }
  const out = x.alias(target);
  return record(out, "reshape", [x], (g) => [g.alias(x.shape)]);
}

/** Flattens dims startDim..endDim into one (all by default). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const start = normalizeDim("flatten", startDim, x.ndim);
  const end = normalizeDim("flatten", endDim, x.ndim);
  if (start > end) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = sizeOf(x.shape.slice(start, end + 1));
  return reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)]);
}

/** Removes size-1 dims (only `dim` when given, if it has size 1). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normalizeDim("squeeze", dim, x.ndim);
  return x.shape[d] === 1 ? reshape(x, x.shape.filter((_, i) => i !== d)) : reshape(x, x.shape);
}

/** Inserts a size-1 dim at `dim` (−1 appends). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim("unsqueeze", dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/**
 * Reorders dims: output dim i is input dim dims[i] (a copy into contiguous memory).
 * @example permute(x, [0, 2, 3, 1]) // NCHW → NHWC; or permute(x, 0, 2, 3, 1)
 */
export function permute(x: Tensor, ...args: ShapeArgs): Tensor {
  const dims = shapeFromArgs("permute", args);
  if (dims.length !== x.ndim) {
    throw new Error(
      `permute: got ${dims.length} dims ${JSON.stringify(dims)} for a tensor of rank ${x.ndim}`,
    );
  }
  const order = dims.map((d) => normalizeDim("permute", d, x.ndim));
  if (new Set(order).size !== order.length) {
    throw new Error(
      `permute: dims ${JSON.stringify(dims)} must be a permutation of 0..${x.ndim - 1}`,
    );
  }
  const out = permuteCopy(x, order);
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => (inverse[d] = i));
  return record(out, "permute", [x], (g) => [permuteCopy(g, inverse)]);
}

function permuteCopy(x: Tensor, order: readonly number[]): Tensor {
  const shape = order.map((d) => x.shape[d]);
  const out = Tensor.empty(shape, x.dtype);
  const strides = stridesOf(x.shape);
  copyStridedKernel(x.ptr, out.ptr, shape, order.map((d) => strides[d]), stridesOf(shape));
  return out;
}

/** Swaps two dims (a copy). @example transpose(w, 0, 1) */
export function transpose(x: Tensor, dim0 = 0, dim1 = 1): Tensor {
  const a = normalizeDim("transpose", dim0, x.ndim), b = normalizeDim("transpose", dim1, x.ndim);
  const order = [...x.shape.keys()];
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}

/**
 * x broadcast to `shape` (a copy); the gradient sums back over the broadcast dims.
 * @example expand(bias, [8, 16]) // or expand(bias, 8, 16)
 */
export function expand(x: Tensor, ...args: ShapeArgs): Tensor {
  const shape = shapeFromArgs("expand", args);
  const target = broadcastShapes("expand", x.shape, shape);
  if (!sameShape(target, shape)) {
    throw new Error(`expand: ${formatShape(x.shape)} cannot be expanded to ${formatShape(shape)}`);
  }
  const out = broadcastTo(x, shape);
  return record(out, "expand", [x], (g) => [sumToShape(g, x.shape)]);
}

/** Concatenates along `dim`; all other dims must match. @example cat([a, b], 0) */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("cat: needs at least one tensor");
  const first = tensors[0];
  const d = normalizeDim("cat", dim, first.ndim);
  tensors.forEach((t, i) => {
    const fits = t.ndim === first.ndim && t.dtype === first.dtype &&
      t.shape.every((s, k) => k === d || s === first.shape[k]);
    if (!fits) {
      throw new Error(
        `cat: tensor ${i} has shape ${formatShape(t.shape)} (${t.dtype}) but tensor 0 has ` +
          `${formatShape(first.shape)} (${first.dtype}); all dims but ${d} must match`,
      );
    }
  });
  const shape = first.shape.map((
    s,
    k,
  ) => (k === d ? tensors.reduce((n, t) => n + t.shape[d], 0) : s));
  const out = Tensor.empty(shape, first.dtype);
  const outStrides = stridesOf(shape);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    copyStridedKernel(
      t.ptr,
      out.ptr + offset * outStrides[d] * 4,
      t.shape,
      stridesOf(t.shape),
      outStrides,
    );
    offset += t.shape[d];
  }
  return record(
    out,
    "cat",
    tensors,
    (g) =>
      tensors.map((t, i) => (t.requiresGrad ? sliceCopy(g, d, offsets[i], t.shape[d], 1) : null)),
  );
}

/** Stacks same-shaped tensors along a new dim. @example stack([a, b], 0) */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("stack: needs at least one tensor");
  const d = normalizeDim("stack", dim, tensors[0].ndim + 1);
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, tensors[0].shape)) {
      throw new Error(
        `stack: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ` +
          `${formatShape(tensors[0].shape)}; stack needs equal shapes`,
      );
    }
  });
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Elements start..start+length−1 of `dim` (a copy). @example narrow(x, 1, 0, 3) */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim("narrow", dim, x.ndim);
  const from = start < 0 ? start + x.shape[d] : start;
  if (
    !Number.isInteger(from) || !Number.isInteger(length) || from < 0 || length < 0 ||
    from + length > x.shape[d]
  ) {
    throw new RangeError(
      `narrow: start ${start} and length ${length} do not fit dim ${d} of size ${x.shape[d]}`,
    );
  }
  return sliceRecorded("narrow", x, d, from, length, 1);
}

/**
 * Python-style slice of one dim: start (default 0), end (exclusive, default the size), step > 0;
 * negative start/end count from the end. @example slice(x, 0, 0, undefined, 2) // even rows
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = normalizeDim("slice", dim, x.ndim);
  const size = x.shape[d];
  if (!Number.isInteger(step) || step < 1) {
    throw new Error(`slice: step must be a positive integer, got ${step}`);
  }
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const from = clampIndex(start), to = clampIndex(end ?? size);
  const count = Math.max(0, Math.ceil((to - from) / step));
  return sliceRecorded("slice", x, d, from, count, step);
}

function sliceRecorded(
  op: string,
  x: Tensor,
  d: number,
  from: number,
  count: number,
  step: number,
): Tensor {
  const out = sliceCopy(x, d, from, count, step);
  return record(out, op, [x], (g) => {
    const grad = filled(x.shape, 0);
    const strides = stridesOf(x.shape);
    const dst = strides.map((s, k) => (k === d ? s * step : s));
    copyStridedKernel(g.ptr, grad.ptr + from * strides[d] * 4, g.shape, stridesOf(g.shape), dst);
    return [grad];
  });
}

function sliceCopy(x: Tensor, d: number, from: number, count: number, step: number): Tensor {
  const shape = x.shape.map((s, k) => (k === d ? count : s));
  const out = Tensor.empty(shape, x.dtype);
  const strides = stridesOf(x.shape);
  const src = strides.map((s, k) => (k === d ? s * step : s));
  copyStridedKernel(x.ptr + from * strides[d] * 4, out.ptr, shape, src, stridesOf(shape));
  return out;
}
