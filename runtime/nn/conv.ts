/** Conv2d and ConvTranspose2d modules over the functional convolutions (NCHW). */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { uniform } from "../ops/creation.ts";
import {
  conv2d,
  type Conv2dOptions,
  convTranspose2d,
  type ConvTranspose2dOptions,
} from "../ops/conv.ts";
import { registerModule } from "./registry.ts";

type Size = number | readonly [number, number];

function pair(size: Size): [number, number] {
  return typeof size === "number" ? [size, size] : [size[0], size[1]];
}

function checkChannels(
  layer: string,
  inChannels: number,
  outChannels: number,
  groups: number,
): void {
  if (
    !Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 ||
    outChannels % groups !== 0
  ) {
    throw new Error(
      `${layer}: inChannels ${inChannels} and outChannels ${outChannels} must both be divisible by ` +
        `groups ${groups}`,
    );
  }
}

/** Options of Conv2d: the op's options plus whether to learn a bias. */
export interface Conv2dModuleOptions extends Conv2dOptions {
  bias?: boolean;
}

/**
 * 2-D convolution. Input [N, inChannels, H, W] → [N, outChannels, H', W']; weight
 * [outChannels, inChannels/groups, kH, kW] and bias start as PyTorch's: U(−1/√fanIn, 1/√fanIn)
 * with fanIn = inChannels/groups·kH·kW.
 * @example new nn.Conv2d(1, 32, 5, { padding: "same" })
 */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size,
    readonly options: Conv2dModuleOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    checkChannels("Conv2d", inChannels, outChannels, groups);
    this.kernelSize = pair(kernelSize);
    const [kh, kw] = this.kernelSize;
    const bound = 1 / Math.sqrt((inChannels / groups) * kh * kw);
    this.weight = parameter(uniform([outChannels, inChannels / groups, kh, kw], -bound, bound));
    this.bias = options.bias === false ? null : parameter(uniform([outChannels], -bound, bound));
  }
  forward(x: Tensor): Tensor {
    const { bias: _, ...convOptions } = this.options;
    return conv2d(x, this.weight, this.bias, convOptions);
  }
  override toConfig(): ModuleConfig {
    return {
      type: "Conv2d",
      options: {
        inChannels: this.inChannels,
        outChannels: this.outChannels,
        kernelSize: this.kernelSize,
        ...this.options,
      },
    };
  }
}
registerModule(
  "Conv2d",
  ({ options: { inChannels, outChannels, kernelSize, ...rest } = {} }) =>
    new Conv2d(
      inChannels as number,
      outChannels as number,
      kernelSize as Size,
      rest as Conv2dModuleOptions,
    ),
);

/** Options of ConvTranspose2d: the op's options plus whether to learn a bias. */
export interface ConvTranspose2dModuleOptions extends ConvTranspose2dOptions {
  bias?: boolean;
}

/**
 * Transposed 2-D convolution (the adjoint of Conv2d, an upsampling layer). Input
 * [N, inChannels, H, W] → [N, outChannels, H', W'] with H' = (H−1)·stride − 2·padding +
 * dilation·(kH−1) + outputPadding + 1; weight [inChannels, outChannels/groups, kH, kW], initialised
 * as PyTorch does (fanIn = outChannels/groups·kH·kW).
 * @example new nn.ConvTranspose2d(128, 64, 5, { stride: 2, padding: 2, outputPadding: 1 }) // 7 → 14
 */
export class ConvTranspose2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size,
    readonly options: ConvTranspose2dModuleOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    checkChannels("ConvTranspose2d", inChannels, outChannels, groups);
    this.kernelSize = pair(kernelSize);
    const [kh, kw] = this.kernelSize;
    const bound = 1 / Math.sqrt((outChannels / groups) * kh * kw);
    this.weight = parameter(uniform([inChannels, outChannels / groups, kh, kw], -bound, bound));
    this.bias = options.bias === false ? null : parameter(uniform([outChannels], -bound, bound));
  }
  forward(x: Tensor): Tensor {
    const { bias: _, ...convOptions } = this.options;
    return convTranspose2d(x, this.weight, this.bias, convOptions);
  }
  override toConfig(): ModuleConfig {
    return {
      type: "ConvTranspose2d",
      options: {
        inChannels: this.inChannels,
        outChannels: this.outChannels,
        kernelSize: this.kernelSize,
        ...this.options,
      },
    };
  }
}
registerModule(
  "ConvTranspose2d",
  ({ options: { inChannels, outChannels, kernelSize, ...rest } = {} }) =>
    new ConvTranspose2d(
      inChannels as number,
      outChannels as number,
      kernelSize as Size,
      rest as ConvTranspose2dModuleOptions,
    ),
);
