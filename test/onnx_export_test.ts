import assert from "node:assert/strict";
import { io, nn, noGrad, type Tensor } from "../runtime/mod.ts";
import { buildCase, EXPORT_CASES } from "./cases/onnx_export_models.ts";
import { checkModels, ortRun, skipChecker } from "./onnx_peers.ts";
import { assertClose } from "./helpers.ts";
import { onnxReady } from "../runtime/onnx/protobuf.ts";

// The ONNX reader and writer load protobufjs on first use; the synchronous calls below need it.
await onnxReady();

const BATCH = 3;

function exported(c: (typeof EXPORT_CASES)[number]) {
  const model = buildCase(c).eval();
  const bytes = io.onnxToBytes(model, {
    inputShape: c.inputShape,
    inputDtype: c.inputDtype,
    opset: c.opset,
  });
  const input = c.input(BATCH);
  const expected = noGrad(() => model(input));
  return { model, bytes, input, expected };
}

for (const c of EXPORT_CASES) {
  if (c.noReload !== undefined) {
    Deno.test(`ONNX export ${c.name}: io.loadOnnx refuses it (${c.noReload})`, async () => {
      // When the import gains these ops this fails: drop the case's noReload to test the reload.
      const { bytes } = exported(c);
      await assert.rejects(() => io.loadOnnx(bytes), /op (LSTM|GRU|RNN) is not supported/);
    });
  } else {
    Deno.test(`ONNX export ${c.name}: reloaded by io.loadOnnx, same outputs within 1e-6`, async () => {
      const { model, bytes, input, expected } = exported(c);
      const reloaded = await io.loadOnnx(bytes);
      assert.deepEqual(reloaded.inputs, [{
        name: "input",
        dtype: c.inputDtype === "int32" ? "int64" : "float",
        shape: ["batch", ...c.inputShape],
      }]);
      assert.deepEqual(reloaded.outputs[0].shape, ["batch", ...expected.shape.slice(1)]);
      const output = noGrad(() => reloaded(input));
      assert.deepEqual(output.shape, expected.shape);
      assertClose(output, expected, { atol: 1e-6, rtol: 1e-6 });
      // Initializers carry the parameters' and buffers' names and values.
      const state = reloaded.stateDict();
      for (const [name, t] of model.stateDict()) {
        const copy = state.get(name);
        assert.ok(copy !== undefined, `the export has no initializer named '${name}'`);
        assertClose(copy, t, { atol: 0, rtol: 0 });
      }
    });
  }

  Deno.test(`ONNX export ${c.name}: ONNX Runtime gives edgegrad's outputs within 1e-5`, async () => {
    const { bytes, input, expected } = exported(c);
    const theirs = await ortRun(bytes, input);
    assert.deepEqual(theirs.dims, expected.shape);
    assertClose(theirs.data, expected, { atol: 1e-5, rtol: 1e-5 });
  });
}

