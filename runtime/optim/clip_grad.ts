/** Gradient clipping by total norm, as torch.nn.utils.clip_grad_norm_. */
import type { Tensor } from "../tensor.ts";
import { BinaryOp } from "../backend/kernels/elementwise.ts";
import { binary } from "../backend/kernels/elementwise.ts";
import { keep } from "../backend/scope.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { abs, add, clamp, div, pow, sqrt, square } from "../ops/arithmetic.ts";
import { max, sum } from "../ops/reduce.ts";
import { stack } from "../ops/shape_ops.ts";
import { full } from "../ops/creation.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of clipGradNorm. */
export interface ClipGradNormOptions {
  /** The p of the p-norm: any p > 0, or Infinity for the largest magnitude. Default 2. */
  normType?: number;
  /** Throw (leaving the gradients alone) when the total norm is NaN or infinite. Default false. */
  errorIfNonfinite?: boolean;
}

const CLIP_GRAD_NORM_KEYS: OptionKeys<ClipGradNormOptions> = {
  normType: true,
  errorIfNonfinite: true,
};

/** ‖x‖_p over all elements, as a 0-d tensor (torch.norm(x, p)). */
function norm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return max(abs(x));
  if (p === 2) return sqrt(sum(square(x)));
  if (p === 1) return sum(abs(x));
  return pow(sum(pow(abs(x), p)), 1 / p);
}

/**
 * Scales the gradients of `params` in place so that their total p-norm (the norm of the
 * per-parameter norms, as if all gradients were one vector) is at most `maxNorm`, and returns
 * the total norm before clipping. Parameters without a gradient are skipped. The factor is
 * min(1, maxNorm / (total + 1e-6)), as PyTorch's.
 * @example
 * loss.backward();
 * const norm = optim.clipGradNorm(model.parameters(), 1.0);
 * optimizer.step();
 */
export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  const { normType = 2, errorIfNonfinite = false } = checkOptions(
    "clipGradNorm",
    options,
    CLIP_GRAD_NORM_KEYS,
  );
  if (!(normType > 0)) {
    throw new RangeError(`clipGradNorm: normType must be > 0 (or Infinity), got ${normType}`);
  }
  if (!Number.isFinite(maxNorm) || maxNorm < 0) {
    throw new RangeError(`clipGradNorm: maxNorm must be a finite number ≥ 0, got ${maxNorm}`);
  }
  const withGrad = [...params].filter((p) => p.grad !== null);
  if (withGrad.length === 0) return 0;
  // noGrad also scopes: the norms and the factor are freed on return.
  return noGrad(() => {
    const total = norm(stack(withGrad.map((p) => norm(p.grad!, normType))), normType);
    const value = total.item();
    if (errorIfNonfinite && !Number.isFinite(value)) {
      throw new Error(
        `clipGradNorm: the total norm of order ${normType} of the gradients is ${value}, so ` +
          "they cannot be clipped (pass errorIfNonfinite: false to scale them anyway)",
      );
    }
    const factor = clamp(div(full([], maxNorm), add(total, 1e-6)), { max: 1 });
    for (const p of withGrad) {
      const g = p.grad!;
      if (g.storage.isShared) {
        p.grad = keep(binary("clipGradNorm", BinaryOp.Mul, g, factor));
        g.dispose();
      } else {
        binary("clipGradNorm", BinaryOp.Mul, g, factor, 0, 0, g);
      }
    }
    return value;
  });
}
