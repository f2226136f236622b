/** `RMSNorm`, as torch.nn.RMSNorm: a learned scale, no shift, no mean subtraction. */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { full } from "../ops/creation.ts";
import { rmsNorm } from "../ops/rms_norm.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { registerModule } from "./registry.ts";

/** Options of nn.RMSNorm. */
export interface RMSNormOptions {
  /** Added to the mean square. Default float32's epsilon (as PyTorch's eps=None). */
  eps?: number | null;
  /** Learn a scale `weight` of shape normalizedShape, starting at 1. Default true. */
  elementwiseAffine?: boolean;
}

const KEYS: OptionKeys<RMSNormOptions> = { eps: true, elementwiseAffine: true };

/**
 * y = x / sqrt(mean(x²) + eps) · weight over the trailing `normalizedShape` dims. Shape in =
 * shape out. @example const norm = new nn.RMSNorm(512); const y = norm.forward(x);
 */
export class RMSNorm extends Module {
  weight: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number | null;
  constructor(normalizedShape: number | number[], options?: RMSNormOptions) {
    super();
    const o = checkOptions("RMSNorm", options, KEYS);
    this.normalizedShape = typeof normalizedShape === "number"
      ? [normalizedShape]
      : [...normalizedShape];
    this.eps = o.eps ?? null;
    this.weight = (o.elementwiseAffine ?? true) ? parameter(full(this.normalizedShape, 1)) : null;
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, { eps: this.eps });
  }
  /** 2 per output element (the scale by 1/rms and by the weight), as the other norms. */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return 2 * output.size;
  }
  override toConfig(): ModuleConfig {
    return {
      type: "RMSNorm",
      options: {
        normalizedShape: this.normalizedShape,
        eps: this.eps,
        elementwiseAffine: this.weight !== null,
      },
    };
  }
}

registerModule(
  "RMSNorm",
  ({ options: { normalizedShape, ...rest } = {} }) =>
    new RMSNorm(normalizedShape as number[], rest as RMSNormOptions),
);
