/**
 * `sparseMatmul` (torch.sparse.mm for a COO matrix): a sparse matrix times a dense one, composed
 * from indexSelect, mul and indexAdd, so its gradients (for the dense operand and for the sparse
 * values) are theirs and no kernel of its own is needed.
 */
import type { Tensor } from "../tensor.ts";
import { IndexOutOfRange } from "../backend/kernels/gather.ts";
import { expectFloat } from "./broadcast.ts";
import { zeros } from "./creation.ts";
import { indexSelect } from "./indexing.ts";
import { indexAdd } from "./index_add.ts";
import { mul } from "./arithmetic.ts";
import { narrow, reshape, unsqueeze } from "./shape_ops.ts";
import { formatShape } from "../shape.ts";

/**
 * A sparse matrix in coordinate (COO) form, as torch.sparse_coo_tensor(indices, values, shape):
 * entry k sits at row indices[0][k], column indices[1][k] and holds values[k]; repeated
 * coordinates add up.
 */
export interface SparseMatrix {
  /** int32 [2, nnz]: the row of every entry, then its column. */
  indices: Tensor;
  /** float32 [nnz]. */
  values: Tensor;
  /** [rows, columns]. */
  shape: readonly [number, number];
}

function checkSparse({ indices, values, shape }: SparseMatrix): number {
  if (indices.dtype !== "int32" || indices.ndim !== 2 || indices.shape[0] !== 2) {
    throw new TypeError(
      `sparseMatmul: the indices must be an int32 tensor of shape [2, nnz] (rows, then columns), ` +
        `got ${indices.dtype} of shape ${formatShape(indices.shape)}`,
    );
  }
  const nnz = indices.shape[1];
  expectFloat("sparseMatmul", values);
  if (values.ndim !== 1 || values.size !== nnz) {
    throw new Error(
      `sparseMatmul: the values have shape ${formatShape(values.shape)} but the indices list ` +
        `${nnz} entries; expected [${nnz}]`,
    );
  }
  if (
    !Array.isArray(shape) || shape.length !== 2 ||
    !shape.every((s) => Number.isInteger(s) && s >= 0)
  ) {
    throw new Error(
      `sparseMatmul: the sparse shape must be [rows, columns] of non-negative integers, got ` +
        JSON.stringify(shape),
    );
  }
  return nnz;
}

/** Runs an index op, naming the sparse operand's rows or columns when an index is out of range. */
function naming<T>(which: "row" | "column", run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof IndexOutOfRange)) throw error;
    throw new IndexOutOfRange(
      `sparseMatmul (${which} indices, indices[${which === "row" ? 0 : 1}])`,
      error.position,
      error.value,
      error.bound,
    );
  }
}

/**
 * sparse · dense: a COO matrix [n, k] times a float32 [k, f] → [n, f]. Differentiable in `dense`
 * and in `sparse.values`; the indices are constants.
 * @example
 * const indices = tensor([[0, 1, 1], [1, 0, 2]], { dtype: "int32" });
 * sparseMatmul({ indices, values: tensor([2, 3, 4]), shape: [2, 3] }, x) // [2, f]
 */
export function sparseMatmul(sparse: SparseMatrix, dense: Tensor): Tensor {
  const nnz = checkSparse(sparse);
  expectFloat("sparseMatmul", dense);
  const [rows, columns] = sparse.shape;
  if (dense.ndim !== 2 || dense.shape[0] !== columns) {
    throw new Error(
      `sparseMatmul: the dense operand has shape ${formatShape(dense.shape)} but the sparse ` +
        `matrix is ${formatShape(sparse.shape)}; expected [${columns}, features]`,
    );
  }
  const rowIndex = reshape(narrow(sparse.indices, 0, 0, 1), [nnz]);
  const columnIndex = reshape(narrow(sparse.indices, 0, 1, 1), [nnz]);
  // out[r] = Σ over entries (r, c, v) of v · dense[c]
  const picked = naming("column", () => indexSelect(dense, 0, columnIndex));
  const weighted = mul(picked, unsqueeze(sparse.values, 1));
  return naming("row", () => indexAdd(zeros([rows, dense.shape[1]]), 0, rowIndex, weighted));
}
