/** Transforms of batches: normalisation by mean and std, one-hot labels. */
import type { Tensor } from "../tensor.ts";
import { eye, tensor } from "../ops/creation.ts";
import { div, sub } from "../ops/arithmetic.ts";
import { reshape } from "../ops/shape_ops.ts";
import { selectRows } from "./rows.ts";
import { formatShape } from "../shape.ts";

/**
 * (x − mean) / std. Numbers apply to every element; arrays give one value per channel (dim 1 of
 * an [N, C, ...] tensor), as torchvision's Normalize.
 * @example normalize(images, 0.1307, 0.3081) // MNIST's statistics
 */
export function normalize(
  x: Tensor,
  mean: number | readonly number[],
  std: number | readonly number[],
): Tensor {
  const channels = (v: number | readonly number[], what: string): Tensor | number => {
    if (typeof v === "number") return v;
    if (x.ndim < 2 || x.shape[1] !== v.length) {
      throw new Error(
        `normalize: ${v.length} ${what} values need an [N, ${v.length}, ...] input, got ` +
          formatShape(x.shape),
      );
    }
    return tensor([...v], { shape: [1, v.length, ...x.shape.slice(2).map(() => 1)] });
  };
  const stds = typeof std === "number" ? [std] : std;
  if (stds.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new RangeError(`normalize: std must be positive and finite, got ${JSON.stringify(std)}`);
  }
  const meanTensor = channels(mean, "mean"), stdTensor = channels(std, "std");
  const centred = sub(x, meanTensor);
  const out = div(centred, stdTensor);
  // Intermediates are freed now unless a gradient graph (x requiring grad) still needs them.
  if (!out.requiresGrad) {
    centred.dispose();
    for (const t of [meanTensor, stdTensor]) if (typeof t !== "number") t.dispose();
  }
  return out;
}

/**
 * Float32 one-hot rows of int32 class indices: [...] → [..., numClasses]. One kernel call (the
 * rows of an identity matrix); an index outside 0..numClasses−1 is an error.
 * @example oneHot(tensor([2, 0], { dtype: "int32" }), 3) // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  if (labels.dtype !== "int32") {
    throw new TypeError(`oneHot: labels must be int32 class indices, got ${labels.dtype}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  const identity = eye(numClasses);
  const flat = labels.alias([labels.size]);
  try {
    const rows = selectRows(identity, flat);
    const out = reshape(rows, [...labels.shape, numClasses]);
    rows.dispose();
    return out;
  } finally {
    identity.dispose();
    flat.dispose();
  }
}
