import assert from "node:assert/strict";
import { BinaryOp, UnaryOp } from "../../runtime/backend/bindings/elementwise.ts";
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertClose, ODD_SIZES, type Tolerance } from "./close.ts";

const builds = await bothBuilds();

// ---- float64 references ----

/** erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)): positive terms, no cancellation. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 500 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/** erfc(x) for x ≥ 3 by its continued fraction, evaluated from the tail. */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let k = 300; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return x < 3 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

const normalCdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
const normalPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const gelu = (x: number) => x === -Infinity ? 0 : x * normalCdf(x);
const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x - x);

// ---- unary ----

type Unary = (x: number, alpha: number, beta: number) => number;
interface UnaryCase {
  name: keyof typeof UnaryOp;
  ref: Unary;
  /** Maps a seeded value in [-1, 1) to a test input. */
  input: (u: number) => number;
  tolerance: Tolerance;
  alpha?: number;
  beta?: number;
}

const wide = (scale: number) => (u: number) => u * scale;
const positive = (scale: number) => (u: number) => Math.abs(u) * scale + 1e-3;
const exact: Tolerance = { ulps: 0.5 };

const unaryCases: UnaryCase[] = [
  { name: "Copy", ref: (x) => x, input: wide(10), tolerance: exact },
  { name: "Neg", ref: (x) => -x, input: wide(10), tolerance: exact },
  { name: "Abs", ref: Math.abs, input: wide(10), tolerance: exact },
  { name: "Exp", ref: Math.exp, input: wide(20), tolerance: { ulps: 1 } },
  { name: "Log", ref: Math.log, input: positive(100), tolerance: { ulps: 1 } },
  { name: "Sqrt", ref: Math.sqrt, input: positive(100), tolerance: exact },
  { name: "Relu", ref: (x) => Math.max(x, 0), input: wide(10), tolerance: exact },
  {
    name: "LeakyRelu",
    ref: (x, a) => (x > 0 ? x : x * a),
    input: wide(10),
    tolerance: exact,
    alpha: 0.01,
  },
  { name: "Sigmoid", ref: sigmoid, input: wide(30), tolerance: { ulps: 2.5 } },
  { name: "Tanh", ref: Math.tanh, input: wide(6), tolerance: { ulps: 1.5 } },
  { name: "Softplus", ref: softplus, input: wide(30), tolerance: { ulps: 1 } },
  { name: "Gelu", ref: gelu, input: wide(8), tolerance: { ulps: 1 } },
  {
    name: "Elu",
    ref: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
    input: wide(8),
    tolerance: { ulps: 2 },
    alpha: 1.3,
  },
  { name: "Silu", ref: (x) => x * sigmoid(x), input: wide(20), tolerance: { ulps: 3 } },
  {
    name: "PowScalar",
    ref: (x, a) => x ** a,
    input: positive(10),
    tolerance: { ulps: 1 },
    alpha: 1.7,
  },
  { name: "PowScalar", ref: (x, a) => x ** a, input: wide(10), tolerance: exact, alpha: 2 },
  { name: "PowScalar", ref: (x, a) => x ** a, input: wide(10), tolerance: { ulps: 1 }, alpha: 3 },
  { name: "PowScalar", ref: Math.sqrt, input: positive(10), tolerance: exact, alpha: 0.5 },
  { name: "PowScalar", ref: (x) => 1 / x, input: wide(10), tolerance: exact, alpha: -1 },
  { name: "PowScalar", ref: () => 1, input: wide(10), tolerance: exact, alpha: 0 },
  { name: "PowScalar", ref: (x) => x, input: wide(10), tolerance: exact, alpha: 1 },
  { name: "AddScalar", ref: (x, a) => x + a, input: wide(10), tolerance: exact, alpha: 0.3 },
  { name: "MulScalar", ref: (x, a) => x * a, input: wide(10), tolerance: exact, alpha: -1.7 },
  {
    name: "Clamp",
    ref: (x, a, b) => Math.min(Math.max(x, a), b),
    input: wide(2),
    tolerance: exact,
    alpha: -0.3,
    beta: 0.5,
  },
  {
    name: "Clamp",
    ref: (x, a) => Math.max(x, a),
    input: wide(2),
    tolerance: exact,
    alpha: 0.1,
    beta: Infinity,
  },
  { name: "Square", ref: (x) => x * x, input: wide(10), tolerance: exact },
  { name: "Reciprocal", ref: (x) => 1 / x, input: wide(10), tolerance: exact },
  { name: "Sign", ref: sign, input: (u) => (Math.abs(u) < 0.2 ? 0 : u), tolerance: exact },
  { name: "Log1p", ref: Math.log1p, input: (u) => u * 0.999, tolerance: { ulps: 1 } },
  { name: "Log1p", ref: Math.log1p, input: positive(1e3), tolerance: { ulps: 1 } },
  { name: "RsubScalar", ref: (x, a) => a - x, input: wide(10), tolerance: exact, alpha: 2.5 },
  { name: "RdivScalar", ref: (x, a) => a / x, input: wide(10), tolerance: exact, alpha: 2.5 },
];

