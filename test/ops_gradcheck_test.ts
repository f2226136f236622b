/**
 * Every differentiable op of F is gradient-checked against finite differences on several shapes
 * (size-1 dims, odd sizes 7 and 13, broadcasting), and a test proves the table misses none.
 */
import assert from "node:assert/strict";
import { F, gradcheck, manualSeed, rand, randn, type Tensor, tensor } from "../runtime/mod.ts";

import type { GradcheckCase as Case } from "./cases/case.ts";
import { convCases } from "./cases/conv_cases.ts";
import { nnCases } from "./cases/nn_cases.ts";
import { graphCases } from "./cases/graph_cases.ts";
import { onnxOpCases } from "./cases/onnx_op_cases.ts";
import { seqCases } from "./cases/seq_cases.ts";

/** Inputs away from 0 by at least `margin` in absolute value (for |x|, relu, sign kinks). */
function awayFromZero(shape: number[], margin = 0.1): Tensor {
  const x = randn(shape);
  const values = x.data() as Float32Array;
  const moved = values.map((v) => (v >= 0 ? v + margin : v - margin));
  return tensor(moved, { shape });
}

/** The values 0, 0.3, 0.6, ... in a seeded random order, shaped `shape`. */
function spread(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = [...Array(n).keys()];
  const draws = rand([n]).data();
  order.sort((i, j) => draws[i] - draws[j]);
  return tensor(order.map((i) => 0.3 * i - 0.15 * n), { shape });
}

function positive(shape: number[], low = 0.5): Tensor {
  return F.add(rand(shape), low);
}

const int = (values: number[], shape?: number[]) => tensor(values, { dtype: "int32", shape });

const unaryShapes = [[7], [1, 13], [3, 1, 5]];
const unaryCases = (
  name: string,
  f: (x: Tensor) => Tensor,
  make: (shape: number[]) => Tensor = (s) => randn(s),
): Case[] =>
  unaryShapes.map((shape) => ({
    label: `${name} ${JSON.stringify(shape)}`,
    inputs: () => [make(shape)],
    f,
  }));

