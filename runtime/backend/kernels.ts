/**
 * Tensor-level kernel calls: each function allocates its output tensor and runs one kernel of the
 * WebAssembly module over linear memory. Ops (with their gradients) are built from these; nothing
 * above this file calls WebAssembly directly, so another kernel set can slot in here.
 */
import { backend } from "./backend.ts";
import { BinaryOp, ReduceOp, UnaryOp } from "./exports.ts";
import { type DType, Tensor } from "../tensor.ts";
import { broadcastShapes, broadcastStrides, collapseDims, sizeOf, stridesOf } from "../shape.ts";

export { BinaryOp, ReduceOp, UnaryOp };

/** A new tensor of `shape` with every element `value`. */
export function filled(shape: readonly number[], value: number, dtype: DType = "float32"): Tensor {
  const out = Tensor.empty(shape, dtype);
  if (out.size === 0) return out;
  if (dtype === "int32") {
    backend().i32.fill(value, out.ptr >>> 2, (out.ptr >>> 2) + out.size);
  } else {
    backend().k.fillF32(out.ptr, out.size, value);
  }
  return out;
}

/** A new float32 tensor holding `start + i·step`, i < n. */
export function arangeKernel(n: number, start: number, step: number): Tensor {
  const out = Tensor.empty([n]);
  if (n > 0) backend().k.arangeF32(out.ptr, n, start, step);
  return out;
}

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

/** A copy of x converted to another dtype (float → int truncates toward zero). */
export function cast(x: Tensor, dtype: DType): Tensor {
  const out = Tensor.empty(x.shape, dtype);
  if (x.size === 0) return out;
  const k = backend().k;
  if (x.dtype === dtype) k.copyStrided(x.ptr, out.ptr, 1, ...intsFor([x.size], [1], [1]));
  else if (dtype === "float32") k.castI32ToF32(x.ptr, out.ptr, x.size);
  else k.castF32ToI32(x.ptr, out.ptr, x.size);
  return out;
}

/** f(x) elementwise for a UnaryOp code; alpha/beta are the op's scalars. */
export function unary(code: number, x: Tensor, alpha = 0, beta = 0): Tensor {
  const out = Tensor.empty(x.shape);
  if (x.size > 0) backend().k.unaryF32(code, x.ptr, out.ptr, x.size, alpha, beta);
  return out;
}

/**
 * f(a, b) with numpy broadcasting for a BinaryOp code. `into`, when given, receives the result
 * (it must have the broadcast shape and may be `a` itself for an in-place update).
 */
export function binary(
  op: string,
  code: number,
  a: Tensor,
  b: Tensor,
  alpha = 0,
  beta = 0,
  into?: Tensor,
): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = into ?? Tensor.empty(shape);
  if (out.size === 0) return out;
  const collapsed = collapseDims(shape, [
    broadcastStrides(a.shape, shape),
    broadcastStrides(b.shape, shape),
  ]);
  const [shapePtr, stridesA, stridesB] = ints(
    collapsed.shape,
    collapsed.strides[0],
    collapsed.strides[1],
  );
  backend().k.binaryF32(
    code,
    a.ptr,
    b.ptr,
    out.ptr,
    collapsed.shape.length,
    shapePtr,
    stridesA,
    stridesB,
    alpha,
    beta,
  );
  return out;
}

/** cond ? a : b elementwise with broadcasting of all three (cond is float32, nonzero = true). */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, a.shape), b.shape);
  const out = Tensor.empty(shape);
  if (out.size === 0) return out;
  const collapsed = collapseDims(shape, [
    broadcastStrides(cond.shape, shape),
    broadcastStrides(a.shape, shape),
    broadcastStrides(b.shape, shape),
  ]);
  const [shapePtr, sc, sa, sb] = ints(collapsed.shape, ...collapsed.strides);
  backend().k.whereF32(
    cond.ptr,
    a.ptr,
    b.ptr,
    out.ptr,
    collapsed.shape.length,
    shapePtr,
    sc,
    sa,
    sb,
  );
  return out;
}

/** Views `shape` around `dim` as [outer, size, inner]. */
export function splitAt(shape: readonly number[], dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim], sizeOf(shape.slice(dim + 1))];
}

/** Reduces one dim with a ReduceOp code (ArgMax/ArgMin give int32). */
export function reduceDim(code: number, x: Tensor, dim: number, keepdim: boolean): Tensor {
  const [outer, size, inner] = splitAt(x.shape, dim);
  const shape = keepdim
    ? x.shape.map((d, i) => (i === dim ? 1 : d))
    : x.shape.filter((_, i) => i !== dim);
  const isIndex = code === ReduceOp.ArgMax || code === ReduceOp.ArgMin;
  const out = Tensor.empty(shape, isIndex ? "int32" : "float32");
  if (out.size > 0) backend().k.reduceF32(code, x.ptr, out.ptr, outer, size, inner);
  return out;
}

