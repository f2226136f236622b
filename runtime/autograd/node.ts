/** The node autodiff records for one op application. */
import type { Tensor } from "../tensor.ts";

/**
 * Given the gradient of the loss with respect to the op's output, returns the gradient for each
 * input (null where an input needs none). Runs with gradient recording off.
 */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/** One recorded op: its name, its inputs, and its vector-Jacobian product. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}
