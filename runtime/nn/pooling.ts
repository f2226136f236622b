/** Pooling modules over the functional pooling ops. Input [N, C, H, W] (or [C, H, W]). */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import {
  adaptiveAvgPool2d,
  AVG_POOL2D_KEYS,
  avgPool2d,
  type AvgPool2dOptions,
  MAX_POOL2D_KEYS,
  maxPool2d,
  type MaxPool2dOptions,
  type PoolSize,
} from "../ops/pool.ts";
import { registerModule } from "./registry.ts";
import { checkOptions } from "../options.ts";

/** kH·kW of a pooling window. */
function windowSize(kernelSize: PoolSize): number {
  return typeof kernelSize === "number" ? kernelSize * kernelSize : kernelSize[0] * kernelSize[1];
}

/** Max over kH×kW windows. @example new nn.MaxPool2d(2) // 28×28 → 14×14 */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: PoolSize, readonly options: MaxPool2dOptions = {}) {
    super();
    checkOptions("MaxPool2d", options, MAX_POOL2D_KEYS);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
  /** kH·kW per output element (one compare per window element). */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return output.size * windowSize(this.kernelSize);
  }
  override toConfig(): ModuleConfig {
    return { type: "MaxPool2d", options: { kernelSize: this.kernelSize, ...this.options } };
  }
}
registerModule(
  "MaxPool2d",
  ({ options: { kernelSize, ...rest } = {} }) =>
    new MaxPool2d(kernelSize as PoolSize, rest as MaxPool2dOptions),
);

/** Mean over kH×kW windows. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: PoolSize, readonly options: AvgPool2dOptions = {}) {
    super();
    checkOptions("AvgPool2d", options, AVG_POOL2D_KEYS);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
  /** kH·kW per output element (one add per window element). */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return output.size * windowSize(this.kernelSize);
  }
  override toConfig(): ModuleConfig {
    return { type: "AvgPool2d", options: { kernelSize: this.kernelSize, ...this.options } };
  }
}
registerModule(
  "AvgPool2d",
  ({ options: { kernelSize, ...rest } = {} }) =>
    new AvgPool2d(kernelSize as PoolSize, rest as AvgPool2dOptions),
);

/** Mean pooling to a fixed output size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | [number | null, number | null]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  /** One add per input element. */
  override flops(inputs: readonly Tensor[]): number {
    return inputs[0].size;
  }
  override toConfig(): ModuleConfig {
    return { type: "AdaptiveAvgPool2d", options: { outputSize: this.outputSize } };
  }
}
registerModule(
  "AdaptiveAvgPool2d",
  ({ options: o = {} }) =>
    new AdaptiveAvgPool2d(o.outputSize as number | [number | null, number | null]),
);