/** Softmax (log = false) or log-softmax (log = true) along `dim`, max-subtracted. */
export function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const out = Tensor.empty(x.shape);
  if (x.size === 0) return out;
  backend().k.softmaxF32(x.ptr, out.ptr, ...splitAt(x.shape, dim), log ? 1 : 0);
  return out;
}

/** The input gradient of softmax/log-softmax from its output y and upstream g. */
export function softmaxBackwardKernel(g: Tensor, y: Tensor, dim: number, log: boolean): Tensor {
  const out = Tensor.empty(y.shape);
  if (y.size === 0) return out;
  backend().k.softmaxBackwardF32(g.ptr, y.ptr, out.ptr, ...splitAt(y.shape, dim), log ? 1 : 0);
  return out;
}

/**
 * Copies the elements of `shape` from src (byte pointer, element strides) to dst (byte pointer,
 * element strides). Offsets are folded into the pointers by the caller.
 */
export function copyStridedKernel(
  src: number,
  dst: number,
  shape: readonly number[],
  srcStrides: readonly number[],
  dstStrides: readonly number[],
): void {
  if (sizeOf(shape) === 0) return;
  const collapsed = collapseDims(shape, [srcStrides, dstStrides]);
  const [shapePtr, s, d] = ints(collapsed.shape, ...collapsed.strides);
  backend().k.copyStrided(src, dst, collapsed.shape.length, shapePtr, s, d);
}

/** x broadcast to `shape` as a new contiguous tensor. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const out = Tensor.empty(shape, x.dtype);
  copyStridedKernel(x.ptr, out.ptr, shape, broadcastStrides(x.shape, shape), stridesOf(shape));
  return out;
}

/** Index of the first non-finite element of a float32 tensor, or -1. */
export function firstNonFinite(x: Tensor): number {
  return x.size === 0 || x.dtype !== "float32" ? -1 : backend().k.findNonFinite(x.ptr, x.size);
}

/** Fills with U[low, high) from the module's seeded generator. */
export function uniformKernel(shape: readonly number[], low: number, high: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size > 0) backend().k.randomUniformF32(out.ptr, out.size, low, high);
  return out;
}

/** Fills with N(mean, std²) from the module's seeded generator. */
export function normalKernel(shape: readonly number[], mean: number, std: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size > 0) backend().k.randomNormalF32(out.ptr, out.size, mean, std);
  return out;
}

/** Reseeds the generator. */
export function seedKernel(seed: number): void {
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  backend().k.seedRandom(low | 0, high | 0);
}

/**
 * C = op(A)·op(B) (+ C when accumulate) (+ bias) (then relu), for row-major operands at byte
 * pointers; A is M×K (K×M when transA), B is K×N (N×K when transB). With packedA, `a` is op(A)
 * packed by gemmPackA (transA is then ignored).
 */
export function gemmKernel(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  a: number,
  b: number,
  c: number,
  options: { accumulate?: boolean; bias?: number; relu?: boolean; packedA?: boolean } = {},
): void {
  if (M === 0 || N === 0) return;
  const be = backend();
  if (K === 0) {
    if (!options.accumulate) be.k.fillF32(c, M * N, 0);
    return;
  }
  const workspace = be.workspace(be.k.gemmWorkspaceBytes(M, N, K));
  be.k.gemm(
    options.packedA ? 2 : transA ? 1 : 0,
    transB ? 1 : 0,
    M,
    N,
    K,
    a,
    transA ? M : K,
    b,
    transB ? K : N,
    c,
    N,
    options.accumulate ? 1 : 0,
    options.bias ?? 0,
    options.relu ? 1 : 0,
    0,
    M,
    workspace,
  );
}

/** Writes shape/stride arrays to the backend's scratch slots. */
function ints(...arrays: readonly (readonly number[])[]): number[] {
  return backend().ints(...arrays);
}

function intsFor(...arrays: number[][]): [number, number, number] {
  const [a, b, c] = ints(...arrays);
  return [a, b, c];
}

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

type IndexKernel = (
  source: number,
  index: number,
  out: number,
  outer: number,
  sizeAlongDim: number,
  count: number,
  inner: number,
) => number;

/**
 * Runs one of the four bounds-checked index kernels over `out` (already allocated and, for the
 * adding ones, zeroed): `source` and `out` viewed as [outer, ·, inner] around `dim`, where
 * `bounded` is the shape whose size along `dim` the indices must stay below. The kernel is
 * skipped when `empty` (nothing to read or write). Throws IndexOutOfRange (after freeing `out`)
 * when the kernel reports a bad index.
 */
function runIndexKernel(
  op: string,
  kernel: IndexKernel,
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
  const bad = kernel(source.ptr, index.ptr, out.ptr, outer, size, count, inner);
  if (bad >= 0) {
    out.dispose();
    throw new IndexOutOfRange(op, bad, backend().i32[(index.ptr >>> 2) + bad], size);
  }
  return out;
}

