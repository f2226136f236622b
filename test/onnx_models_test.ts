import assert from "node:assert/strict";
import { F, gradcheck, io, noGrad, optim, randn, Tensor, tensor } from "../runtime/mod.ts";
import { decodeTensorProto } from "../runtime/onnx/proto.ts";
import { tensorValue } from "../runtime/onnx/tensor_data.ts";
import { asTensor, numbers } from "../runtime/onnx/value.ts";
import { assertClose } from "./helpers.ts";
import { onnxReady } from "../runtime/onnx/protobuf.ts";

// The ONNX reader and writer load protobufjs on first use; the synchronous calls below need it.
await onnxReady();

const FIXTURES = new URL("./fixtures/onnx/", import.meta.url).pathname;

function fixture(model: string, name: string) {
  return tensorValue(decodeTensorProto(Deno.readFileSync(`${FIXTURES}${model}/${name}.pb`)), name);
}

function labels(model: string): Tensor {
  return tensor(Int32Array.from(numbers(fixture(model, "labels"))), { dtype: "int32" });
}

for (const name of ["mnist_cnn", "resnet_block", "tiny_encoder"]) {
  Deno.test(`ONNX ${name} exported by PyTorch gives PyTorch's outputs within 1e-5`, async () => {
    const model = await io.loadOnnx(`${FIXTURES}${name}/model.onnx`);
    const input = asTensor(fixture(name, "input_0"));
    const output = noGrad(() => model(input));
    const expected = asTensor(fixture(name, "output_0"));
    assert.deepEqual(output.shape, expected.shape);
    assertClose(output, expected, { atol: 1e-5, rtol: 1e-5 });
  });

  Deno.test(`ONNX ${name}: one SGD step through the imported graph matches PyTorch's`, async () => {
    const model = await io.loadOnnx(`${FIXTURES}${name}/model.onnx`);
    const input = asTensor(fixture(name, "input_0"));
    const target = labels(name);
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loss = F.crossEntropy(model(input), target);
    assertClose(loss, numbers(fixture(name, "loss_before")), { atol: 1e-5, rtol: 1e-5 });
    loss.backward();
    optimizer.step();
    const after = noGrad(() => F.crossEntropy(model(input), target));
    assertClose(after, numbers(fixture(name, "loss_after")), { atol: 1e-5, rtol: 1e-4 });
    assert.ok(after.item() < loss.item(), "the step lowers the loss");
  });
}

Deno.test("ONNX mnist_cnn: parameters are named after the initializers; the batch is dynamic", async () => {
  const model = await io.loadOnnx(`${FIXTURES}mnist_cnn/model.onnx`);
  assert.deepEqual(
    model.namedParameters().map(([name, t]) => `${name} [${t.shape}]`),
    [
      "conv1.weight [8,1,5,5]",
      "conv1.bias [8]",
      "conv2.weight [16,8,5,5]",
      "conv2.bias [16]",
      "fc1.weight [32,784]",
      "fc1.bias [32]",
      "fc2.weight [10,32]",
      "fc2.bias [10]",
    ],
  );
  assert.deepEqual(model.inputs, [{ name: "input", dtype: "float", shape: ["batch", 1, 28, 28] }]);
  const batch = asTensor(fixture("mnist_cnn", "input_0"));
  const first = F.narrow(batch, 0, 0, 1);
  const expected = F.narrow(asTensor(fixture("mnist_cnn", "output_0")), 0, 0, 1);
  assertClose(noGrad(() => model(first)), expected, { atol: 1e-5, rtol: 1e-5 });
  assert.throws(
    () => model(randn([1, 3, 28, 28])),
    /input 'input' should have shape \[batch, 1, 28, 28\], got \[1, 3, 28, 28\]/,
  );
});

Deno.test("ONNX resnet_block: BatchNorm running statistics are buffers in the state dict", async () => {
  const model = await io.loadOnnx(`${FIXTURES}resnet_block/model.onnx`);
  const state = model.stateDict();
  assert.ok(state.has("bn0.running_mean") && state.has("bn2.running_var"));
  assert.ok(!model.namedParameters().some(([name]) => name.includes("running")));
  assert.ok(model.namedParameters().some(([name]) => name === "bn1.weight"));
});

Deno.test("ONNX gradients through an imported graph match finite differences", async () => {
  const model = await io.loadOnnx(`${FIXTURES}resnet_block/model.onnx`);
  // A small step: the ReLUs' kinks are within 1e-2 of some inputs.
  const options = { eps: 1e-3, maxElements: 24, directions: 2 };
  gradcheck((x) => model(x), [randn([1, 3, 8, 8])], options);
  const encoder = await io.loadOnnx(`${FIXTURES}tiny_encoder/model.onnx`);
  gradcheck((x) => encoder(x), [randn([1, 5, 16])], options);
  assert.equal(encoder.parameters().length, 14, "every LayerNorm weight and bias is its own");
});

Deno.test("ONNX external data: weights in a side file load from the model's directory", async () => {
  const model = await io.loadOnnx(`${FIXTURES}mnist_cnn_external/model.onnx`);
  const input = asTensor(fixture("mnist_cnn", "input_0"));
  const expected = asTensor(fixture("mnist_cnn", "output_0"));
  assertClose(noGrad(() => model(input)), expected, { atol: 1e-5, rtol: 1e-5 });
  const bytes = Deno.readFileSync(`${FIXTURES}mnist_cnn_external/model.onnx`);
  await assert.rejects(
    () => io.loadOnnx(bytes),
    /external file \("weights.bin"\).*load the model from a path/,
  );
  const weights = Deno.readFileSync(`${FIXTURES}mnist_cnn_external/weights.bin`);
  const fromBytes = await io.loadOnnx(bytes, { externalData: { "weights.bin": weights } });
  assertClose(noGrad(() => fromBytes(input)), expected, { atol: 1e-5, rtol: 1e-5 });
  await assert.rejects(
    () => io.loadOnnx(bytes, { externalData: { "weights.bin": weights.subarray(0, 1000) } }),
    /"weights.bin" has 1000 bytes/,
  );
  await assert.rejects(
    () => io.loadOnnx(bytes, { externalDta: {} } as never),
    /unknown option "externalDta"/,
  );
});
