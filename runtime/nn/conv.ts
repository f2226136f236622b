/** Conv2d and ConvTranspose2d modules over the functional convolutions (NCHW). */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { uniform } from "../ops/creation.ts";
import {
  conv2d,
  CONV2D_KEYS,
  type Conv2dOptions,
  conv2dRelu,
  CONV_TRANSPOSE2D_KEYS,
  convTranspose2d,
  type ConvTranspose2dOptions,
} from "../ops/conv.ts";
import { registerModule } from "./registry.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

type Size = number | readonly [number, number];

/** Options of Conv2d: the op's options plus whether to learn a bias. */
export interface Conv2dModuleOptions extends Conv2dOptions {
  bias?: boolean;
}

/** Options of ConvTranspose2d: the op's options plus whether to learn a bias. */
export interface ConvTranspose2dModuleOptions extends ConvTranspose2dOptions {
  bias?: boolean;
}

/**
 * What the two layers share: channel checks, PyTorch's initialisation U(−1/√fanIn, 1/√fanIn) of
 * weight and bias, and the config. `weightShape` and `fanIn` differ between them.
 */
const CONV2D_MODULE_KEYS: OptionKeys<Conv2dModuleOptions> = { ...CONV2D_KEYS, bias: true };
const CONV_TRANSPOSE2D_MODULE_KEYS: OptionKeys<ConvTranspose2dModuleOptions> = {
  ...CONV_TRANSPOSE2D_KEYS,
  bias: true,
};

abstract class ConvLayer<O extends { groups?: number; bias?: boolean }> extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size,
    readonly options: O,
    shapeOf: (groups: number, kh: number, kw: number) => { weightShape: number[]; fanIn: number },
  ) {
    super();
    const groups = options.groups ?? 1;
    if (
      !Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 ||
      outChannels % groups !== 0
    ) {
      throw new Error(
        `${this.constructor.name}: inChannels ${inChannels} and outChannels ${outChannels} must ` +
          `both be divisible by groups ${groups}`,
      );
    }
    this.kernelSize = typeof kernelSize === "number"
      ? [kernelSize, kernelSize]
      : [kernelSize[0], kernelSize[1]];
    const { weightShape, fanIn } = shapeOf(groups, ...this.kernelSize);
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = parameter(uniform(weightShape, -bound, bound));
    this.bias = options.bias === false ? null : parameter(uniform([outChannels], -bound, bound));
  }
  /** The op's options (without the module's `bias` flag). */
  protected opOptions(): Omit<O, "bias"> {
    const { bias: _, ...rest } = this.options;
    return rest;
  }
  override toConfig(): ModuleConfig {
    return {
      type: this.constructor.name,
      options: {
        inChannels: this.inChannels,
        outChannels: this.outChannels,
        kernelSize: this.kernelSize,
        ...this.options,
      },
    };
  }
}

/**
 * 2-D convolution. Input [N, inChannels, H, W] → [N, outChannels, H', W']; weight
 * [outChannels, inChannels/groups, kH, kW]; fanIn = inChannels/groups·kH·kW.
 * @example new nn.Conv2d(1, 32, 5, { padding: "same" })
 */
export class Conv2d extends ConvLayer<Conv2dModuleOptions> {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size,
    options: Conv2dModuleOptions = {},
  ) {
    checkOptions("Conv2d", options, CONV2D_MODULE_KEYS);
    super(inChannels, outChannels, kernelSize, options, (groups, kh, kw) => ({
      weightShape: [outChannels, inChannels / groups, kh, kw],
      fanIn: (inChannels / groups) * kh * kw,
    }));
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opOptions());
  }
  /** relu(forward(x)) in one pass at inference (see conv2dRelu); `nn.fuse` fuses with it. */
  forwardRelu(x: Tensor): Tensor {
    return conv2dRelu(x, this.weight, this.bias, this.opOptions());
  }
  /** 2·(inChannels/groups)·kH·kW per output element. */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return (2 * output.size * this.weight.size) / this.weight.shape[0];
  }
}

/**
 * Transposed 2-D convolution (the adjoint of Conv2d, an upsampling layer). Input
 * [N, inChannels, H, W] → [N, outChannels, H', W'] with H' = (H−1)·stride − 2·padding +
 * dilation·(kH−1) + outputPadding + 1; weight [inChannels, outChannels/groups, kH, kW];
 * fanIn = outChannels/groups·kH·kW, as PyTorch computes it for this layout.
 * @example new nn.ConvTranspose2d(128, 64, 5, { stride: 2, padding: 2, outputPadding: 1 }) // 7 → 14
 */
export class ConvTranspose2d extends ConvLayer<ConvTranspose2dModuleOptions> {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size,
    options: ConvTranspose2dModuleOptions = {},
  ) {
    checkOptions("ConvTranspose2d", options, CONV_TRANSPOSE2D_MODULE_KEYS);
    super(inChannels, outChannels, kernelSize, options, (groups, kh, kw) => ({
      weightShape: [inChannels, outChannels / groups, kh, kw],
      fanIn: (outChannels / groups) * kh * kw,
    }));
  }
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, this.opOptions());
  }
  /** 2·(outChannels/groups)·kH·kW per input element (each scatters into a kH×kW window). */
  override flops(inputs: readonly Tensor[]): number {
    return (2 * inputs[0].size * this.weight.size) / this.weight.shape[0];
  }
}

for (const Layer of [Conv2d, ConvTranspose2d]) {
  registerModule(
    Layer.name,
    ({ options: { inChannels, outChannels, kernelSize, ...rest } = {} }) =>
      new Layer(inChannels as number, outChannels as number, kernelSize as Size, rest),
  );
}