/** out[o, j, i] = x[o, index[o, j, i], i] along `dim`; index has x's shape except at `dim`. */
export function gatherKernel(x: Tensor, dim: number, index: Tensor): Tensor {
  const k = backend().k;
  const out = Tensor.empty(index.shape);
  const count = index.shape[dim];
  return runIndexKernel("gather", k.gatherF32, x, index, out, x.shape, dim, count, out.size === 0);
}

/** Adjoint of gather: zeros of `shape` with g added at the gathered positions. */
export function scatterAddKernel(
  g: Tensor,
  dim: number,
  index: Tensor,
  shape: readonly number[],
): Tensor {
  const k = backend().k;
  const out = filled(shape, 0);
  const count = index.shape[dim];
  return runIndexKernel(
    "scatterAdd",
    k.scatterAddF32,
    g,
    index,
    out,
    shape,
    dim,
    count,
    g.size === 0,
  );
}

/** out[o, j, i] = x[o, index[j], i] along `dim` for a 1-D int32 index. */
export function indexSelectKernel(x: Tensor, dim: number, index: Tensor): Tensor {
  const k = backend().k;
  const out = Tensor.empty(x.shape.map((d, i) => (i === dim ? index.size : d)));
  const count = index.size;
  return runIndexKernel(
    "indexSelect",
    k.indexSelectF32,
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
  const k = backend().k;
  const out = filled(shape, 0);
  const count = index.size;
  return runIndexKernel("indexAdd", k.indexAddF32, g, index, out, shape, dim, count, g.size === 0);
}

/** One fused SGD update of `param` in place (PyTorch's rule; see exports.ts). */
export function sgdStepKernel(
  param: Tensor,
  grad: Tensor,
  momentumBuffer: Tensor | null,
  options: {
    lr: number;
    momentum: number;
    dampening: number;
    weightDecay: number;
    nesterov: boolean;
    firstStep: boolean;
  },
): void {
  backend().k.sgdStepF32(
    param.ptr,
    grad.ptr,
    momentumBuffer?.ptr ?? 0,
    param.size,
    options.lr,
    options.momentum,
    options.dampening,
    options.weightDecay,
    options.nesterov ? 1 : 0,
    options.firstStep ? 1 : 0,
  );
}

/** One fused Adam / AdamW update of `param` in place, with its moment buffers m and v. */
export function adamStepKernel(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  options: {
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    decoupled: boolean;
    step: number;
  },
): void {
  backend().k.adamStepF32(
    param.ptr,
    grad.ptr,
    m.ptr,
    v.ptr,
    param.size,
    options.lr,
    options.beta1,
    options.beta2,
    options.eps,
    options.weightDecay,
    options.decoupled ? 1 : 0,
    1 - options.beta1 ** options.step,
    1 - options.beta2 ** options.step,
  );
}

/** One fused AMSGrad Adam / AdamW update of `param` in place, with m, v and the running max of v. */
export function adamAmsgradStepKernel(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  vMax: Tensor,
  options: {
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    decoupled: boolean;
    step: number;
  },
): void {
  backend().k.adamAmsgradStepF32(
    param.ptr,
    grad.ptr,
    m.ptr,
    v.ptr,
    vMax.ptr,
    param.size,
    options.lr,
    options.beta1,
    options.beta2,
    options.eps,
    options.weightDecay,
    options.decoupled ? 1 : 0,
    1 - options.beta1 ** options.step,
    1 - options.beta2 ** options.step,
  );
}

/**
 * One fused RMSprop update of `param` in place. `gradAvg` is needed when centered,
 * `momentumBuffer` when momentum > 0 (null otherwise).
 */
export function rmspropStepKernel(
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor | null,
  momentumBuffer: Tensor | null,
  options: {
    lr: number;
    alpha: number;
    eps: number;
    weightDecay: number;
    momentum: number;
    centered: boolean;
  },
): void {
  backend().k.rmspropStepF32(
    param.ptr,
    grad.ptr,
    squareAvg.ptr,
    gradAvg?.ptr ?? 0,
    momentumBuffer?.ptr ?? 0,
    param.size,
    options.lr,
    options.alpha,
    options.eps,
    options.weightDecay,
    options.momentum,
    options.centered ? 1 : 0,
  );
}

/** One fused Adagrad update of `param` in place, with its running sum of squared gradients. */
export function adagradStepKernel(
  param: Tensor,
  grad: Tensor,
  sum: Tensor,
  options: { lr: number; lrDecay: number; eps: number; weightDecay: number; step: number },
): void {
  backend().k.adagradStepF32(
    param.ptr,
    grad.ptr,
    sum.ptr,
    param.size,
    options.lr,
    options.lrDecay,
    options.eps,
    options.weightDecay,
    options.step,
  );
}
