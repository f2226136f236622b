/** Gathering rows (entries of dim 0) of a tensor into a batch with one kernel call. */
import { Tensor } from "../tensor.ts";
import { indexSelect } from "../ops/indexing.ts";
import { IndexOutOfRange, indexSelectKernel } from "../backend/kernels/gather.ts";
import { formatShape } from "../shape.ts";

/**
 * x[rows] along dim 0 for a 1-D int32 `rows` tensor: [n, ...] → [rows.size, ...], one kernel call.
 * Float tensors go through `indexSelect`; int32 tensors (labels) through the same copy kernel,
 * since `indexSelect` is a float op with a gradient.
 */
export function selectRows(x: Tensor, rows: Tensor): Tensor {
  if (x.ndim === 0) throw new Error("selectRows: a 0-d tensor has no rows");
  if (x.dtype === "float32") return indexSelect(x, 0, rows);
  if (rows.dtype !== "int32" || rows.ndim !== 1) {
    throw new TypeError(
      `selectRows: rows must be a 1-D int32 tensor, got ${rows.dtype} ${formatShape(rows.shape)}`,
    );
  }
  try {
    return indexSelectKernel(x, 0, rows);
  } catch (error) {
    if (!(error instanceof IndexOutOfRange)) throw error;
    throw new RangeError(
      `selectRows: row ${error.value} at position ${error.position} is out of range for ` +
        `${x.shape[0]} rows`,
    );
  }
}