function runUnary(
  h: KernelHarness,
  name: keyof typeof UnaryOp,
  input: ArrayLike<number>,
  alpha = 0,
  beta = 0,
): Float32Array {
  const n = input.length;
  const x = h.f32(input);
  const out = h.alloc(n * 4);
  h.k.unaryF32(UnaryOp[name], x, out, n, alpha, beta);
  return h.readF32(out, n);
}

/** Inputs that stress each unary op's range, with their exact-or-limit expected outputs. */
const unaryEdges: [keyof typeof UnaryOp, number[], number[], number?][] = [
  ["Exp", [89, -104, 0, -Infinity, Infinity, NaN], [Infinity, 0, 1, 0, Infinity, NaN]],
  ["Log", [0, -1, 1, Infinity], [-Infinity, NaN, 0, Infinity]],
  ["Sigmoid", [1e4, -1e4, Infinity, -Infinity, 0, NaN], [1, 0, 1, 0, 0.5, NaN]],
  ["Sigmoid", [-100, 100], [sigmoid(-100), 1]],
  ["Tanh", [20, -20, 1e4, -1e4, Infinity, -Infinity], [1, -1, 1, -1, 1, -1]],
  ["Softplus", [1e4, -1e4, -100, Infinity, -Infinity], [1e4, 0, softplus(-100), Infinity, 0]],
  ["Gelu", [-10, -5, 1e4, -1e4, Infinity, -Infinity], [
    gelu(-10),
    gelu(-5),
    1e4,
    0,
    Infinity,
    0,
  ]],
  ["Elu", [-1e4, -Infinity, 1e4], [-1.3, -1.3, 1e4], 1.3],
  ["Silu", [-1e4, 1e4, -100], [0, 1e4, -100 * sigmoid(-100)]],
  ["Relu", [NaN, -0, -1e-45], [NaN, 0, 0]],
  ["Sign", [0, -0, NaN, -1e-45, 1e-45], [0, 0, NaN, -1, 1]],
  ["Log1p", [-1, 1e-30, -0.5], [-Infinity, 1e-30, Math.log1p(-0.5)]],
];

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`unaryF32 matches float64 references at odd sizes ${tag}`, () => {
    for (const c of unaryCases) {
      for (const n of ODD_SIZES) {
        h.reset();
        const input = Float32Array.from(seededValues(n, n + 11), c.input);
        const got = runUnary(h, c.name, input, c.alpha, c.beta);
        const [alpha, beta] = [Math.fround(c.alpha ?? 0), Math.fround(c.beta ?? 0)];
        const expected = Array.from(input, (x) => c.ref(x, alpha, beta));
        assertClose(got, expected, c.tolerance, `${c.name}(alpha=${c.alpha}) n=${n}`);
      }
    }
  });

  Deno.test(`unaryF32 stays finite and exact at extreme inputs ${tag}`, () => {
    for (const [name, input, expected, alpha] of unaryEdges) {
      h.reset();
      const got = runUnary(h, name, input, alpha ?? 0);
      // Results below 2^-126 carry fewer bits: allow a small absolute error there.
      assertClose(got, expected, { ulps: 3, abs: 1e-43 }, `${name} edges`);
    }
    const erfcTail = runUnary(h, "Gelu", [-12, -8, -3])
      .map((v, i) => v / gelu([-12, -8, -3][i]) - 1);
    for (const e of erfcTail) assert.ok(Math.abs(e) < 3e-7, `gelu lower tail relative error ${e}`);
  });

  Deno.test(`unaryF32 gives SIMD lanes and scalar tails the same bits ${tag}`, () => {
    // n = 11: eight elements in the SIMD body, three in the tail, all with the same input.
    for (const c of unaryCases) {
      for (const u of [-0.9, -0.31, 0, 0.07, 0.5, 0.99]) {
        h.reset();
        const value = Math.fround(c.input(u));
        const got = runUnary(h, c.name, new Array(11).fill(value), c.alpha, c.beta);
        assert.ok(
          got.every((v) => Object.is(v, got[0])),
          `${c.name}(${value}) differs by position: ${got}`,
        );
      }
    }
  });

  Deno.test(`unaryF32 works in place ${tag}`, () => {
    h.reset();
    const input = seededValues(33, 5);
    const x = h.f32(input);
    h.k.unaryF32(UnaryOp.Tanh, x, x, 33, 0, 0);
    assertClose(h.readF32(x, 33), Array.from(input, Math.tanh), { ulps: 1.5 }, "tanh in place");
    h.k.unaryF32(UnaryOp.MulScalar, x, x, 33, 2, 0);
    assertClose(
      h.readF32(x, 33),
      Array.from(input, (v) => 2 * Math.fround(Math.tanh(v))),
      { ulps: 2 },
      "mul in place",
    );
  });
}

