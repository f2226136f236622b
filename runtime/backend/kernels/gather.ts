/**
 * Tensor-level calls of the bounds-checked index kernels (assembly/gather.ts): gather, indexSelect
 * and their adjoints, which report a bad index as IndexOutOfRange.
 */
import { callKernel } from "../dispatch.ts";
import { readWord } from "../memory.ts";
import { Tensor } from "../../tensor.ts";
import { splitAt } from "../../shape.ts";
import { filled } from "./fill.ts";

/** An index outside its dim: names the op, the position in the index tensor, the value and the bound. */
export class IndexOutOfRange extends RangeError {
  constructor(
    readonly op: string,
    readonly position: number,
    readonly value: number,
    readonly bound: number,
  ) {
    super(
      `${op}: index ${value} at position ${position} of the index tensor is out of range for a ` +
        `dimension of size ${bound} (valid: 0..${bound - 1})`,
    );
    this.name = "IndexOutOfRange";
  }
}

/** The four bounds-checked index kernels, which share one signature. */
type IndexKernel = "gatherF32" | "scatterAddF32" | "indexSelectF32" | "indexAddF32";

/**
 * Runs one of the four bounds-checked index kernels over `out` (already allocated and, for the
 * adding ones, zeroed): `source` and `out` viewed as [outer, ·, inner] around `dim`, where
 * `bounded` is the shape whose size along `dim` the indices must stay below. The kernel is
 * skipped when `empty` (nothing to read or write). Throws IndexOutOfRange (after freeing `out`)
 * when the kernel reports a bad index.
 */
function runIndexKernel(
  op: string,
  name: IndexKernel,
  source: Tensor,
  index: Tensor,
  out: Tensor,
  bounded: readonly number[],
  dim: number,
  count: number,
  empty: boolean,
): Tensor {
  if (empty) return out;
  const [outer, size, inner] = splitAt(bounded, dim);
  const bad = callKernel(name, source.ptr, index.ptr, out.ptr, outer, size, count, inner);
  if (bad >= 0) {
    out.dispose();
    throw new IndexOutOfRange(op, bad, readWord(index.ptr, bad, "int32"), size);
  }
  return out;
}

/** out[o, j, i] = x[o, index[o, j, i], i] along `dim`; index has x's shape except at `dim`. */
export function gatherKernel(x: Tensor, dim: number, index: Tensor): Tensor {
  const out = Tensor.empty(index.shape);
  const count = index.shape[dim];
  return runIndexKernel("gather", "gatherF32", x, index, out, x.shape, dim, count, out.size === 0);
}

/** Adjoint of gather: zeros of `shape` with g added at the gathered positions. */
export function scatterAddKernel(
  g: Tensor,
  dim: number,
  index: Tensor,
  shape: readonly number[],
): Tensor {
  const out = filled(shape, 0);
  const count = index.shape[dim];
  return runIndexKernel(
    "scatterAdd",
    "scatterAddF32",
    g,
    index,
    out,
    shape,
    dim,
    count,
    g.size === 0,
  );
}

/**
 * out[o, j, i] = x[o, index[j], i] along `dim` for a 1-D int32 index; x may be float32 or int32
 * (the kernel copies 4-byte words), and out has its dtype.
 */
export function indexSelectKernel(x: Tensor, dim: number, index: Tensor): Tensor {
  const out = Tensor.empty(x.shape.map((d, i) => (i === dim ? index.size : d)), x.dtype);
  const count = index.size;
  return runIndexKernel(
    "indexSelect",
    "indexSelectF32",
    x,
    index,
    out,
    x.shape,
    dim,
    count,
    out.size === 0,
  );
}

/** Adjoint of indexSelect: zeros of `shape` with g added at the selected rows. */
export function indexAddKernel(
  g: Tensor,
  dim: number,
  index: Tensor,
  shape: readonly number[],
): Tensor {
  const out = filled(shape, 0);
  const count = index.size;
  return runIndexKernel("indexAdd", "indexAddF32", g, index, out, shape, dim, count, g.size === 0);
}
