/**
 * Gradient-check cases of the conv ops, keyed by their name in F (see test/ops_gradcheck_test.ts).
 * Together they cover strides 1-3, padding 0-2, dilation 1-2, groups 1 and >1, odd and unequal
 * sizes, batch 1 and 2, with and without bias, per-axis options, "same" with an even kernel, the
 * 1x1 path that skips im2col, and unbatched input. The ops are linear in each input, so central
 * differences are exact up to float32 rounding and the default tolerances are ample.
 */
import { F, randn, type Tensor } from "../../runtime/mod.ts";
import type { GradcheckCase } from "./case.ts";

type Conv2dOptions = Parameters<typeof F.conv2d>[3];
type ConvTranspose2dOptions = Parameters<typeof F.convTranspose2d>[3];

function conv2dCase(
  label: string,
  inputShape: number[],
  weightShape: number[],
  bias: boolean,
  options: Conv2dOptions,
): GradcheckCase {
  return {
    label: `conv2d ${label}`,
    inputs:
      () => [randn(inputShape), randn(weightShape), ...(bias ? [randn([weightShape[0]])] : [])],
    f: (x: Tensor, w: Tensor, b?: Tensor) => F.conv2d(x, w, b ?? null, options),
  };
}

function convTranspose2dCase(
  label: string,
  inputShape: number[],
  weightShape: number[],
  bias: boolean,
  options: ConvTranspose2dOptions,
): GradcheckCase {
  const outChannels = weightShape[1] * (options?.groups ?? 1);
  return {
    label: `convTranspose2d ${label}`,
    inputs: () => [randn(inputShape), randn(weightShape), ...(bias ? [randn([outChannels])] : [])],
    f: (x: Tensor, w: Tensor, b?: Tensor) => F.convTranspose2d(x, w, b ?? null, options),
  };
}

export const convCases: Record<string, GradcheckCase[]> = {
  conv2d: [
    conv2dCase("3x3 stride 1 padding 1, batch 2, bias", [2, 3, 5, 6], [4, 3, 3, 3], true, {
      padding: 1,
    }),
    conv2dCase("stride 2, dilation 2, groups 2, batch 2", [2, 4, 9, 7], [6, 2, 3, 3], false, {
      stride: 2,
      dilation: 2,
      groups: 2,
    }),
    conv2dCase("2x3 kernel, stride 3, padding 2, batch 1, bias", [1, 2, 8, 7], [3, 2, 2, 3], true, {
      stride: 3,
      padding: 2,
    }),
    conv2dCase(
      "per-axis stride [1, 2], padding [2, 0], dilation [2, 1], groups 3, bias",
      [1, 3, 7, 9],
      [6, 1, 3, 2],
      true,
      { stride: [1, 2], padding: [2, 0], dilation: [2, 1], groups: 3 },
    ),
    conv2dCase('"same" with an even 4x2 kernel, bias', [2, 2, 5, 4], [2, 2, 4, 2], true, {
      padding: "same",
    }),
    conv2dCase('"valid" 1x1 (no im2col), bias', [2, 3, 4, 5], [5, 3, 1, 1], true, {
      padding: "valid",
    }),
    conv2dCase("unbatched [C, H, W] input", [2, 5, 5], [3, 2, 3, 3], true, { stride: 2 }),
  ],
  convTranspose2d: [
    convTranspose2dCase("3x3 stride 1, batch 2, bias", [2, 3, 4, 5], [3, 2, 3, 3], true, {}),
    convTranspose2dCase(
      "stride 2, padding 1, outputPadding 1, groups 2, bias",
      [2, 4, 3, 4],
      [4, 3, 3, 3],
      true,
      { stride: 2, padding: 1, outputPadding: 1, groups: 2 },
    ),
    convTranspose2dCase(
      "2x3 kernel, stride 3, padding 2, dilation 2, outputPadding [2, 1], batch 1",
      [1, 2, 3, 3],
      [2, 3, 2, 3],
      false,
      { stride: 3, padding: 2, dilation: 2, outputPadding: [2, 1] },
    ),
    convTranspose2dCase(
      "per-axis stride [2, 1], dilation [1, 2], outputPadding [0, 1] (< dilation)",
      [1, 2, 4, 3],
      [2, 2, 3, 2],
      true,
      { stride: [2, 1], dilation: [1, 2], outputPadding: [0, 1] },
    ),
    convTranspose2dCase(
      "1x1 groups 3 (no col2im), batch 2, bias",
      [2, 3, 4, 4],
      [3, 2, 1, 1],
      true,
      {
        groups: 3,
      },
    ),
    convTranspose2dCase(
      "DCGAN-like 5x5 stride 2 padding 2 outputPadding 1, batch 2, bias",
      [2, 2, 3, 3],
      [2, 1, 5, 5],
      true,
      { stride: 2, padding: 2, outputPadding: 1 },
    ),
    convTranspose2dCase("unbatched [C, H, W] input", [2, 3, 2], [2, 3, 2, 2], true, {
      stride: [1, 2],
    }),
  ],
};
