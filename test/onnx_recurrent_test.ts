import assert from "node:assert/strict";
import { F, gradcheck, io, noGrad, type Tensor, tensor } from "../runtime/mod.ts";
import { type AttributeValue, buildModel, type InitializerSpec } from "./onnx_builder.ts";
import { ortRun } from "./onnx_peers.ts";
import { assertClose } from "./helpers.ts";
import { onnxReady } from "../runtime/onnx/protobuf.ts";

// The ONNX reader and writer load protobufjs on first use; the synchronous calls below need it.
await onnxReady();

type Op = "LSTM" | "GRU" | "RNN";
type Output = "Y" | "Y_h" | "Y_c";
const GATES: Record<Op, number> = { LSTM: 4, GRU: 3, RNN: 1 };
const SEQ = 5, BATCH = 3, INPUT = 4, HIDDEN = 3;

/** One recurrent node with initializer weights and a graph input X [seq, batch, input]. */
interface Case {
  name: string;
  op: Op;
  attributes: Record<string, AttributeValue>;
  bias?: boolean;
  initial?: boolean;
  peepholes?: boolean;
}

/** Deterministic values in [-scale, scale) (a small LCG, so the cases do not share a stream). */
function values(count: number, seed: number, scale = 0.6): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 * 2 - 1) * scale;
  });
}

function directions(c: Case): number {
  return c.attributes.direction === "bidirectional" ? 2 : 1;
}

/** The node's weights and states as initializers (states in layout 0 unless `batchFirst`). */
function initializers(c: Case, batchFirst = false): InitializerSpec[] {
  const d = directions(c), gh = GATES[c.op] * HIDDEN;
  const list: InitializerSpec[] = [
    { name: "W", dims: [d, gh, INPUT], data: values(d * gh * INPUT, 1) },
    { name: "R", dims: [d, gh, HIDDEN], data: values(d * gh * HIDDEN, 2) },
  ];
  if (c.bias !== false) list.push({ name: "B", dims: [d, 2 * gh], data: values(d * 2 * gh, 3) });
  if (c.initial) {
    const state = (name: string, seed: number) => {
      const data = values(d * BATCH * HIDDEN, seed, 0.9);
      return batchFirst
        ? { name, dims: [BATCH, d, HIDDEN], data: swap01(data, d, BATCH, HIDDEN) }
        : { name, dims: [d, BATCH, HIDDEN], data };
    };
    list.push(state("initial_h", 4));
    if (c.op === "LSTM") list.push(state("initial_c", 5));
  }
  if (c.peepholes) list.push({ name: "P", dims: [d, 3 * HIDDEN], data: values(d * 3 * HIDDEN, 6) });
  return list;
}

/** [a, b, c] data as [b, a, c]. */
function swap01(data: number[], a: number, b: number, c: number): number[] {
  const out = new Array<number>(data.length);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      for (let k = 0; k < c; k++) out[(j * a + i) * c + k] = data[(i * b + j) * c + k];
    }
  }
  return out;
}

function nodeInputs(names: Set<string>): string[] {
  const order = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"];
  const inputs = order.map((n) => (names.has(n) ? n : ""));
  while (inputs[inputs.length - 1] === "") inputs.pop();
  return inputs;
}

/** The declared shape of an output. */
function outputDims(output: Output, d: number, batchFirst: boolean): number[] {
  if (output === "Y") return batchFirst ? [BATCH, SEQ, d, HIDDEN] : [SEQ, d, BATCH, HIDDEN];
  return batchFirst ? [BATCH, d, HIDDEN] : [d, BATCH, HIDDEN];
}

/** The model whose only graph output is `output`. */
function model(c: Case, output: Output, batchFirst = false): Uint8Array {
  const inits = initializers(c, batchFirst);
  const names = new Set(["X", ...inits.map((i) => i.name)]);
  const outputs = c.op === "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
  return buildModel({
    opset: 14,
    nodes: [{
      op: c.op,
      inputs: nodeInputs(names),
      outputs,
      attributes: { ...c.attributes, hidden_size: HIDDEN, ...(batchFirst ? { layout: 1 } : {}) },
    }],
    initializers: inits,
    inputs: [{ name: "X", dims: batchFirst ? [BATCH, SEQ, INPUT] : [SEQ, BATCH, INPUT] }],
    outputs: [{ name: output, dims: outputDims(output, directions(c), batchFirst) }],
  });
}

