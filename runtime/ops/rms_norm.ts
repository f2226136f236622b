/**
 * Root-mean-square normalisation (Zhang & Sennrich 2019; torch.nn.functional.rms_norm), composed
 * from square, mean, sqrt and div, whose gradients carry it.
 */
import type { Tensor } from "../tensor.ts";
import { add, div, mul, sqrt, square } from "./arithmetic.ts";
import { mean } from "./reduce.ts";
import { expectFloat } from "./broadcast.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { formatShape, sameShape } from "../shape.ts";

/** Options of rmsNorm. */
export interface RmsNormOptions {
  /** Added to the mean square before the root. Default float32's epsilon, 2⁻²³ (as PyTorch). */
  eps?: number | null;
}

const KEYS: OptionKeys<RmsNormOptions> = { eps: true };

/** float32's machine epsilon, PyTorch's default eps for RMSNorm on float32. */
export const FLOAT32_EPSILON = 2 ** -23;

/**
 * y = x / sqrt(mean(x²) + eps) · weight over the trailing dims given by normalizedShape; weight
 * (optional) has shape normalizedShape. Shape in = shape out.
 * @example rmsNorm(x, [512], gamma) // x [batch, tokens, 512]
 */
export function rmsNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  options?: RmsNormOptions,
): Tensor {
  const o = checkOptions("rmsNorm", options, KEYS);
  expectFloat("rmsNorm", x);
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  if (
    shape.length === 0 || shape.length > x.ndim || !sameShape(x.shape.slice(-shape.length), shape)
  ) {
    throw new Error(
      `rmsNorm: normalizedShape ${formatShape(shape)} must be the last dims of the input, ` +
        `expected an input of shape [*, ${shape.join(", ")}], got ${formatShape(x.shape)}`,
    );
  }
  if (weight !== null) {
    expectFloat("rmsNorm", weight);
    if (!sameShape(weight.shape, shape)) {
      throw new Error(
        `rmsNorm: weight should have shape ${formatShape(shape)} (normalizedShape), got ` +
          formatShape(weight.shape),
      );
    }
  }
  const dims = shape.map((_, i) => x.ndim - shape.length + i);
  const eps = o.eps ?? FLOAT32_EPSILON;
  const normalized = div(x, sqrt(add(mean(square(x), dims, true), eps)));
  return weight === null ? normalized : mul(normalized, weight);
}
