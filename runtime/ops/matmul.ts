/**
 * Matrix products on the packed SIMD GEMM: `matmul` with torch.matmul's rules (1-D, 2-D, batched
 * with broadcast batch dims) and `linear` (x·Wᵀ + b with the bias fused into the GEMM, and the
 * ReLU too in `linearRelu` at inference). The backward products A·Bᵀ and Aᵀ·B run on transposed
 * operands directly, with no copies.
 */
import { Tensor } from "../tensor.ts";
import { ReduceOp } from "../backend/kernels/reduce.ts";
import { filled } from "../backend/kernels/fill.ts";
import { gemmKernel } from "../backend/kernels/gemm.ts";
import { reduceDim } from "../backend/kernels/reduce.ts";
import { record } from "../autograd/engine.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { relu } from "./activation.ts";
import { expectFloat, sumToShape } from "./broadcast.ts";
import { broadcastShapes, formatShape, sizeOf, stridesOf } from "../shape.ts";

/**
 * Matrix product with torch.matmul semantics.
 * @example matmul(x, w) // [64, 784] · [784, 10] → [64, 10]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  expectFloat("matmul", a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(
      `matmul: both operands need at least one dim, got ${formatShape(a.shape)} and ${
        formatShape(b.shape)
      }`,
    );
  }
  // 1-D operands become matrices ([k] → [1, k] on the left, [k, 1] on the right); the added dims
  // are removed from the result.
  const left = a.ndim === 1 ? [1, a.shape[0]] : [...a.shape];
  const right = b.ndim === 1 ? [b.shape[0], 1] : [...b.shape];
  const [M, K] = left.slice(-2);
  const [K2, N] = right.slice(-2);
  if (K !== K2) {
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not fit: the inner ` +
        `sizes differ (${K} vs ${K2})`,
    );
  }
  const batchA = left.slice(0, -2), batchB = right.slice(0, -2);
  const batch = broadcastShapes("matmul", batchA, batchB);
  const resultShape = [...batch, M, N];
  const finalShape = [...batch, ...(a.ndim === 1 ? [] : [M]), ...(b.ndim === 1 ? [] : [N])];

  const out = Tensor.empty(resultShape);
  batchedGemm(false, false, a, batchA, b, batchB, batch, M, N, K, out);
  const shaped = out.alias(finalShape);
  out.dispose();

  return record(shaped, "matmul", [a, b], (g) => {
    const gm = g.alias(resultShape);
    let gradA: Tensor | null = null, gradB: Tensor | null = null;
    if (a.requiresGrad) {
      // dA = g · Bᵀ, per batch; summed over batch dims that A was broadcast along.
      const full = Tensor.empty([...batch, M, K]);
      batchedGemm(false, true, gm, batch, b, batchB, batch, M, K, N, full);
      gradA = reduceTo(full, [...batchA, M, K], a.shape);
    }
    if (b.requiresGrad) {
      // dB = Aᵀ · g. A B shared by the whole batch gets Σ_batch Aᵀ·g as one GEMM over stacked rows.
      if (sizeOf(batchB) === 1 && sizeOf(batchA) === sizeOf(batch)) {
        const shared = Tensor.empty([K, N]);
        gemmKernel(true, false, K, N, M * sizeOf(batch), a.ptr, gm.ptr, shared.ptr);
        gradB = shared.alias(b.shape);
        shared.dispose();
        gm.dispose();
        return [gradA, gradB];
      }
      const full = Tensor.empty([...batch, K, N]);
      batchedGemm(true, false, a, batchA, gm, batch, batch, K, N, M, full);
      gradB = reduceTo(full, [...batchB, K, N], b.shape);
    }
    gm.dispose();
    return [gradA, gradB];
  });
}

/** Sums a full-batch gradient down to the operand's (matrix-form) shape, then views it as the operand. */
function reduceTo(full: Tensor, matrixShape: number[], shape: readonly number[]): Tensor {
  const reduced = sumToShape(full, matrixShape);
  const result = reduced.alias(shape);
  if (reduced !== full) reduced.dispose();
  full.dispose();
  return result;
}

/**
 * out[batch] = op(A[batch])·op(B[batch]) for every index of `batch`, where A and B may be
 * broadcast along batch dims. A's matrices are [M, K] ([K, M] when transA), B's [K, N] ([N, K]).
 * When B has no batch dims and A is not transposed, the batch folds into M: one GEMM.
 */
