import assert from "node:assert/strict";
import { io, noGrad, randn, tensor } from "../runtime/mod.ts";
import { buildModel, type ModelSpec } from "./onnx_builder.ts";
import { assertClose } from "./helpers.ts";
import { onnxReady } from "../runtime/onnx/protobuf.ts";

// The ONNX reader and writer load protobufjs on first use; the synchronous calls below need it.
await onnxReady();

const FIXTURES = new URL("./fixtures/onnx/", import.meta.url).pathname;

/** x [batch, 3] → Relu(x·W + b): a valid model the cases below break one way each. */
function linearModel(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    nodes: [
      { op: "MatMul", inputs: ["x", "W"], outputs: ["h"] },
      { op: "Add", inputs: ["h", "b"], outputs: ["z"] },
      { op: "Relu", inputs: ["z"], outputs: ["y"] },
    ],
    initializers: [
      { name: "W", dims: [3, 2], data: [1, -1, 2, 0.5, -3, 1] },
      { name: "b", dims: [2], data: [0.5, -0.5] },
    ],
    inputs: [{ name: "x", dims: ["batch", 3] }],
    outputs: [{ name: "y", dims: ["batch", 2] }],
    ...overrides,
  };
}

Deno.test("ONNX builder: the valid model computes relu(x·W + b) by hand", () => {
  const model = io.onnxFromBytes(buildModel(linearModel()));
  const y = noGrad(() => model(tensor([[1, 2, 3], [0, 0, 0]])));
  // row 0: [1 + 4 − 9 + 0.5, −1 + 1 + 3 − 0.5] = [−3.5, 2.5] → [0, 2.5]; row 1: [0.5, 0]
  assertClose(y, [[0, 2.5], [0.5, 0]]);
});

Deno.test("ONNX: a truncated file is refused with a clear error", () => {
  const bytes = Deno.readFileSync(`${FIXTURES}mnist_cnn/model.onnx`);
  for (const cut of [10, 1000, bytes.length - 7]) {
    assert.throws(
      () => io.onnxFromBytes(bytes.subarray(0, cut)),
      (error: Error) =>
        error instanceof io.OnnxFormatError && /truncated or corrupt|truncated/.test(error.message),
    );
  }
});

Deno.test("ONNX: random bytes are refused (no hang, no crash)", () => {
  let seed = 7;
  for (let trial = 0; trial < 20; trial++) {
    const bytes = Uint8Array.from(
      { length: 300 },
      () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff,
    );
    assert.throws(() => io.onnxFromBytes(bytes), /ONNX|model|graph|opset/);
  }
});

Deno.test("ONNX: a header declaring a huge tensor is refused before allocating", () => {
  const bytes = buildModel(linearModel({
    initializers: [
      { name: "W", dims: [100000, 100000, 100], data: [1] },
      { name: "b", dims: [2], data: [0, 0] },
    ],
  }));
  assert.throws(
    () => io.onnxFromBytes(bytes),
    /initializer 'W' declares shape \[100000, 100000, 100\] \(1000000000000 elements\), more than/,
  );
});

Deno.test("ONNX: an initializer whose shape disagrees with its data is refused, named", () => {
  const bytes = buildModel(linearModel({
    initializers: [
      { name: "W", dims: [3, 2], data: [1, 2, 3, 4] },
      { name: "b", dims: [2], data: [0, 0] },
    ],
  }));
  assert.throws(
    () => io.onnxFromBytes(bytes),
    /initializer 'W' declares shape \[3, 2\] \(6 elements of float\) but holds 16 bytes/,
  );
});

Deno.test("ONNX: a cycle in the graph is refused naming a node on it", () => {
  const bytes = buildModel(linearModel({
    nodes: [
      { op: "MatMul", inputs: ["x", "W"], outputs: ["h"], name: "mm" },
      { op: "Add", inputs: ["h", "y"], outputs: ["z"], name: "add" },
      { op: "Relu", inputs: ["z"], outputs: ["y"], name: "relu" },
    ],
  }));
  assert.throws(() => io.onnxFromBytes(bytes), /cycle through node 'add' \(Add\).*'relu' \(Relu\)/);
});

Deno.test("ONNX: an input that nothing produces is refused naming the node", () => {
  const bytes = buildModel(linearModel({
    nodes: [{ op: "Relu", inputs: ["ghost"], outputs: ["y"], name: "r" }],
  }));
  assert.throws(() => io.onnxFromBytes(bytes), /node 'r' \(Relu\) reads 'ghost', which no node/);
});

