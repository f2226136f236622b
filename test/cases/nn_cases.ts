/** Gradient-check cases of the nn ops, keyed by their name in F (see test/ops_gradcheck_test.ts). */
import { F, manualSeed, rand, randn, type Tensor, tensor } from "../../runtime/mod.ts";
import type { GradcheckCase } from "./case.ts";

/**
 * A random permutation of n evenly spaced values in [−1, 1] (n = the shape's size): no two
 * elements are closer than 2/(n − 1), so a step below 1/n never changes which element of a
 * window is the largest and finite differences of max pooling stay exact.
 */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const keys = rand([n]).data();
  const order = [...keys.keys()].sort((a, b) => keys[a] - keys[b]);
  const values = new Float32Array(n);
  order.forEach((position, rank) => (values[position] = n === 1 ? 0 : -1 + (2 * rank) / (n - 1)));
  return tensor(values, { shape });
}

/** Gradcheck options for inputs made by `distinct`: a step of 0.4/n. */
const distinctStep = (shape: number[]) => ({ eps: 0.4 / shape.reduce((a, b) => a * b, 1) });

const int = (values: number[], shape?: number[]) => tensor(values, { dtype: "int32", shape });

/** Max pooling over one input shape with the given kernel and options. */
function maxPoolCase(
  shape: number[],
  kernel: F.PoolSize,
  options: F.MaxPool2dOptions = {},
): GradcheckCase {
  return {
    label: `maxPool2d ${JSON.stringify(shape)} kernel ${JSON.stringify(kernel)} ${
      JSON.stringify(options)
    }`,
    inputs: () => [distinct(shape)],
    f: (x) => F.maxPool2d(x, kernel, options),
    options: distinctStep(shape),
  };
}

/** Average pooling over one input shape with the given kernel and options (linear: any input). */
function avgPoolCase(
  shape: number[],
  kernel: F.PoolSize,
  options: F.AvgPool2dOptions = {},
): GradcheckCase {
  return {
    label: `avgPool2d ${JSON.stringify(shape)} kernel ${JSON.stringify(kernel)} ${
      JSON.stringify(options)
    }`,
    inputs: () => [randn(shape)],
    f: (x) => F.avgPool2d(x, kernel, options),
  };
}

/** Fixed running statistics of C channels (a positive variance), made inside f so they are constants. */
const runningMean = (c: number) => tensor(Array.from({ length: c }, (_, i) => 0.3 * i - 0.4));
const runningVar = (c: number) => tensor(Array.from({ length: c }, (_, i) => 0.5 + 0.25 * i));