const x = tensor(values(SEQ * BATCH * INPUT, 7, 1.5), { shape: [SEQ, BATCH, INPUT] });

// Clip small enough to bite (pre-activations reach ±2), so its placement is checked too.
const CASES: Case[] = [
  {
    name: "LSTM forward, clip, peepholes, initial states",
    op: "LSTM",
    attributes: { clip: { float: 0.5 } },
    initial: true,
    peepholes: true,
  },
  {
    name: "LSTM reverse, input_forget",
    op: "LSTM",
    attributes: { direction: "reverse", input_forget: 1 },
    initial: true,
  },
  {
    name: "LSTM bidirectional, no bias",
    op: "LSTM",
    attributes: { direction: "bidirectional" },
    bias: false,
    peepholes: true,
  },
  {
    name: "GRU reverse, linear_before_reset 0, clip",
    op: "GRU",
    attributes: { direction: "reverse", clip: { float: 0.7 } },
    initial: true,
  },
  {
    name: "GRU bidirectional, linear_before_reset 1",
    op: "GRU",
    attributes: { direction: "bidirectional", linear_before_reset: 1 },
    initial: true,
  },
  {
    name: "RNN bidirectional, Relu forward and Tanh backward, no bias",
    op: "RNN",
    attributes: { direction: "bidirectional", activations: { strings: ["Relu", "Tanh"] } },
    bias: false,
    initial: true,
  },
  {
    name: "RNN reverse, clip",
    op: "RNN",
    attributes: { direction: "reverse", clip: { float: 0.3 } },
  },
];

for (const c of CASES) {
  Deno.test(`ONNX ${c.name}: every output matches ONNX Runtime within 1e-5`, async () => {
    const outputs: Output[] = c.op === "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
    for (const output of outputs) {
      const bytes = model(c, output);
      const ours = noGrad(() => io.onnxFromBytes(bytes)(x));
      const theirs = await ortRun(bytes, x);
      assert.deepEqual(ours.shape, theirs.dims, `${output} shape`);
      assertClose(ours, theirs.data, { atol: 1e-5, rtol: 1e-5 });
    }
  });
}

Deno.test("ONNX LSTM and GRU layout 1 (batch first) give layout 0's outputs, transposed", () => {
  for (const c of [CASES[0], CASES[2], CASES[4]]) {
    for (const output of ["Y", "Y_h"] as const) {
      const plain = noGrad(() => io.onnxFromBytes(model(c, output))(x));
      const batchFirst = noGrad(() =>
        io.onnxFromBytes(model(c, output, true))(F.transpose(x, 0, 1))
      );
      const expected = output === "Y" ? F.permute(plain, 2, 0, 1, 3) : F.transpose(plain, 0, 1);
      assert.deepEqual(batchFirst.shape, expected.shape);
      assertClose(batchFirst, expected, { atol: 1e-6, rtol: 1e-6 });
    }
  }
});

/** A small model whose weights, states and peepholes are all graph inputs, for gradcheck. */
function gradModel(op: Op, attributes: Record<string, AttributeValue>) {
  const s = 3, b = 2, i = 3, h = 2, d = attributes.direction === "bidirectional" ? 2 : 1;
  const gh = GATES[op] * h;
  const shapes: Record<string, number[]> = {
    X: [s, b, i],
    W: [d, gh, i],
    R: [d, gh, h],
    B: [d, 2 * gh],
    initial_h: [d, b, h],
  };
  if (op === "LSTM") Object.assign(shapes, { initial_c: [d, b, h], P: [d, 3 * h] });
  const names = Object.keys(shapes);
  const bytes = buildModel({
    opset: 14,
    nodes: [{
      op,
      inputs: nodeInputs(new Set(names)),
      outputs: op === "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"],
      attributes: { ...attributes, hidden_size: h },
    }],
    inputs: names.map((name) => ({ name, dims: shapes[name] })),
    outputs: (op === "LSTM" ? ["Y", "Y_c"] : ["Y", "Y_h"]).map((name) => ({
      name,
      dims: name === "Y" ? ["s", "d", "b", "h"] : ["d", "b", "h"],
    })),
  });
  const inputs = names.map((name, k) => {
    const shape = shapes[name], size = shape.reduce((p, q) => p * q, 1);
    return tensor(values(size, 20 + k, 0.8), { shape });
  });
  return { module: io.onnxFromBytes(bytes), inputs };
}

