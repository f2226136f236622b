import assert from "node:assert/strict";
import { F, io, noGrad, optim, type Tensor, tensor } from "../runtime/mod.ts";
import { decodeTensorProto } from "../runtime/onnx/proto.ts";
import { tensorValue } from "../runtime/onnx/tensor_data.ts";
import { asTensor, numbers } from "../runtime/onnx/value.ts";
import { checkModels, ortRun, skipChecker } from "./onnx_peers.ts";
import { assertClose, values } from "./helpers.ts";
import { onnxReady } from "../runtime/onnx/protobuf.ts";

// The ONNX reader and writer load protobufjs on first use; the synchronous calls below need it.
await onnxReady();

const FIXTURES = new URL("./fixtures/onnx/", import.meta.url).pathname;

function fixture(model: string, name: string) {
  return tensorValue(decodeTensorProto(Deno.readFileSync(`${FIXTURES}${model}/${name}.pb`)), name);
}

/** Adam steps on the fixture batch; returns the losses before and after. */
function fineTune(model: io.OnnxModule, input: Tensor, labels: Tensor, steps: number) {
  model.train();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const before = noGrad(() => F.crossEntropy(model(input), labels)).item();
  for (let step = 0; step < steps; step++) {
    model.zeroGrad();
    F.crossEntropy(model(input), labels).backward();
    optimizer.step();
  }
  model.eval();
  return { before, after: noGrad(() => F.crossEntropy(model(input), labels)).item() };
}

Deno.test("ONNX: the PyTorch CNN, fine-tuned under Deno and exported, runs in ONNX Runtime with edgegrad's outputs", async () => {
  const model = await io.loadOnnx(`${FIXTURES}mnist_cnn/model.onnx`);
  const input = asTensor(fixture("mnist_cnn", "input_0"));
  const labels = tensor(Int32Array.from(numbers(fixture("mnist_cnn", "labels"))), {
    dtype: "int32",
  });
  const { before, after } = fineTune(model, input, labels, 5);
  assert.ok(after < before, `fine-tuning lowers the loss (${before} → ${after})`);
  const tuned = noGrad(() => model(input));
  const original = values(asTensor(fixture("mnist_cnn", "output_0")));
  const moved = values(tuned).reduce((m, v, i) => Math.max(m, Math.abs(v - original[i])), 0);
  assert.ok(moved > 1e-3, `the tuned outputs differ from PyTorch's (by up to ${moved})`);

  const bytes = io.onnxToBytes(model, {});
  const theirs = await ortRun(bytes, input);
  assert.deepEqual(theirs.dims, tuned.shape);
  assertClose(theirs.data, tuned, { atol: 1e-5, rtol: 1e-5 });

  if (!skipChecker("ONNX fine-tuned export checker")) {
    const path = await Deno.makeTempFile({ suffix: ".onnx" });
    try {
      await Deno.writeFile(path, bytes);
      const { ok, report } = await checkModels([path]);
      assert.ok(ok, report);
    } finally {
      await Deno.remove(path);
    }
  }

  const reloaded = await io.loadOnnx(bytes);
  assertClose(noGrad(() => reloaded(input)), tuned, { atol: 1e-6, rtol: 1e-6 });
  assert.deepEqual(
    reloaded.namedParameters().map(([name]) => name),
    model.namedParameters().map(([name]) => name),
  );
});

Deno.test("ONNX: a model with external-data weights is written back with its weights inline", async () => {
  const model = await io.loadOnnx(`${FIXTURES}mnist_cnn_external/model.onnx`);
  const input = asTensor(fixture("mnist_cnn", "input_0"));
  const dir = await Deno.makeTempDir({ prefix: "edgegrad-onnx-reexport-" });
  try {
    await io.saveOnnx(model, `${dir}/model.onnx`, { inputShape: [1, 28, 28] });
    const theirs = await ortRun(Deno.readFileSync(`${dir}/model.onnx`), input);
    assertClose(theirs.data, noGrad(() => model(input)), { atol: 1e-5, rtol: 1e-5 });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["model.onnx"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ONNX: an imported model is written back as it is, so another opset or input is refused", async () => {
  const model = await io.loadOnnx(`${FIXTURES}mnist_cnn/model.onnx`);
  assert.throws(
    () => io.onnxToBytes(model, { opset: 17 }),
    /the imported model is opset 13; .* leave options\.opset out/,
  );
  assert.throws(
    () => io.onnxToBytes(model, { inputShape: [3, 28, 28] }),
    /disagrees with the imported graph's input \["batch",1,28,28\]/,
  );
});
