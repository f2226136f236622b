/** One gradient-check case: how to make the inputs, and the function of them to check. */
import type { Tensor } from "../../runtime/mod.ts";

export interface GradcheckCase {
  label: string;
  inputs: () => Tensor[];
  f: (...xs: Tensor[]) => Tensor;
  options?: {
    eps?: number;
    rtol?: number;
    atol?: number;
    maxElements?: number;
    directions?: number;
  };
}
