/**
 * A model directory holding `model.onnx` (and an optional `config.json`) is served like a native
 * one: listed, described from its graph, answering inference with the imported graph's outputs;
 * a bad config or an input shape the graph cannot give is refused with the reason.
 */
import assert from "node:assert/strict";
import { io, manualSeed, nn, noGrad, randn, save } from "../runtime/mod.ts";
import { createApp } from "../server/app.ts";
import { registryFromDirectory } from "../server/registry_fs.ts";
import { assertClose } from "./helpers.ts";

await io.onnxReady();

function tinyCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 3, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(3 * 4 * 4, 4),
  );
}

/** A folder with an ONNX CNN (labels in config.json), a native MLP, and the exported bytes. */
async function folder(): Promise<{ dir: string; bytes: Uint8Array }> {
  manualSeed(3);
  const dir = await Deno.makeTempDir({ prefix: "edgegrad_onnx_serve_" });
  const bytes = io.onnxToBytes(tinyCnn(), { inputShape: [1, 8, 8] });
  await Deno.mkdir(`${dir}/cnn-onnx`);
  await Deno.writeFile(`${dir}/cnn-onnx/model.onnx`, bytes);
  await Deno.writeTextFile(
    `${dir}/cnn-onnx/config.json`,
    JSON.stringify({ labels: ["a", "b", "c", "d"] }),
  );
  await save(new nn.Sequential(new nn.Linear(4, 2)), `${dir}/mlp`, { inputShape: [4] });
  return { dir, bytes };
}

Deno.test("an ONNX model directory is listed, described from its graph and served", async () => {
  const { dir, bytes } = await folder();
  try {
    const app = createApp({ registry: await registryFromDirectory(dir) });
    assert.deepEqual((await (await app.request("/v2/models")).json()).models, ["cnn-onnx", "mlp"]);
    const meta = await (await app.request("/v2/models/cnn-onnx")).json();
    assert.equal(meta.platform, "onnx");
    assert.deepEqual(meta.inputs[0].shape, [-1, 1, 8, 8]);
    assert.deepEqual(meta.parameters.labels, ["a", "b", "c", "d"]);
    assert.equal(meta.parameters.onnx.inputs.length, 1);
    assert.deepEqual(meta.parameters.onnx.inputs[0].shape.slice(1), [1, 8, 8]);
    assert.equal((await (await app.request("/v2/models/mlp")).json()).platform, "edgegrad");

    const x = randn([3, 1, 8, 8]);
    const expected = noGrad(() => (io.onnxFromBytes(bytes)).call(x)).data() as Float32Array;
    const r = await app.request("/v2/models/cnn-onnx/infer", {
      method: "POST",
      body: JSON.stringify({
        inputs: [{ name: "input", shape: [3, 1, 8, 8], datatype: "FP32", data: [...x.data()] }],
      }),
    });
    assert.equal(r.status, 200);
    const out = await r.json();
    const logits = out.outputs.find((o: { name: string }) => o.name === "logits");
    assert.deepEqual(logits.shape, [3, 4]);
    assertClose(Float32Array.from(logits.data), expected, { atol: 1e-6, rtol: 1e-6 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad config.json beside model.onnx is refused; without one the graph gives the input shape", async () => {
  const { dir } = await folder();
  try {
    await Deno.writeTextFile(`${dir}/cnn-onnx/config.json`, JSON.stringify({ labelz: ["a"] }));
    const errors: string[] = [];
    const registry = await registryFromDirectory(dir, {
      onError: (_n, e) => errors.push(e.message),
    });
    assert.deepEqual(registry.names(), ["mlp"]);
    assert.match(errors[0], /cnn-onnx\/config\.json: unknown field\(s\) labelz beside model\.onnx/);

    // Without config.json the graph's own dims give the input shape; a bad inputShape is refused.
    const bytes = io.onnxToBytes(new nn.Sequential(new nn.Linear(4, 2)), { inputShape: [4] });
    await Deno.mkdir(`${dir}/mlp-onnx`);
    await Deno.writeFile(`${dir}/mlp-onnx/model.onnx`, bytes);
    await Deno.writeTextFile(`${dir}/cnn-onnx/config.json`, JSON.stringify({ inputShape: [0] }));
    errors.length = 0;
    const second = await registryFromDirectory(dir, { onError: (_n, e) => errors.push(e.message) });
    assert.deepEqual(second.names(), ["mlp", "mlp-onnx"]);
    assert.match(
      errors[0],
      /cnn-onnx\/config\.json: inputShape must be an array of positive integers/,
    );
    const meta = await (await createApp({ registry: second }).request("/v2/models/mlp-onnx"))
      .json();
    assert.deepEqual(meta.inputs[0].shape, [-1, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