// ---- binary ----

type Binary = (a: number, b: number, alpha: number, beta: number) => number;
interface BinaryCase {
  name: keyof typeof BinaryOp;
  ref: Binary;
  a: (u: number) => number;
  b: (u: number) => number;
  tolerance: Tolerance;
  alpha?: number;
  beta?: number;
}

const unit = (u: number) => u;
/** Values with many exact ties between a and b, for comparisons. */
const coarse = (u: number) => Math.round(u * 3) / 2;
const probability = (u: number) => (u + 1) / 2;

const binaryCases: BinaryCase[] = [
  { name: "Add", ref: (a, b) => a + b, a: wide(10), b: wide(10), tolerance: exact },
  { name: "Sub", ref: (a, b) => a - b, a: wide(10), b: wide(10), tolerance: exact },
  { name: "Mul", ref: (a, b) => a * b, a: wide(10), b: wide(10), tolerance: exact },
  { name: "Div", ref: (a, b) => a / b, a: wide(10), b: wide(10), tolerance: exact },
  { name: "Pow", ref: (a, b) => a ** b, a: positive(4), b: wide(3), tolerance: { ulps: 1 } },
  { name: "Maximum", ref: (a, b) => Math.max(a, b), a: coarse, b: coarse, tolerance: exact },
  { name: "Minimum", ref: (a, b) => Math.min(a, b), a: coarse, b: coarse, tolerance: exact },
  { name: "Eq", ref: (a, b) => +(a === b), a: coarse, b: coarse, tolerance: exact },
  { name: "Ne", ref: (a, b) => +(a !== b), a: coarse, b: coarse, tolerance: exact },
  { name: "Lt", ref: (a, b) => +(a < b), a: coarse, b: coarse, tolerance: exact },
  { name: "Le", ref: (a, b) => +(a <= b), a: coarse, b: coarse, tolerance: exact },
  { name: "Gt", ref: (a, b) => +(a > b), a: coarse, b: coarse, tolerance: exact },
  { name: "Ge", ref: (a, b) => +(a >= b), a: coarse, b: coarse, tolerance: exact },
  {
    name: "BceWithLogits",
    ref: (a, b) => Math.max(a, 0) - a * b + Math.log1p(Math.exp(-Math.abs(a))),
    a: wide(10),
    b: probability,
    tolerance: { abs: 4e-6, rel: 1e-6 },
  },
  { name: "ReluGrad", ref: (g, x) => (x <= 0 ? 0 : g), a: unit, b: coarse, tolerance: exact },
  {
    name: "LeakyReluGrad",
    ref: (g, x, a) => (x > 0 ? g : g * a),
    a: unit,
    b: coarse,
    tolerance: exact,
    alpha: 0.2,
  },
  {
    name: "SigmoidGrad",
    ref: (g, y) => g * y * (1 - y),
    a: unit,
    b: probability,
    tolerance: { ulps: 2, abs: 1e-12 },
  },
  {
    name: "TanhGrad",
    ref: (g, y) => g * (1 - y * y),
    a: unit,
    b: unit,
    tolerance: { ulps: 2, abs: 1e-7 },
  },
  {
    name: "SoftplusGrad",
    ref: (g, x) => g * sigmoid(x),
    a: unit,
    b: wide(20),
    tolerance: { ulps: 3 },
  },
  {
    name: "GeluGrad",
    ref: (g, x) => g * (normalCdf(x) + x * normalPdf(x)),
    a: unit,
    b: wide(6),
    tolerance: { ulps: 2, abs: 1e-12 },
  },
  {
    name: "EluGrad",
    ref: (g, x, a) => (x > 0 ? g : g * a * Math.exp(x)),
    a: unit,
    b: wide(5),
    tolerance: { ulps: 3 },
    alpha: 0.7,
  },
  {
    name: "SiluGrad",
    ref: (g, x) => g * sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    a: unit,
    b: wide(10),
    tolerance: { ulps: 4, abs: 5e-7 },
  },
  { name: "AbsGrad", ref: (g, x) => g * sign(x), a: unit, b: coarse, tolerance: exact },
  {
    name: "ClampGrad",
    ref: (g, x, lo, hi) => (x >= lo && x <= hi ? g : 0),
    a: unit,
    b: coarse,
    tolerance: exact,
    alpha: -0.5,
    beta: 1,
  },
  {
    name: "PowScalarGrad",
    ref: (g, x, a) => g * a * x ** (a - 1),
    a: unit,
    b: positive(5),
    tolerance: { ulps: 3 },
    alpha: 2.5,
  },
  {
    name: "PowScalarGrad",
    ref: () => 0,
    a: unit,
    b: wide(5),
    tolerance: exact,
    alpha: 0,
  },
  {
    name: "BceWithLogitsGrad",
    ref: (x, t) => sigmoid(x) - t,
    a: wide(10),
    b: probability,
    tolerance: { abs: 2e-7 },
  },
];

