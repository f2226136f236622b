/** Fixed sinusoidal position encodings ("Attention is all you need", section 3.5). */
import type { Tensor } from "../tensor.ts";
import { tensor } from "./creation.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of sinusoidalPositionalEncoding. */
export interface SinusoidalOptions {
  /** The base of the wavelengths' geometric progression. Default 10000. */
  base?: number;
}

const KEYS: OptionKeys<SinusoidalOptions> = { base: true };

/**
 * The table [length, dim] with row p = [sin(p·ω₀), cos(p·ω₀), sin(p·ω₁), cos(p·ω₁), ...],
 * ω_i = base^(−2i/dim) (an odd dim ends with a sine). Computed once; it has no gradient.
 * @example const table = F.sinusoidalPositionalEncoding(128, 64); // [128, 64]
 */
export function sinusoidalPositionalEncoding(
  length: number,
  dim: number,
  options?: SinusoidalOptions,
): Tensor {
  const base = checkOptions("sinusoidalPositionalEncoding", options, KEYS).base ?? 10000;
  for (const [name, n] of [["length", length], ["dim", dim]] as const) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `sinusoidalPositionalEncoding: ${name} must be a positive integer, got ${n}`,
      );
    }
  }
  if (!(base > 0)) {
    throw new RangeError(`sinusoidalPositionalEncoding: base must be positive, got ${base}`);
  }
  const values = new Float32Array(length * dim);
  for (let i = 0; i < dim; i += 2) {
    const frequency = Math.pow(base, -i / dim);
    for (let p = 0; p < length; p++) {
      values[p * dim + i] = Math.sin(p * frequency);
      if (i + 1 < dim) values[p * dim + i + 1] = Math.cos(p * frequency);
    }
  }
  return tensor(values, { shape: [length, dim] });
}
