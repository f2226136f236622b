/** Gradient-check cases of the general ops added for ONNX import, keyed by their name in F. */
import { F, randn } from "../../runtime/mod.ts";
import type { GradcheckCase } from "./case.ts";

export const onnxOpCases: Record<string, GradcheckCase[]> = {
  erf: [{
    label: "erf [3, 4] (both branches of the approximation)",
    inputs: () => [randn([3, 4])],
    f: (x) => F.erf(x),
  }],
  pad: [
    {
      label: "pad [2, 3, 4] padding and cropping",
      inputs: () => [randn([2, 3, 4])],
      f: (x) => F.pad(x, [2, -1, 1, 1], "constant", 0.5),
    },
    {
      label: "pad [2, 3, 4] reflect",
      inputs: () => [randn([2, 3, 4])],
      f: (x) => F.pad(x, [2, 1, 1, 2], "reflect"),
    },
  ],
  cumsum: [
    {
      label: "cumsum dim 1 of [2, 5, 3]",
      inputs: () => [randn([2, 5, 3])],
      f: (x) => F.cumsum(x, 1),
    },
    {
      label: "cumsum reverse exclusive, last dim",
      inputs: () => [randn([3, 4])],
      f: (x) => F.cumsum(x, -1, { reverse: true, exclusive: true }),
    },
  ],
  tril: [{
    label: "tril [2, 3, 4] diagonal 1",
    inputs: () => [randn([2, 3, 4])],
    f: (x) => F.tril(x, 1),
  }],
  triu: [{
    label: "triu [4, 3] diagonal -1",
    inputs: () => [randn([4, 3])],
    f: (x) => F.triu(x, -1),
  }],
};
