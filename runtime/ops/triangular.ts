/** tril / triu: the lower or upper triangle of the last two dims, zero elsewhere (as PyTorch). */
import type { Tensor } from "../tensor.ts";
import { tensor } from "./creation.ts";
import { mul } from "./arithmetic.ts";
import { expectFloat } from "./broadcast.ts";
import { formatShape } from "../shape.ts";

/** A [rows, cols] mask of 1 where keep(row, col). The mask is one matrix, not per element of x. */
function mask(rows: number, cols: number, keep: (row: number, col: number) => boolean): Tensor {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      values[i * cols + j] = keep(i, j) ? 1 : 0;
    }
  }
  return tensor(values, { shape: [rows, cols] });
}

function triangle(op: string, x: Tensor, keep: (row: number, col: number) => boolean): Tensor {
  expectFloat(op, x);
  if (x.ndim < 2) {
    throw new Error(
      `${op}: needs at least 2 dims (the matrix is the last two), got ${formatShape(x.shape)}`,
    );
  }
  const [rows, cols] = x.shape.slice(-2);
  return mul(x, mask(rows, cols, keep));
}

/**
 * Elements on and below the `diagonal`-th diagonal of the last two dims (0 the main one, > 0
 * above it, < 0 below it); zero elsewhere. Shape in = shape out; the gradient is masked alike.
 * @example tril(scores, 0) // causal attention mask
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle("tril", x, (i, j) => j - i <= diagonal);
}

/** Elements on and above the `diagonal`-th diagonal of the last two dims; zero elsewhere. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle("triu", x, (i, j) => j - i >= diagonal);
}