const broadcastPairs: [number[], number[]][] = [[[7], [7]], [[3, 1], [1, 13]], [[2, 3, 4], [4]], [[
  5,
  1,
  3,
], [1]], [[1], [2, 7]]];
const binaryCases = (
  name: string,
  f: (a: Tensor, b: Tensor) => Tensor,
  makeB: (shape: number[]) => Tensor = (s) => randn(s),
): Case[] =>
  broadcastPairs.map(([sa, sb]) => ({
    label: `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
    inputs: () => [randn(sa), makeB(sb)],
    f,
  }));

/** Gradient-check cases, keyed by the name under which F exports the op. */
const coreCases: Record<string, Case[]> = {
  add: [...binaryCases("add", F.add), {
    label: "add scalar",
    inputs: () => [randn([7])],
    f: (x) => F.add(x, 3),
  }],
  sub: [...binaryCases("sub", F.sub), {
    label: "sub scalar",
    inputs: () => [randn([7])],
    f: (x) => F.sub(x, 3),
  }],
  mul: [...binaryCases("mul", F.mul), {
    label: "mul scalar",
    inputs: () => [randn([7])],
    f: (x) => F.mul(x, -2.5),
  }],
  div: [
    ...binaryCases("div", F.div, (s) => awayFromZero(s, 0.5)),
    { label: "div scalar", inputs: () => [randn([7])], f: (x) => F.div(x, 4) },
  ],
  pow: [
    { label: "pow scalar", inputs: () => [positive([7])], f: (x) => F.pow(x, 2.5) },
    { label: "pow tensor", inputs: () => [positive([3, 4]), randn([4])], f: (a, b) => F.pow(a, b) },
    {
      label: "pow integer exponent, negative base",
      inputs: () => [randn([13])],
      f: (x) => F.pow(x, 3),
    },
  ],
  neg: unaryCases("neg", F.neg),
  exp: unaryCases("exp", F.exp),
  log: unaryCases("log", F.log, (s) => positive(s)),
  log1p: unaryCases("log1p", F.log1p, (s) => rand(s)),
  sqrt: unaryCases("sqrt", F.sqrt, (s) => positive(s)),
  square: unaryCases("square", F.square),
  abs: unaryCases("abs", F.abs, (s) => awayFromZero(s)),
  clamp: unaryCases("clamp", (x) => F.clamp(x, { min: -0.5, max: 0.7 }), (s) => awayFromBounds(s)),
  where: [
    {
      label: "where broadcast",
      inputs: () => [randn([3, 4]), randn([4])],
      f: (a, b) => F.where(F.gt(a, 0), a, b),
    },
  ],
  maximum: latticeCases("maximum", F.maximum),
  minimum: latticeCases("minimum", F.minimum),
  sum: [
    { label: "sum all", inputs: () => [randn([3, 7])], f: (x) => F.sum(x) },
    { label: "sum dim 1 keepdim", inputs: () => [randn([3, 7, 2])], f: (x) => F.sum(x, 1, true) },
    { label: "sum dims [0, 2]", inputs: () => [randn([3, 1, 13])], f: (x) => F.sum(x, [0, 2]) },
  ],
  mean: [
    { label: "mean all", inputs: () => [randn([13])], f: (x) => F.mean(x) },
    { label: "mean dim -1", inputs: () => [randn([3, 7])], f: (x) => F.mean(x, -1) },
    {
      label: "mean dims [0, 1] keepdim",
      inputs: () => [randn([2, 3, 5])],
      f: (x) => F.mean(x, [0, 1], true),
    },
  ],
  max: [
    { label: "max all", inputs: () => [randn([13])], f: (x) => F.max(x) },
    { label: "max dim 1", inputs: () => [randn([3, 7, 2])], f: (x) => F.max(x, 1) },
  ],
  min: [
    { label: "min all", inputs: () => [randn([7, 1])], f: (x) => F.min(x) },
    { label: "min dim 0 keepdim", inputs: () => [randn([5, 3])], f: (x) => F.min(x, 0, true) },
  ],
  // Distinct values 0.3 apart, so that no finite-difference step crosses a tie.
  amax: [
    { label: "amax dims [0, 2]", inputs: () => [spread([3, 4, 5])], f: (x) => F.amax(x, [0, 2]) },
    {
      label: "amax dims [1, 2] keepdim",
      inputs: () => [spread([2, 3, 4])],
      f: (x) => F.amax(x, [1, 2], true),
    },
  ],
  amin: [
    { label: "amin dims [-1, 0]", inputs: () => [spread([4, 2, 5])], f: (x) => F.amin(x, [-1, 0]) },
  ],
  logsumexp: [
    { label: "logsumexp dim 1", inputs: () => [randn([3, 7])], f: (x) => F.logsumexp(x, 1) },
    {
      label: "logsumexp dim 0 keepdim",
      inputs: () => [randn([13, 2])],
      f: (x) => F.logsumexp(x, 0, true),
    },
  ],
  var: [
    { label: "var all", inputs: () => [randn([13])], f: (x) => F.var(x) },
    { label: "var dim 1 unbiased", inputs: () => [randn([3, 7])], f: (x) => F.var(x, 1) },
    {
      label: "var dim 0 biased",
      inputs: () => [randn([5, 3])],
      f: (x) => F.var(x, 0, { correction: 0 }),
    },
  ],
  reshape: [{
    label: "reshape",
    inputs: () => [randn([3, 4])],
    f: (x) => F.reshape(x, [2, -1, 3]),
  }],
  flatten: [{ label: "flatten 1..", inputs: () => [randn([2, 3, 4])], f: (x) => F.flatten(x, 1) }],
  squeeze: [{ label: "squeeze", inputs: () => [randn([3, 1, 2])], f: (x) => F.squeeze(x) }],
  unsqueeze: [{ label: "unsqueeze", inputs: () => [randn([3, 2])], f: (x) => F.unsqueeze(x, 1) }],
  transpose: [{
    label: "transpose",
    inputs: () => [randn([3, 7])],
    f: (x) => F.transpose(x, 0, 1),
  }],
  permute: [{
    label: "permute",
    inputs: () => [randn([2, 3, 4])],
    f: (x) => F.permute(x, [2, 0, 1]),
  }],
  expand: [{ label: "expand", inputs: () => [randn([3, 1])], f: (x) => F.expand(x, [2, 3, 5]) }],
  cat: [
    {
      label: "cat dim 0",
      inputs: () => [randn([2, 3]), randn([5, 3])],
      f: (a, b) => F.cat([a, b], 0),
    },
    {
      label: "cat dim 1",
      inputs: () => [randn([2, 1]), randn([2, 7])],
      f: (a, b) => F.cat([a, b, a], 1),
    },
  ],
  stack: [{
    label: "stack dim 1",
    inputs: () => [randn([2, 3]), randn([2, 3])],
    f: (a, b) => F.stack([a, b], 1),
  }],
  narrow: [{ label: "narrow", inputs: () => [randn([3, 7])], f: (x) => F.narrow(x, 1, 2, 4) }],
  slice: [
    {
      label: "slice step 2",
      inputs: () => [randn([7, 3])],
      f: (x) => F.slice(x, 0, 1, undefined, 2),
    },
    { label: "slice negative", inputs: () => [randn([2, 13])], f: (x) => F.slice(x, -1, -5, -1) },
  ],
  gather: [{
    label: "gather dim 1",
    inputs: () => [randn([3, 4])],
    f: (x) => F.gather(x, 1, int([0, 3, 3, 1, 2, 2], [3, 2])),
  }],
  indexSelect: [{
    label: "indexSelect dim 0 with repeats",
    inputs: () => [randn([5, 3])],
    f: (x) => F.indexSelect(x, 0, int([4, 0, 4, 2])),
  }],
  matmul: [
    { label: "matmul 2-D", inputs: () => [randn([7, 13]), randn([13, 5])], f: F.matmul },
    { label: "matmul 1-D · 2-D", inputs: () => [randn([13]), randn([13, 3])], f: F.matmul },
    { label: "matmul 2-D · 1-D", inputs: () => [randn([3, 13]), randn([13])], f: F.matmul },
    { label: "matmul 1-D · 1-D", inputs: () => [randn([7]), randn([7])], f: F.matmul },
    { label: "matmul batched", inputs: () => [randn([2, 3, 4]), randn([2, 4, 5])], f: F.matmul },
    {
      label: "matmul broadcast batch",
      inputs: () => [randn([2, 1, 3, 4]), randn([3, 4, 2])],
      f: F.matmul,
    },
    {
      label: "matmul batch · matrix",
      inputs: () => [randn([3, 7, 4]), randn([4, 1])],
      f: F.matmul,
    },
  ],
  linear: [
    {
      label: "linear with bias",
      inputs: () => [randn([5, 7]), randn([3, 7]), randn([3])],
      f: F.linear,
    },
    {
      label: "linear 3-D input, no bias",
      inputs: () => [randn([2, 3, 7]), randn([4, 7])],
      f: (x, w) => F.linear(x, w),
    },
  ],
  relu: unaryCases("relu", F.relu, (s) => awayFromZero(s)),
  leakyRelu: unaryCases("leakyRelu", (x) => F.leakyRelu(x, 0.2), (s) => awayFromZero(s)),
  sigmoid: unaryCases("sigmoid", F.sigmoid),
  tanh: unaryCases("tanh", F.tanh),
  softplus: [
    ...unaryCases("softplus", F.softplus),
    ...unaryCases("softplus beta 2", (x) => F.softplus(x, { beta: 2 })),
    // Threshold 0.5 with beta 2: the linear branch above x = 0.25; keep away from the switch.
    ...unaryCases(
      "softplus beta 2 threshold 0.5",
      (x) => F.softplus(x, { beta: 2, threshold: 0.5 }),
      (s) => F.add(awayFromZero(s), 0.25),
    ),
  ],
  gelu: [
    ...unaryCases("gelu", F.gelu),
    ...unaryCases("gelu tanh", (x) => F.gelu(x, { approximate: "tanh" })),
  ],
  elu: unaryCases("elu", (x) => F.elu(x, 1.3), (s) => awayFromZero(s)),
  silu: unaryCases("silu", F.silu),
  softmax: [
    { label: "softmax dim 1", inputs: () => [randn([3, 7])], f: (x) => F.softmax(x, 1) },
    {
      label: "softmax dim 0 (inner > 1)",
      inputs: () => [randn([5, 3, 2])],
      f: (x) => F.softmax(x, 0),
    },
  ],
  logSoftmax: [
    { label: "logSoftmax dim 1", inputs: () => [randn([3, 13])], f: (x) => F.logSoftmax(x, 1) },
    {
      label: "logSoftmax dim 1 (inner > 1)",
      inputs: () => [randn([2, 5, 3])],
      f: (x) => F.logSoftmax(x, 1),
    },
  ],
  mseLoss: [
    {
      label: "mseLoss",
      inputs: () => [randn([7, 3]), randn([7, 3])],
      f: (a, b) => F.mseLoss(a, b),
    },
    {
      label: "mseLoss sum",
      inputs: () => [randn([13])],
      f: (a) => F.mseLoss(a, F.mul(a, 0).add(1), { reduction: "sum" }),
    },
  ],
  l1Loss: [{
    label: "l1Loss",
    inputs: () => [randn([7, 3]), randn([7, 3])],
    f: (a, b) => F.l1Loss(a, b),
  }],
  huberLoss: [{
    label: "huberLoss both branches",
    inputs: () => [F.mul(randn([13]), 2), randn([13])],
    f: (a, b) => F.huberLoss(a, b, { delta: 0.8 }),
  }],
  smoothL1Loss: [
    {
      label: "smoothL1Loss both branches, beta 0.6",
      inputs: () => [F.mul(randn([13]), 2), randn([13])],
      f: (a, b) => F.smoothL1Loss(a, b, { beta: 0.6 }),
    },
    {
      label: "smoothL1Loss beta 0 (L1) sum",
      inputs: () => {
        const target = randn([7]);
        return [F.add(target, awayFromZero([7], 0.2)), target];
      },
      f: (a, b) => F.smoothL1Loss(a, b, { beta: 0, reduction: "sum" }),
    },
  ],
  crossEntropy: [
    {
      label: "crossEntropy [N, C]",
      inputs: () => [randn([5, 7])],
      f: (x) => F.crossEntropy(x, int([0, 6, 3, 3, 1])),
    },
    {
      label: "crossEntropy [N, C, d] none",
      inputs: () => [randn([2, 3, 4])],
      f: (x) => F.crossEntropy(x, int([0, 1, 2, 0, 2, 2, 1, 0], [2, 4]), { reduction: "none" }),
    },
  ],
  nllLoss: [{
    label: "nllLoss sum",
    inputs: () => [randn([4, 3])],
    f: (x) => F.nllLoss(F.logSoftmax(x, 1), int([2, 0, 1, 2]), { reduction: "sum" }),
  }],
  binaryCrossEntropy: [{
    label: "binaryCrossEntropy",
    // probabilities in [0.2, 0.8]: near 0 or 1 the curvature of log makes finite differences coarse
    inputs: () => [F.add(F.mul(rand([13]), 0.6), 0.2), rand([13])],
    f: (p, y) => F.binaryCrossEntropy(p, y),
  }],
  binaryCrossEntropyWithLogits: [{
    label: "binaryCrossEntropyWithLogits",
    inputs: () => [F.mul(randn([3, 7]), 3), rand([3, 7])],
    f: (x, y) => F.binaryCrossEntropyWithLogits(x, y),
  }],
};

/**
 * Pairs for maximum/minimum whose elements differ by at least 0.25 (a on odd quarters, b on
 * halves), so that no finite-difference step crosses the kink where a = b.
 */
function latticeCases(name: string, f: (a: Tensor, b: Tensor) => Tensor): Case[] {
  const lattice = (shape: number[], offset: number) => {
    const values = (randn(shape).data() as Float32Array).map((v) => Math.round(v * 2) / 2 + offset);
    return tensor(values, { shape });
  };
  return broadcastPairs.map(([sa, sb]) => ({
    label: `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
    inputs: () => [lattice(sa, 0.25), lattice(sb, 0)],
    f,
  }));
}