function batchedGemm(
  transA: boolean,
  transB: boolean,
  a: Tensor,
  batchA: readonly number[],
  b: Tensor,
  batchB: readonly number[],
  batch: readonly number[],
  M: number,
  N: number,
  K: number,
  out: Tensor,
): void {
  const count = sizeOf(batch);
  if (count === 0) return;
  if (sizeOf(batchB) === 1 && !transA && sizeOf(batchA) === count) {
    gemmKernel(false, transB, M * count, N, K, a.ptr, b.ptr, out.ptr);
    return;
  }
  const stridesA = batchStrides(batchA, batch), stridesB = batchStrides(batchB, batch);
  const outer = stridesOf(batch);
  for (let i = 0; i < count; i++) {
    let offsetA = 0, offsetB = 0;
    for (let d = 0; d < batch.length; d++) {
      const index = Math.floor(i / outer[d]) % batch[d];
      offsetA += index * stridesA[d];
      offsetB += index * stridesB[d];
    }
    gemmKernel(
      transA,
      transB,
      M,
      N,
      K,
      a.ptr + offsetA * M * K * 4,
      b.ptr + offsetB * K * N * 4,
      out.ptr + i * M * N * 4,
    );
  }
}

/** Matrix-index strides of a batch shape broadcast to `batch` (0 on broadcast dims). */
function batchStrides(own: readonly number[], batch: readonly number[]): number[] {
  const strides = stridesOf(own);
  const offset = batch.length - own.length;
  return batch.map((_, d) => {
    const j = d - offset;
    return j < 0 || own[j] === 1 ? 0 : strides[j];
  });
}

/**
 * y = x·Wᵀ + b (PyTorch's F.linear): x [*, in], weight [out, in], bias [out] or null → [*, out].
 * @example linear(x, weight, bias) // [64, 784] → [64, 256]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const out = linearForward(x, weight, bias, false);
  const [outFeatures, inFeatures] = weight.shape;
  const rows = x.size / inFeatures;
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, "linear", inputs, (g) => {
    const grads: (Tensor | null)[] = [null, null, null];
    if (x.requiresGrad) {
      // dx = g · W
      const gradX = Tensor.empty(x.shape);
      gemmKernel(false, false, rows, inFeatures, outFeatures, g.ptr, weight.ptr, gradX.ptr);
      grads[0] = gradX;
    }
    if (weight.requiresGrad) {
      // dW = gᵀ · x
      const gradW = Tensor.empty(weight.shape);
      gemmKernel(true, false, outFeatures, inFeatures, rows, g.ptr, x.ptr, gradW.ptr);
      grads[1] = gradW;
    }
    if (bias?.requiresGrad) {
      const flat = g.alias([rows, outFeatures]);
      grads[2] = rows === 0 ? filled([outFeatures], 0) : reduceDim(ReduceOp.Sum, flat, 0, false);
      flat.dispose();
    }
    return bias ? grads : grads.slice(0, 2);
  });
}

/**
 * relu(linear(x, weight, bias)). When no gradient is recorded (inference), the GEMM applies the
 * ReLU as it stores its output (one pass and one tensor less); the bits are those of the two ops
 * one after the other, which is what runs otherwise. `nn.fuse` uses it for Linear + ReLU.
 */
export function linearRelu(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const recording = isGradEnabled() &&
    (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad === true);
  if (recording) return relu(linear(x, weight, bias));
  return linearForward(x, weight, bias, true);
}

/** Checks linear's operands and computes x·Wᵀ + b (then max(·, 0) withRelu) on the GEMM. */
function linearForward(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  withRelu: boolean,
): Tensor {
  expectFloat("linear", x, weight, ...(bias ? [bias] : []));
  if (weight.ndim !== 2) {
    throw new Error(`linear: the weight must be 2-D [out, in], got ${formatShape(weight.shape)}`);
  }
  const [outFeatures, inFeatures] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new Error(
      `linear: the input has shape ${formatShape(x.shape)} but the weight ${
        formatShape(weight.shape)
      } ` +
        `expects ${inFeatures} features in the last dim`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new Error(
      `linear: the bias has shape ${formatShape(bias.shape)}, expected [${outFeatures}]`,
    );
  }
  const rows = x.size / inFeatures;
  const out = Tensor.empty([...x.shape.slice(0, -1), outFeatures]);
  gemmKernel(false, true, rows, outFeatures, inFeatures, x.ptr, weight.ptr, out.ptr, {
    bias: bias?.ptr ?? 0,
    relu: withRelu,
  });
  return out;
}