Deno.test("ONNX: an opset out of range is refused, saying the range", () => {
  for (const opset of [5, 18]) {
    assert.throws(
      () => io.onnxFromBytes(buildModel(linearModel({ opset }))),
      new RegExp(`uses opset ${opset} of the default domain; edgegrad imports opsets 6 to 17`),
    );
  }
});

Deno.test("ONNX: every unsupported node and attribute is listed in one error at load", () => {
  const bytes = buildModel(linearModel({
    nodes: [
      { op: "MatMul", inputs: ["x", "W"], outputs: ["h"], name: "mm" },
      { op: "Cos", inputs: ["h"], outputs: ["c"], name: "cosine" },
      { op: "Relu", inputs: ["c"], outputs: ["r"], name: "relu", attributes: { slope: 2 } },
      { op: "Softmax", inputs: ["r"], outputs: ["s"], name: "sm", domain: "com.example" },
      {
        op: "Pad",
        inputs: ["s"],
        outputs: ["y"],
        name: "pad",
        attributes: { mode: "wrap", pads: [0, 0, 0, 0] },
      },
    ],
  }));
  assert.throws(() => io.onnxFromBytes(bytes), (error: Error) => {
    assert.ok(error instanceof io.OnnxImportError);
    assert.match(error.message, /4 unsupported items/);
    assert.match(error.message, /node 'cosine' \(Cos\), opset 13: op Cos is not supported/);
    assert.match(
      error.message,
      /node 'relu' \(Relu\), opset 13: attribute 'slope' is not supported/,
    );
    assert.match(
      error.message,
      /node 'sm' \(Softmax\), opset 13: domain 'com.example' is not supported/,
    );
    assert.match(
      error.message,
      /node 'pad' \(Pad\), opset 13: attribute 'mode' = wrap is not supported/,
    );
    return true;
  });
});

Deno.test("ONNX: a wrong input shape at run time names the input and the declared shape", () => {
  const model = io.onnxFromBytes(buildModel(linearModel()));
  assert.throws(
    () => model(randn([2, 4])),
    /input 'x' should have shape \[batch, 3\], got \[2, 4\]/,
  );
  assert.throws(() => model(), /the graph takes 1 inputs \(x\), got 0/);
});

Deno.test("ONNX: shape arithmetic on INT64 constants is folded at load (Shape of a constant)", () => {
  // y = Reshape(x, Concat(Shape(C)[0:1], [-1])) with C a constant [2, 5]: the shape is [2, -1].
  const bytes = buildModel({
    nodes: [
      { op: "Shape", inputs: ["C"], outputs: ["s"] },
      { op: "Slice", inputs: ["s", "zero", "one"], outputs: ["first"] },
      { op: "Concat", inputs: ["first", "minus"], outputs: ["shape"], attributes: { axis: 0 } },
      { op: "Reshape", inputs: ["x", "shape"], outputs: ["y"] },
    ],
    initializers: [
      { name: "C", dims: [2, 5], data: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], int64: true },
      { name: "zero", dims: [1], data: [0], int64: true },
      { name: "one", dims: [1], data: [1], int64: true },
      { name: "minus", dims: [1], data: [-1], int64: true },
    ],
    inputs: [{ name: "x", dims: [2, 3, 2] }],
    outputs: [{ name: "y", dims: [2, 6] }],
  });
  const model = io.onnxFromBytes(bytes);
  assert.deepEqual(model(randn([2, 3, 2])).shape, [2, 6]);
});

Deno.test("onnxFromBytes before the ONNX reader is loaded says how to load it", async () => {
  // A fresh process: this file has loaded protobufjs already.
  const runtime = new URL("../runtime/mod.ts", import.meta.url).href;
  const code = `import { io } from "${runtime}";
try { io.onnxFromBytes(new Uint8Array([8, 7])); console.log("no error"); }
catch (e) { console.log(e.message); }
await io.onnxReady();
try { io.onnxFromBytes(new Uint8Array([8, 7])); } catch (e) { console.log(e.name); }`;
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../deno.json", import.meta.url).pathname, code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(success);
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  assert.match(lines[0], /the ONNX reader is not loaded yet; .*await io.onnxReady\(\)/);
  assert.notEqual(lines[1], undefined);
  assert.doesNotMatch(lines[1], /not loaded yet/);
});
