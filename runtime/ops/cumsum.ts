/** Cumulative sums along a dim, as a product with a triangular matrix of ones (GEMM-fast). */
import type { Tensor } from "../tensor.ts";
import { tensor } from "./creation.ts";
import { matmul } from "./matmul.ts";
import { transpose } from "./shape_ops.ts";
import { expectFloat } from "./broadcast.ts";
import { normalizeDim } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of cumsum (ONNX's CumSum flags; PyTorch's cumsum is the default). */
export interface CumsumOptions {
  /** Leave out each element from its own sum (out[i] = Σ_{j<i} x[j]). Default false. */
  exclusive?: boolean;
  /** Sum from the end of the dim toward its start. Default false. */
  reverse?: boolean;
}

const KEYS: OptionKeys<CumsumOptions> = { exclusive: true, reverse: true };

/**
 * out[..., i, ...] = Σ_{j ≤ i} x[..., j, ...] along `dim`. Shape in = shape out. Differentiable
 * (its gradient is the reverse cumulative sum, which the matrix product gives).
 * @example cumsum(tensor([1, 2, 3]), 0) // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number, options: CumsumOptions = {}): Tensor {
  expectFloat("cumsum", x);
  checkOptions("cumsum", options, KEYS);
  if (x.ndim === 0) return cumsum(x.view([1]), 0, options).view([]);
  const d = normalizeDim("cumsum", dim, x.ndim);
  const n = x.shape[d];
  const exclusive = options.exclusive ?? false, reverse = options.reverse ?? false;
  // ones[j, i] = 1 when x[j] counts toward out[i]; out = x · ones along the last dim.
  const ones = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const counts = reverse ? (exclusive ? j > i : j >= i) : (exclusive ? j < i : j <= i);
      ones[j * n + i] = counts ? 1 : 0;
    }
  }
  const weights = tensor(ones, { shape: [n, n] });
  const last = x.ndim - 1;
  if (d === last) return matmul(x, weights);
  return transpose(matmul(transpose(x, d, last), weights), d, last);
}