/** Row-major contiguous strides of a shape. */
function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

/** numpy broadcast of two shapes. */
function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    assert.ok(x === y || x === 1 || y === 1, `shapes ${a} and ${b} do not broadcast`);
    return Math.max(x, y);
  });
}

/** Element strides of a contiguous tensor of `shape` read as `outShape` (0 on broadcast dims). */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const own = contiguousStrides(shape);
  const pad = outShape.length - shape.length;
  return outShape.map((_, d) => (d < pad || shape[d - pad] === 1 ? 0 : own[d - pad]));
}

/** The elements of a strided view, in row-major order of its shape. */
function viewValues(
  data: ArrayLike<number>,
  offset: number,
  shape: number[],
  strides: number[],
): number[] {
  const total = shape.reduce((p, s) => p * s, 1);
  const values: number[] = [];
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += index[d] * strides[d];
    values.push(data[at]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return values;
}

/** An operand: data in memory, plus the element offset and strides at which the op reads it. */
interface Operand {
  data: Float32Array;
  offset: number;
  strides: number[];
}

function operand(data: Float32Array, shape: number[], outShape: number[]): Operand {
  return { data, offset: 0, strides: broadcastStrides(shape, outShape) };
}

function runBinary(
  h: KernelHarness,
  op: number,
  a: Operand,
  b: Operand,
  outShape: number[],
  alpha = 0,
  beta = 0,
): Float32Array {
  const n = outShape.reduce((p, s) => p * s, 1);
  const pa = h.f32(a.data) + a.offset * 4;
  const pb = h.f32(b.data) + b.offset * 4;
  const out = h.alloc(n * 4);
  const rank = outShape.length;
  h.k.binaryF32(
    op,
    pa,
    pb,
    out,
    rank,
    h.i32(outShape),
    h.i32(a.strides),
    h.i32(b.strides),
    alpha,
    beta,
  );
  return h.readF32(out, n);
}

/** [shape of a, shape of b] pairs covering contiguous, scalar, row, column and middle broadcasts. */
const broadcastCases: [number[], number[]][] = [
  [[1000], [1000]],
  [[7], []],
  [[], [13]],
  [[], []],
  [[5, 33], [33]],
  [[5, 33], [5, 1]],
  [[3, 7, 5], [3, 1, 5]],
  [[7, 1], [1, 13]],
  [[2, 3, 4, 5], [3, 1, 5]],
  [[2, 1, 3], [2, 4, 1]],
  [[1, 1], [1]],
  [[4, 1, 1, 6], [1, 3, 2, 1]],
];

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`binaryF32 matches float64 references for every op and broadcast ${tag}`, () => {
    for (const c of binaryCases) {
      for (const [shapeA, shapeB] of broadcastCases) {
        h.reset();
        const outShape = broadcastShape(shapeA, shapeB);
        const sizeA = shapeA.reduce((p, s) => p * s, 1);
        const sizeB = shapeB.reduce((p, s) => p * s, 1);
        const a = Float32Array.from(seededValues(sizeA, sizeA + 3), c.a);
        const b = Float32Array.from(seededValues(sizeB, sizeB + 5), c.b);
        const opA = operand(a, shapeA, outShape);
        const opB = operand(b, shapeB, outShape);
        const got = runBinary(h, BinaryOp[c.name], opA, opB, outShape, c.alpha, c.beta);
        const va = viewValues(a, 0, outShape, opA.strides);
        const vb = viewValues(b, 0, outShape, opB.strides);
        const [alpha, beta] = [Math.fround(c.alpha ?? 0), Math.fround(c.beta ?? 0)];
        const expected = va.map((x, i) => c.ref(x, vb[i], alpha, beta));
        assertClose(
          got,
          expected,
          c.tolerance,
          `${c.name}(alpha=${c.alpha}) [${shapeA}] ∘ [${shapeB}]`,
        );
      }
    }
  });

  Deno.test(`binaryF32 gives SIMD lanes and scalar tails the same bits ${tag}`, () => {
    for (const c of binaryCases) {
      for (const u of [-0.9, -0.31, 0, 0.07, 0.5, 0.99]) {
        h.reset();
        const a = new Float32Array(7).fill(c.a(u));
        const b = new Float32Array(7).fill(c.b(-u / 2));
        const got = runBinary(
          h,
          BinaryOp[c.name],
          operand(a, [7], [7]),
          operand(b, [7], [7]),
          [
            7,
          ],
          c.alpha,
          c.beta,
        );
        assert.ok(
          got.every((v) => Object.is(v, got[0])),
          `${c.name}(${a[0]}, ${b[0]}) differs by position: ${got}`,
        );
      }
    }
  });

  Deno.test(`binaryF32 reads transposed and reversed views ${tag}`, () => {
    h.reset();
    // a: a [13, 7] buffer read as its transpose [7, 13]; b: 13 floats read backwards.
    const a = seededValues(91, 1);
    const b = seededValues(13, 2);
    const outShape = [7, 13];
    const opA: Operand = { data: a, offset: 0, strides: [1, 7] };
    const opB: Operand = { data: b, offset: 12, strides: [0, -1] };
    for (const name of ["Sub", "Pow", "Maximum"] as const) {
      const got = runBinary(h, BinaryOp[name], opA, opB, outShape);
      const va = viewValues(a, 0, outShape, opA.strides);
      const vb = viewValues(b, 12, outShape, opB.strides);
      const ref = binaryCases.find((c) => c.name === name)!.ref;
      assertClose(got, va.map((x, i) => ref(x, vb[i], 0, 0)), { ulps: 1 }, `${name} views`);
    }
    // A column of a [5, 4] buffer, strided in the run dim and broadcast over a new leading dim.
    const column: Operand = { data: seededValues(20, 3), offset: 2, strides: [0, 4] };
    const row = operand(seededValues(5, 4), [5], [3, 5]);
    const got = runBinary(h, BinaryOp.Mul, column, row, [3, 5]);
    const vc = viewValues(column.data, 2, [3, 5], column.strides);
    const vr = viewValues(row.data, 0, [3, 5], row.strides);
    assertClose(got, vc.map((x, i) => x * vr[i]), exact, "column view");
  });

  Deno.test(`binaryF32 writes nothing for an empty output ${tag}`, () => {
    h.reset();
    const out = h.f32([42]);
    const a = h.f32([1, 2, 3]);
    h.k.binaryF32(BinaryOp.Add, a, a, out, 2, h.i32([3, 0]), h.i32([1, 0]), h.i32([1, 0]), 0, 0);
    assert.equal(h.readF32(out, 1)[0], 42);
  });

  Deno.test(`binaryF32 BceWithLogits is finite for logits of ±1e4 ${tag}`, () => {
    h.reset();
    const x = Float32Array.from([1e4, -1e4, 1e4, -1e4, 0]);
    const t = Float32Array.from([1, 0, 0, 1, 0.5]);
    const got = runBinary(h, BinaryOp.BceWithLogits, operand(x, [5], [5]), operand(t, [5], [5]), [
      5,
    ]);
    assertClose(got, [0, 0, 1e4, 1e4, Math.LN2], { ulps: 1 }, "bce extremes");
    const grad = runBinary(
      h,
      BinaryOp.BceWithLogitsGrad,
      operand(x, [5], [5]),
      operand(t, [5], [5]),
      [5],
    );
    assertClose(grad, [0, 0, 1, -1, 0], { ulps: 1 }, "bce grad extremes");
  });
}

