/** `Linear`: y = x·Wᵀ + b over the last dim. */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { uniform } from "../ops/creation.ts";
import { linear, linearRelu } from "../ops/matmul.ts";
import { registerModule } from "./registry.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of Linear. */
export interface LinearOptions {
  /** Learn an additive bias. Default true. */
  bias?: boolean;
}

/** The keys of LinearOptions (GraphConv takes the same). */
export const LINEAR_KEYS: OptionKeys<LinearOptions> = { bias: true };

/**
 * y = x·Wᵀ + b. Input [*, inFeatures], output [*, outFeatures]. Weight and bias start as PyTorch's:
 * U(−1/√inFeatures, 1/√inFeatures).
 * @example const layer = new nn.Linear(784, 256); const y = layer.call(x);
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const { bias = true } = checkOptions("Linear", options, LINEAR_KEYS);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = parameter(uniform([outFeatures, inFeatures], -bound, bound));
    this.bias = bias ? parameter(uniform([outFeatures], -bound, bound)) : null;
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
  /** relu(forward(x)) in one pass at inference (see linearRelu); `nn.fuse` fuses with it. */
  forwardRelu(x: Tensor): Tensor {
    return linearRelu(x, this.weight, this.bias);
  }
  /** 2·inFeatures per output element (the bias add takes the place of the first add). */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return 2 * output.size * this.inFeatures;
  }
  override toConfig(): ModuleConfig {
    return {
      type: "Linear",
      options: {
        inFeatures: this.inFeatures,
        outFeatures: this.outFeatures,
        bias: this.bias !== null,
      },
    };
  }
}

registerModule(
  "Linear",
  ({ options: o = {} }) =>
    new Linear(o.inFeatures as number, o.outFeatures as number, { bias: o.bias as boolean }),
);