export const nnCases: Record<string, GradcheckCase[]> = {
  maxPool2d: [
    maxPoolCase([1, 1, 7, 7], 3, { stride: 1 }),
    maxPoolCase([2, 3, 7, 7], 2),
    maxPoolCase([2, 2, 13, 13], 3, { stride: 2, padding: 1 }),
    maxPoolCase([1, 2, 7, 13], [3, 2], { stride: [3, 1], padding: [1, 0], ceilMode: true }),
    maxPoolCase([2, 1, 7, 7], 3, { stride: 2, padding: 1, dilation: 2 }),
    maxPoolCase([3, 7, 7], 3, { stride: 3, ceilMode: true }),
    maxPoolCase([1, 1, 13, 7], 4, { stride: 3, padding: 2, dilation: [1, 2], ceilMode: true }),
    maxPoolCase([2, 2, 7, 13], 5, { stride: 1, padding: 2 }),
  ],
  avgPool2d: [
    avgPoolCase([1, 1, 7, 7], 3, { stride: 1 }),
    avgPoolCase([2, 3, 7, 7], 2),
    avgPoolCase([2, 2, 13, 13], 3, { stride: 2, padding: 1, countIncludePad: false }),
    avgPoolCase([1, 2, 7, 13], [3, 2], { stride: [3, 1], padding: [1, 0], ceilMode: true }),
    avgPoolCase([3, 7, 7], 4, { stride: 3, padding: 2, ceilMode: true, countIncludePad: false }),
    avgPoolCase([2, 1, 7, 7], 3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 5 }),
    avgPoolCase([1, 2, 13, 13], 5, { stride: 1, padding: 2, countIncludePad: false }),
  ],
  adaptiveAvgPool2d: [
    {
      label: "adaptiveAvgPool2d 7x7 → 3x3",
      inputs: () => [randn([2, 3, 7, 7])],
      f: (x) => F.adaptiveAvgPool2d(x, 3),
    },
    {
      label: "adaptiveAvgPool2d 13x7 → 5x3",
      inputs: () => [randn([1, 2, 13, 7])],
      f: (x) => F.adaptiveAvgPool2d(x, [5, 3]),
    },
    {
      label: "adaptiveAvgPool2d [C, H, W] 7x13 → 7x4",
      inputs: () => [randn([3, 7, 13])],
      f: (x) => F.adaptiveAvgPool2d(x, [null, 4]),
    },
    {
      label: "adaptiveAvgPool2d global",
      inputs: () => [randn([2, 2, 5, 7])],
      f: (x) => F.adaptiveAvgPool2d(x, 1),
    },
  ],
  batchNorm: [
    {
      label: "batchNorm training [N, C] with weight, bias and running stats",
      inputs: () => [randn([5, 3]), randn([3]), randn([3])],
      f: (x, w, b) =>
        F.batchNorm(x, runningMean(3), runningVar(3), w, b, { training: true, momentum: 0.2 }),
      // With 5 values per channel one element moves the batch statistics a lot: a smaller step
      // keeps the curvature out of the central difference.
      options: { eps: 2e-3 },
    },
    {
      label: "batchNorm training [N, C, L] without affine",
      inputs: () => [randn([2, 3, 7])],
      f: (x) => F.batchNorm(x, null, null, null, null, { training: true }),
    },
    {
      label: "batchNorm training [N, C, H, W] batch 1",
      inputs: () => [randn([1, 2, 5, 5]), randn([2]), randn([2])],
      f: (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }),
    },
    {
      label: "batchNorm training [N, C, H, W] weight only",
      inputs: () => [randn([3, 2, 3, 3]), randn([2])],
      f: (x, w) => F.batchNorm(x, null, null, w, null, { training: true, eps: 1e-3 }),
    },
    {
      label: "batchNorm eval [N, C, L]",
      inputs: () => [randn([3, 4, 7]), randn([4]), randn([4])],
      f: (x, w, b) => F.batchNorm(x, runningMean(4), runningVar(4), w, b),
    },
    {
      label: "batchNorm eval [N, C, H, W] bias only",
      inputs: () => [randn([2, 3, 5, 5]), randn([3])],
      f: (x, b) => F.batchNorm(x, runningMean(3), runningVar(3), null, b),
    },
  ],
  layerNorm: [
    {
      label: "layerNorm [3, 7] over 7 with weight and bias",
      inputs: () => [randn([3, 7]), randn([7]), randn([7])],
      f: (x, w, b) => F.layerNorm(x, 7, w, b),
    },
    {
      label: "layerNorm [2, 3, 4] over [3, 4]",
      inputs: () => [randn([2, 3, 4])],
      f: (x) => F.layerNorm(x, [3, 4]),
    },
    {
      label: "layerNorm [13] weight only",
      inputs: () => [randn([13]), randn([13])],
      f: (x, w) => F.layerNorm(x, [13], w, null, { eps: 1e-3 }),
    },
  ],
  dropout: [
    {
      // Reseeding inside f draws the same mask on every call.
      label: "dropout p 0.3",
      inputs: () => [randn([7, 13])],
      f: (x) => {
        manualSeed(7);
        return F.dropout(x, { p: 0.3 });
      },
    },
    {
      label: "dropout p 0.5 [2, 3, 5]",
      inputs: () => [randn([2, 3, 5])],
      f: (x) => {
        manualSeed(11);
        return F.dropout(x);
      },
    },
    { label: "dropout p 1", inputs: () => [randn([7])], f: (x) => F.dropout(x, { p: 1 }) },
    {
      label: "dropout eval",
      inputs: () => [randn([3, 5])],
      f: (x) => F.dropout(x, { training: false }),
    },
  ],
  embedding: [
    {
      label: "embedding with repeats",
      inputs: () => [randn([10, 3]), int([1, 4, 4, 9, 0, 4, 7, 1], [2, 4])],
      f: (w, i) => F.embedding(i, w),
    },
    // The padding row gets no gradient although the forward reads it (PyTorch's rule, checked
    // exactly in norm_test.ts); masking the outputs that read it makes its true derivative 0 too.
    {
      label: "embedding paddingIdx 2",
      inputs: () => [randn([5, 4]), int([2, 0, 2, 3, 4, 4, 1])],
      f: (w, i) =>
        F.mul(
          F.embedding(i, w, { paddingIdx: 2 }),
          tensor([0, 1, 0, 1, 1, 1, 1], { shape: [7, 1] }),
        ),
    },
    {
      label: "embedding paddingIdx −1",
      inputs: () => [randn([6, 2]), int([5, 5, 0, 3], [2, 1, 2])],
      f: (w, i) =>
        F.mul(F.embedding(i, w, { paddingIdx: -1 }), tensor([0, 0, 1, 1], { shape: [2, 1, 2, 1] })),
    },
  ],
};