// ---- where ----

for (const h of builds) {
  Deno.test(`whereF32 selects with broadcasting; NaN is true and −0 false [${h.build}]`, () => {
    const cases: [number[], number[], number[]][] = [
      [[1000], [1000], [1000]],
      [[33], [33], []],
      [[5, 1], [5, 7], [7]],
      [[3, 1, 5], [1, 4, 5], [3, 4, 1]],
      [[], [13], [13]],
    ];
    for (const [shapeC, shapeA, shapeB] of cases) {
      h.reset();
      const outShape = broadcastShape(broadcastShape(shapeC, shapeA), shapeB);
      const size = (s: number[]) => s.reduce((p, e) => p * e, 1);
      const cond = Float32Array.from(
        seededValues(size(shapeC), 9),
        (u, i) => [0, -0, NaN, 1, u][i % 5],
      );
      const a = seededValues(size(shapeA), 10);
      const b = seededValues(size(shapeB), 11);
      const stridesC = broadcastStrides(shapeC, outShape);
      const stridesA = broadcastStrides(shapeA, outShape);
      const stridesB = broadcastStrides(shapeB, outShape);
      const n = size(outShape);
      const out = h.alloc(n * 4);
      h.k.whereF32(
        h.f32(cond),
        h.f32(a),
        h.f32(b),
        out,
        outShape.length,
        h.i32(outShape),
        h.i32(stridesC),
        h.i32(stridesA),
        h.i32(stridesB),
      );
      const vc = viewValues(cond, 0, outShape, stridesC);
      const va = viewValues(a, 0, outShape, stridesA);
      const vb = viewValues(b, 0, outShape, stridesB);
      const expected = vc.map((c, i) => (c !== 0 ? va[i] : vb[i]));
      assertClose(h.readF32(out, n), expected, exact, `where [${shapeC}] [${shapeA}] [${shapeB}]`);
    }
  });
}
