/**
 * The edge-worker bundle: built with `bundleWorker`, started in workerd (the Workers runtime, from
 * worker.js) and under `deno serve` (from worker.deno.js), each on a free loopback port; its
 * answers to KServe v2 inference requests (one image, a batch) must equal in-process inference on
 * the same model directory to float32 precision, and a bad request must get a 4xx with a JSON
 * error. The weights must stay out of the code, in a model.safetensors beside it. Uses
 * models/mnist-cnn when it has been trained, else the same architecture with seeded random
 * weights in a temp folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load, manualSeed, noGrad, randn, save } from "../runtime/mod.ts";
import { bundleWorker } from "../scripts/bundle_worker.ts";
import { freePort, startServer } from "../scripts/server_process.ts";
import { cnn } from "../scripts/examples/mnist_cnn.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const WORKERD = join(root, "node_modules/.bin/workerd");

/** The trained example's directory, or a seeded untrained one of the same architecture. */
async function modelDirectory(temp: string): Promise<string> {
  const trained = join(root, "models/mnist-cnn");
  try {
    await Deno.stat(join(trained, "model.safetensors"));
    await Deno.stat(join(trained, "config.json"));
    return trained;
  } catch {
    manualSeed(7);
    const dir = join(temp, "mnist-cnn");
    await save(cnn(), dir, {
      inputShape: [1, 28, 28],
      labels: Array.from({ length: 10 }, (_, i) => String(i)),
    });
    return dir;
  }
}

interface InferOutput {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

async function infer(
  url: string,
  name: string,
  shape: number[],
  data: ArrayLike<number>,
): Promise<InferOutput[]> {
  const response = await fetch(`${url}/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      inputs: [{ name: "input", shape, datatype: "FP32", data: Array.from(data) }],
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, `infer answered ${response.status}: ${JSON.stringify(body)}`);
  assert.equal(body.model_name, name);
  return body.outputs;
}

/** |a − e| ≤ 1e-6 + 1e-5·|e| elementwise: float32 rounding, with or without fused multiply-add. */
function assertFloat32Close(actual: number[], expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values`);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= 1e-6 + 1e-5 * Math.abs(expected[i]);
    assert.ok(ok, `${what}[${i}]: worker ${actual[i]}, in-process ${expected[i]}`);
  }
}

/** Sends a single and a batch request and a bad one, comparing with in-process inference. */
async function checkServer(url: string, modelDir: string, name: string): Promise<void> {
  const { model } = await load(modelDir);
  model.eval();
  manualSeed(11);
  for (const batch of [1, 5]) {
    const x = randn([batch, 1, 28, 28]);
    const [logits, probabilities] = noGrad(() => {
      const out = model.call(x);
      return [out.data(), out.softmax(-1).data()];
    });
    const outputs = await infer(url, name, x.shape as number[], x.data());
    const byName = new Map(outputs.map((o) => [o.name, o]));
    const logitsOut = byName.get("logits");
    assert.ok(logitsOut, `no "logits" output among ${[...byName.keys()]}`);
    assert.deepEqual(logitsOut.shape, [batch, 10]);
    assert.equal(logitsOut.datatype, "FP32");
    assertFloat32Close(logitsOut.data, logits, `batch ${batch} logits`);
    const probabilitiesOut = byName.get("probabilities");
    assert.ok(probabilitiesOut, `no "probabilities" output among ${[...byName.keys()]}`);
    assertFloat32Close(probabilitiesOut.data, probabilities, `batch ${batch} probabilities`);
    x.dispose();
  }
  const bad = await fetch(`${url}/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      inputs: [{ name: "input", shape: [1, 1, 28, 27], datatype: "FP32", data: [1, 2, 3] }],
    }),
  });
  const error = await bad.json();
  assert.ok(bad.status >= 400 && bad.status < 500, `a wrong shape got ${bad.status}`);
  assert.equal(typeof error.error, "string", `error body ${JSON.stringify(error)}`);
  const unknown = await fetch(`${url}/v2/models/no-such-model`);
  assert.equal(unknown.status, 404);
  assert.equal(typeof (await unknown.json()).error, "string");
  for (const p of model.parameters()) p.dispose();
}

Deno.test("worker bundle answers like in-process inference in workerd and under deno serve", async (t) => {
  const temp = await Deno.makeTempDir({ prefix: "edgegrad-worker-" });
  try {
    const modelDir = await modelDirectory(temp);
    const bundle = await bundleWorker({ modelDir, outDir: join(temp, "worker") });
    const weights = await Deno.readFile(join(modelDir, "model.safetensors"));
    assert.deepEqual(await Deno.readFile(join(bundle.outDir, "model.safetensors")), weights);
    for (const entry of [bundle.entry, bundle.denoEntry]) {
      const { size } = await Deno.stat(entry);
      assert.ok(size < weights.length / 4, `${entry} is ${size} bytes: are the weights inlined?`);
      // The worker loads edgegrad model directories only: the ONNX importer stays out of it.
      assert.ok(
        !(await Deno.readTextFile(entry)).includes("OnnxModule"),
        `${entry} carries the ONNX importer: import modelFromBytes, not the io namespace`,
      );
    }
    assert.match(
      await Deno.readTextFile(bundle.capnp),
      /\(name = "model\.safetensors", data = embed "model\.safetensors"\)/,
    );
    const hosts: Array<[string, string, (port: number) => string[]]> = [
      [
        "workerd",
        WORKERD,
        (port) => ["serve", bundle.capnp, "--socket-addr", `http=127.0.0.1:${port}`],
      ],
      [
        "deno serve",
        Deno.execPath(),
        (port) => [
          "serve",
          "--unstable-raw-imports",
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
          bundle.denoEntry,
        ],
      ],
    ];
    for (const [host, command, args] of hosts) {
      await t.step(host, async () => {
        const port = freePort();
        const server = await startServer(command, { args: args(port), port, cwd: root });
        try {
          await checkServer(server.url, modelDir, bundle.name);
        } finally {
          await server.stop();
        }
      });
    }
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
});
