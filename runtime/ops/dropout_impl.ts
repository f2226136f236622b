/**
 * Dropout, re-exported by norm.ts (the private file keeps the op beside its gradient). The mask is
 * the generator's uniform kernel turned into 0 / 1/(1 − p) in place (dropoutMaskF32), applied and
 * reused in the backward pass by the elementwise multiply.
 */
import type { Tensor } from "../tensor.ts";
import { BinaryOp } from "../backend/kernels/elementwise.ts";
import { binary } from "../backend/kernels/elementwise.ts";
import { filled } from "../backend/kernels/fill.ts";
import { dropoutMaskKernel } from "../backend/kernels/norm.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat } from "./broadcast.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of dropout. */
export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1]. Default 0.5. */
  p?: number;
  /** Drop (true, the default) or pass x through unchanged (false, evaluation). */
  training?: boolean;
}

const DROPOUT_KEYS: OptionKeys<DropoutOptions> = { p: true, training: true };

/**
 * Zeroes each element with probability p and scales the survivors by 1/(1 − p), so the expected
 * value is unchanged; the mask comes from the module's seeded generator (`manualSeed` makes it
 * repeat) and the gradient uses the same mask. The identity in evaluation or for p = 0.
 * @example const h = dropout(F.relu(x), { p: 0.2, training: model.training });
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkOptions("dropout", options, DROPOUT_KEYS);
  expectFloat("dropout", x);
  const p = options.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`dropout: the probability p must be between 0 and 1, got ${p}`);
  }
  if (!(options.training ?? true) || p === 0) {
    const out = x.alias(x.shape);
    return record(out, "dropout", [x], (g) => [g]);
  }
  // p = 1 drops everything (no draws, as PyTorch); x·0 keeps NaN and ±∞ as NaN, as PyTorch does.
  const mask = p === 1 ? filled(x.shape, 0) : dropoutMaskKernel(x.shape, p, 1 / (1 - p));
  const out = binary("dropout", BinaryOp.Mul, x, mask);
  return record(out, "dropout", [x], (g) => [binary("dropout", BinaryOp.Mul, g, mask)]);
}