function awayFromBounds(shape: number[]): Tensor {
  const values = (randn(shape).data() as Float32Array).map((v) =>
    Math.abs(v + 0.5) < 0.1 || Math.abs(v - 0.7) < 0.1 ? v + 0.25 : v
  );
  return tensor(values, { shape });
}

const cases: Record<string, Case[]> = {
  ...coreCases,
  ...convCases,
  ...nnCases,
  ...graphCases,
  ...onnxOpCases,
  ...seqCases,
};

/** Ops of F with no gradient to check, and why. */
const notDifferentiable: Record<string, string> = {
  eq:
    "a comparison: piecewise constant, its gradient is zero almost everywhere and none is recorded",
  ne: "a comparison",
  lt: "a comparison",
  le: "a comparison",
  gt: "a comparison",
  ge: "a comparison",
  sign: "piecewise constant",
  argmax: "returns int32 indices",
  argmin: "returns int32 indices",
  causalMask: "a constant 0/1 mask of positions",
  sinusoidalPositionalEncoding: "a constant table of positions",
};

Deno.test("every op of F has a gradient check (or a reason it has none)", () => {
  const missing = Object.keys(F).filter((name) =>
    typeof (F as Record<string, unknown>)[name] === "function" &&
    !(name in cases) && !(name in notDifferentiable)
  );
  assert.deepEqual(missing, []);
});

for (const [name, list] of Object.entries(cases)) {
  Deno.test(`gradcheck ${name}`, () => {
    manualSeed(42);
    for (const c of list) {
      const inputs = c.inputs();
      try {
        gradcheck(c.f, inputs, c.options);
      } catch (error) {
        throw new Error(`${c.label}: ${(error as Error).message}`);
      }
    }
  });
}

Deno.test("gradcheck detects a wrong gradient and names the element", () => {
  // An op whose recorded gradient is deliberately off by a factor 2 must be caught.
  const x = randn([3, 2]);
  const wrong = (t: Tensor) => F.mul(t, 3).add(F.mul(t.detach(), 0)); // correct: 3
  assert.equal(gradcheck(wrong, [x]), true);
  const broken = (t: Tensor) => {
    const out = F.mul(t, 3);
    const node = out.node!;
    out.node = { ...node, backward: (g) => [F.mul(g, 6)] };
    return out;
  };
  assert.throws(() => gradcheck(broken, [x]), /input 0 \(shape \[3, 2\]\) element \[\d, \d\]/);
});
