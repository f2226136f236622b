/** Gradient accumulation helpers of the autodiff engine. */
import type { Tensor } from "../tensor.ts";
import { BinaryOp } from "../backend/kernels/elementwise.ts";
import { binary } from "../backend/kernels/elementwise.ts";
import { filled } from "../backend/kernels/fill.ts";

/**
 * Returns existing + extra and disposes `extra`. Adds in place when `existing` owns its memory
 * alone (so a `.grad` the user holds stays valid); otherwise makes a new tensor and disposes both.
 */
export function addInPlaceOrNew(existing: Tensor, extra: Tensor): Tensor {
  if (!existing.storage.isShared) {
    binary("backward", BinaryOp.Add, existing, extra, 0, 0, existing);
    extra.dispose();
    return existing;
  }
  const sum = binary("backward", BinaryOp.Add, existing, extra);
  existing.dispose();
  extra.dispose();
  return sum;
}

/** A tensor of ones (the seed gradient of a scalar). */
export function onesLikeShape(shape: readonly number[]): Tensor {
  return filled(shape, 1);
}

/** Frees and clears the `.grad` of each tensor (what `zeroGrad` does for modules and optimizers). */
export function dropGradients(tensors: Iterable<Tensor>): void {
  for (const t of tensors) {
    if (t.grad !== null) {
      t.grad.dispose();
      t.grad = null;
    }
  }
}