Deno.test("ONNX LSTM and GRU: gradients through the imported graph match finite differences", () => {
  const options = { eps: 1e-3, maxElements: 24, directions: 2 };
  const lstm = gradModel("LSTM", { direction: "bidirectional" });
  assert.equal(lstm.inputs.length, 7, "X, W, R, B, initial_h, initial_c and P are all checked");
  for (const k of [0, 1]) {
    gradcheck((...ins: Tensor[]) => lstm.module.forwardAll(...ins)[k], lstm.inputs, options);
  }
  const gru = gradModel("GRU", { direction: "reverse" });
  gradcheck((...ins: Tensor[]) => gru.module.forwardAll(...ins)[1], gru.inputs, options);
  const gruLbr = gradModel("GRU", { linear_before_reset: 1 });
  gradcheck((...ins: Tensor[]) => gruLbr.module(...ins), gruLbr.inputs, options);
});

Deno.test("ONNX recurrent ops refuse unsupported forms at load, naming the attribute", () => {
  const refused: [Case, RegExp][] = [
    [
      {
        name: "",
        op: "LSTM",
        attributes: { activations: { strings: ["HardSigmoid", "Tanh", "Tanh"] } },
      },
      /attribute 'activations' = HardSigmoid \(Sigmoid, Tanh and Relu are supported\)/,
    ],
    [
      // A name that is a property of every object is still not an activation.
      { name: "", op: "RNN", attributes: { activations: { strings: ["constructor"] } } },
      /attribute 'activations' = constructor \(Sigmoid, Tanh and Relu are supported\)/,
    ],
    [
      { name: "", op: "GRU", attributes: { activation_alpha: { floats: [1, 1] } } },
      /attribute 'activation_alpha'/,
    ],
    [
      { name: "", op: "RNN", attributes: { direction: "sideways" } },
      /attribute 'direction' = sideways is not supported/,
    ],
    [
      { name: "", op: "GRU", attributes: { activations: { strings: ["Sigmoid"] } } },
      /attribute 'activations' has 1 names, expected 2/,
    ],
    [
      { name: "", op: "RNN", attributes: { linear_before_reset: 1 } },
      /attribute 'linear_before_reset' is not supported/,
    ],
  ];
  for (const [c, pattern] of refused) {
    assert.throws(() => io.onnxFromBytes(model(c, "Y")), pattern);
  }
});

Deno.test("ONNX recurrent ops: padded sequence_lens and bad weight shapes get clear errors", () => {
  const c: Case = { name: "", op: "LSTM", attributes: {} };
  const withLens = (lens: number[]) =>
    buildModel({
      opset: 14,
      nodes: [{
        op: "LSTM",
        inputs: ["X", "W", "R", "B", "lens"],
        outputs: ["Y"],
        attributes: { hidden_size: HIDDEN },
      }],
      initializers: [
        ...initializers(c),
        { name: "lens", dims: [BATCH], data: lens, int64: true },
      ],
      inputs: [{ name: "X", dims: [SEQ, BATCH, INPUT] }],
      outputs: [{ name: "Y", dims: outputDims("Y", 1, false) }],
    });
  assertClose(
    noGrad(() => io.onnxFromBytes(withLens([SEQ, SEQ, SEQ]))(x)),
    noGrad(() => io.onnxFromBytes(model(c, "Y"))(x)),
    { atol: 0, rtol: 0 },
  );
  const padded = io.onnxFromBytes(withLens([SEQ, 2, SEQ]));
  assert.throws(() => padded(x), /sequence_lens \[5,2,5\] differ from the sequence length 5/);
  const wide = buildModel({
    opset: 14,
    nodes: [{ op: "LSTM", inputs: ["X", "W", "R"], outputs: ["Y"], attributes: {} }],
    initializers: [
      { name: "W", dims: [1, 12, INPUT + 1], data: values(12 * (INPUT + 1), 1) },
      initializers(c)[1],
    ],
    inputs: [{ name: "X", dims: [SEQ, BATCH, INPUT] }],
    outputs: [{ name: "Y", dims: outputDims("Y", 1, false) }],
  });
  assert.throws(() => io.onnxFromBytes(wide)(x), /W should be \[1, 12, 4\], got \[1, 12, 5\]/);
});