Deno.test("ONNX export: python3-onnx's checker (full_check) accepts every exported file", async () => {
  if (skipChecker("ONNX export checker")) return;
  const dir = await Deno.makeTempDir({ prefix: "edgegrad-onnx-export-" });
  try {
    const paths: string[] = [];
    for (const c of EXPORT_CASES) {
      const path = `${dir}/${c.name}.onnx`;
      await io.saveOnnx(buildCase(c), path, {
        inputShape: c.inputShape,
        inputDtype: c.inputDtype,
        opset: c.opset,
      });
      paths.push(path);
    }
    const { ok, report } = await checkModels(paths);
    assert.ok(ok, report);
    assert.equal(report.match(/^ok /gm)?.length, paths.length, report);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ONNX export: the batch is dynamic (one file runs at batch 1 and 5 in ONNX Runtime)", async () => {
  const c = EXPORT_CASES.find((e) => e.name === "mnist_cnn")!;
  const { model, bytes } = exported(c);
  for (const batch of [1, 5]) {
    const input = c.input(batch);
    const theirs = await ortRun(bytes, input);
    assert.deepEqual(theirs.dims, [batch, 10]);
    assertClose(theirs.data, noGrad(() => model(input)), { atol: 1e-5, rtol: 1e-5 });
  }
});

class Doubler extends nn.Module {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}

Deno.test("ONNX export refuses, in one error, every module without an ONNX form", () => {
  const model = new nn.Sequential(
    new nn.Linear(4, 4),
    new Doubler(),
    new nn.Sequential(new nn.BatchNorm1d(4, { trackRunningStats: false }), new nn.ReLU()),
    new nn.Unflatten(1, [1, 2, 2]),
    new nn.AvgPool2d(2, { divisorOverride: 3 }),
  );
  model.train();
  assert.throws(
    () => io.onnxToBytes(model, { inputShape: [4] }),
    (error: Error) => {
      assert.equal(error.name, "OnnxExportError");
      assert.match(error.message, /3 modules have no ONNX form/);
      assert.match(error.message, /'1' \(Doubler\): no ONNX exporter is registered/);
      assert.match(error.message, /'2\.0' \(BatchNorm1d\): without running statistics/);
      assert.match(error.message, /'4' \(AvgPool2d\): divisorOverride has no ONNX form/);
      assert.match(error.message, /registerOnnxExporter/);
      return true;
    },
  );
  assert.ok(model.namedModules().every(([, m]) => m.training), "training mode is restored");
});

Deno.test("ONNX export: a registered exporter gives a module of one's own its ONNX form", async () => {
  class Tripler extends nn.Module {
    forward(x: Tensor): Tensor {
      return x.mul(3);
    }
  }
  io.registerOnnxExporter(
    Tripler,
    (_m, context) => context.node("Mul", [context.input.name, context.graph.float("three", [3])]),
  );
  const model = new nn.Sequential(new nn.Linear(3, 2), new Tripler());
  const bytes = io.onnxToBytes(model, { inputShape: [3] });
  const input = EXPORT_CASES[2].input(2).narrow(1, 0, 3);
  const theirs = await ortRun(bytes, input);
  assertClose(theirs.data, noGrad(() => model(input)), { atol: 1e-6, rtol: 1e-6 });
});

Deno.test("ONNX export: bad options get errors that say how to fix them", () => {
  const model = new nn.Sequential(new nn.Linear(4, 2));
  assert.throws(
    () => io.onnxToBytes(model, {} as io.SaveOnnxOptions),
    /inputShape is required: the shape of one example without the batch dimension/,
  );
  assert.throws(() => io.onnxToBytes(model, { inputShape: [4], opset: 12 }), /13 to 17, got 12/);
  assert.throws(() => io.onnxToBytes(model, { inputShape: [0] }), /positive integers/);
  assert.throws(
    () => io.onnxToBytes(model, { inputShape: [5] }),
    /'0' \(Linear\) fails on an input of shape \[batch, 5\]: linear: .*is options\.inputShape/,
  );
  assert.throws(
    () => io.onnxToBytes(model, { inputShape: [4], opsets: 13 } as io.SaveOnnxOptions),
    /unknown option "opsets"/,
  );
  assert.throws(
    () => io.onnxToBytes(new nn.Sequential(new nn.Flatten(0)), { inputShape: [4] }),
    /merges the batch dimension/,
  );
  assert.throws(
    () => io.onnxToBytes(new nn.Sequential(new nn.LSTM(4, 3)), { inputShape: [5, 4] }),
    /'0' \(LSTM\): .*build it with batchFirst: true/,
  );
  assert.throws(
    () =>
      io.onnxToBytes(new nn.Sequential(new nn.TransformerEncoderLayer(4, 2)), {
        inputShape: [3, 4],
      }),
    /'0' \(TransformerEncoderLayer\): .*build it with batchFirst: true/,
  );
});
