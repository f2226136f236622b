/** Datasets: anything with a length that can hand out a batch of samples by their indices. */
import type { Tensor } from "../tensor.ts";
import { fromArray } from "../backend/kernels/transfer.ts";
import { keep } from "../backend/scope.ts";
import { formatShape } from "../shape.ts";
import { selectRows } from "./rows.ts";

/**
 * A collection of samples. `getBatch(indices)` returns the samples at those indices stacked along
 * a new dim 0, one tensor per field (e.g. `[images, labels]`), created in the caller's scope.
 */
export interface Dataset {
  /** Number of samples. */
  readonly length: number;
  /** The samples at `indices` (each in 0..length−1), batched: one tensor per field. */
  getBatch(indices: Int32Array): Tensor[];
}

/**
 * A dataset over tensors that share dim 0: sample i is row i of each. The dataset holds its
 * tensors for its lifetime (they are exempt from scopes); `dispose()` frees them.
 * @example
 * const data = new TensorDataset(images, labels); // [N, 1, 28, 28] and [N]
 * const [x, y] = data.getBatch(Int32Array.of(0, 5, 7)); // [3, 1, 28, 28] and [3]
 */
export class TensorDataset implements Dataset {
  /** The tensors, one per field. */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error("TensorDataset: expected at least one tensor");
    tensors.forEach((t, i) => {
      if (t.ndim === 0) {
        throw new Error(`TensorDataset: tensor ${i} is 0-d; every tensor needs a dim 0 of samples`);
      }
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new Error(
          `TensorDataset: tensor ${i} has ${t.shape[0]} rows (shape ${formatShape(t.shape)}) but ` +
            `tensor 0 has ${tensors[0].shape[0]} (shape ${formatShape(tensors[0].shape)}); all ` +
            "tensors must share dim 0",
        );
      }
    });
    this.tensors = keep([...tensors]);
  }

  /** Number of samples (rows). */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Rows `indices` of every tensor: one index tensor, then one kernel call per tensor. */
  getBatch(indices: Int32Array): Tensor[] {
    const rows = fromArray(indices, [indices.length], "int32");
    const batch: Tensor[] = [];
    try {
      for (const t of this.tensors) batch.push(selectRows(t, rows));
      return batch;
    } catch (error) {
      for (const t of batch) t.dispose();
      throw error;
    } finally {
      rows.dispose();
    }
  }

  /** Frees the dataset's tensors. */
  dispose(): void {
    for (const t of this.tensors) t.dispose();
  }
}
