/**
 * The inference server, through `app.request` (no network): every route, batch inference equal to
 * in-process inference, each validation error with its status and message, the size limit, path
 * traversal, the admin routes, CORS, the PNG classify route, and memory back to baseline.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import {
  F,
  io,
  manualSeed,
  memoryStats,
  nn,
  noGrad,
  ones,
  save,
  tensor,
  zeros,
} from "../runtime/mod.ts";
import { createApp } from "../server/app.ts";
import { type GrayImage, resizeArea } from "../server/image.ts";
import { pageHandler } from "../server/page/handler.ts";
import { INFER_CHUNK } from "../server/inference.ts";
import { isValidModelName, ModelRegistry } from "../server/registry.ts";
import { directorySource, registryFromDirectory } from "../server/registry_fs.ts";
import { assertClose, type DisposableTensor } from "./helpers.ts";

const PREPROCESSING = { scale: 1 / 255, mean: 0.25, std: 0.5 };
const LABELS = ["zero", "one", "two"];

/** A CNN small enough to run in microseconds: input [1, 8, 8], 3 classes. */
function tinyCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 2, 3, { padding: "same" }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(2 * 4 * 4, 3),
  );
}

/** A folder with two models (tiny-cnn [1, 8, 8] and tiny-mlp [64]) and a served registry. */
async function fixture(): Promise<{ dir: string; registry: ModelRegistry }> {
  manualSeed(7);
  const dir = await Deno.makeTempDir({ prefix: "edgegrad_server_" });
  await save(tinyCnn(), `${dir}/tiny-cnn`, {
    inputShape: [1, 8, 8],
    labels: LABELS,
    preprocessing: PREPROCESSING,
  });
  await save(
    new nn.Sequential(new nn.Linear(64, 5), new nn.Tanh(), new nn.Linear(5, 3)),
    `${dir}/tiny-mlp`,
    {
      inputShape: [64],
      preprocessing: PREPROCESSING,
    },
  );
  return { dir, registry: await registryFromDirectory(dir) };
}

const shared = await fixture();
await Deno.remove(shared.dir, { recursive: true }); // the models are in memory now
const app = createApp({ registry: shared.registry });

function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(app.request(path, {
    method: "POST",
    body: typeof body === "string" || body instanceof Uint8Array
      ? body as string | Uint8Array<ArrayBuffer>
      : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  }));
}

function inferBody(shape: number[], data: unknown, extra: Record<string, unknown> = {}) {
  return { inputs: [{ name: "input", shape, datatype: "FP32", data, ...extra }] };
}

function randomValues(n: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.fround(state / 2147483648 * 4 - 2);
  });
}

/** The model's outputs computed in-process (logits and softmax). */
function inProcess(
  name: string,
  values: number[],
  shape: number[],
): { logits: number[]; probabilities: number[] } {
  const model = shared.registry.get(name)!.model;
  return noGrad(() => {
    const logits = model.call(tensor(Float32Array.from(values), { shape }));
    return {
      logits: Array.from(logits.data()),
      probabilities: Array.from(F.softmax(logits, -1).data()),
    };
  });
}

async function errorOf(
  response: Response | Promise<Response>,
): Promise<{ status: number; error: string }> {
  const r = await response;
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
  const body = await r.json();
  assert.equal(typeof body.error, "string", `expected {"error"}, got ${JSON.stringify(body)}`);
  return { status: r.status, error: body.error };
}

Deno.test("health, server metadata and model list", async () => {
  let r = await app.request("/v2/health/live");
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { live: true });
  r = await app.request("/v2/health/ready");
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { ready: true });
  r = await app.request("/v2");
  assert.deepEqual(await r.json(), { name: "edgegrad", version: "0.1.0", extensions: [] });
  r = await app.request("/v2/models");
  assert.deepEqual(await r.json(), { models: ["tiny-cnn", "tiny-mlp"] });
  r = await app.request("/");
  assert.equal((await r.json()).api, "/v2");

  const empty = createApp({ registry: new ModelRegistry() });
  r = await empty.request("/v2/health/ready");
  assert.equal(r.status, 400); // the protocol answers "not ready" with a 4xx
  assert.deepEqual(await r.json(), { ready: false, error: "no model is loaded" });
  assert.equal((await empty.request("/v2/health/live")).status, 200);
});

Deno.test("model metadata and readiness, with and without a version", async () => {
  const expected = {
    name: "tiny-cnn",
    versions: ["1"],
    platform: "edgegrad",
    inputs: [{ name: "input", datatype: "FP32", shape: [-1, 1, 8, 8] }],
    outputs: [
      { name: "logits", datatype: "FP32", shape: [-1, 3] },
      { name: "probabilities", datatype: "FP32", shape: [-1, 3] },
    ],
    parameters: { labels: LABELS, preprocessing: PREPROCESSING, max_batch_size: 1024 },
  };
  assert.deepEqual(await (await app.request("/v2/models/tiny-cnn")).json(), expected);
  assert.deepEqual(await (await app.request("/v2/models/tiny-cnn/versions/1")).json(), expected);
  const mlp = await (await app.request("/v2/models/tiny-mlp")).json();
  assert.deepEqual(mlp.inputs[0].shape, [-1, 64]);
  assert.equal(mlp.parameters.labels, null);
  assert.deepEqual(await (await app.request("/v2/models/tiny-cnn/ready")).json(), {
    name: "tiny-cnn",
    ready: true,
  });
  assert.equal((await app.request("/v2/models/tiny-cnn/versions/1/ready")).status, 200);
  assert.deepEqual(await errorOf(app.request("/v2/models/tiny-cnn/versions/2")), {
    status: 404,
    error: `model "tiny-cnn" has no version "2" (versions: 1)`,
  });
  assert.deepEqual(await errorOf(app.request("/v2/models/nope/ready")), {
    status: 404,
    error: `unknown model "nope"; served: 'tiny-cnn', 'tiny-mlp'`,
  });
});

Deno.test("batch inference equals in-process inference to float32 precision", async () => {
  const batch = 5;
  const values = randomValues(batch * 64, 1);
  const r = await post("/v2/models/tiny-cnn/infer", {
    id: "req-1",
    ...inferBody([batch, 1, 8, 8], values),
  });
  assert.equal(r.status, 200);
  const answer = await r.json();
  const expected = inProcess("tiny-cnn", values, [batch, 1, 8, 8]);
  assert.equal(answer.model_name, "tiny-cnn");
  assert.equal(answer.model_version, "1");
  assert.equal(answer.id, "req-1");
  assert.deepEqual(answer.outputs.map((o: { name: string }) => o.name), [
    "logits",
    "probabilities",
  ]);
  for (const output of answer.outputs) {
    assert.equal(output.datatype, "FP32");
    assert.deepEqual(output.shape, [batch, 3]);
  }
  // JSON numbers carry float32 values exactly.
  assertClose(answer.outputs[0].data, expected.logits, { atol: 0, rtol: 1e-7 });
  assertClose(answer.outputs[1].data, expected.probabilities, { atol: 0, rtol: 1e-7 });
  for (let i = 0; i < batch; i++) {
    const row = answer.outputs[1].data.slice(i * 3, i * 3 + 3);
    assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-6);
  }
});

Deno.test("nested data, the outputs filter, a flat-input MLP and a batch larger than one chunk", async () => {
  const values = randomValues(2 * 64, 2);
  const nested = [0, 1].map((
    n,
  ) => [Array.from({ length: 8 }, (_, y) => values.slice(n * 64 + y * 8, n * 64 + y * 8 + 8))]);
  const flat = await (await post("/v2/models/tiny-cnn/infer", inferBody([2, 1, 8, 8], values)))
    .json();
  const fromNested = await (await post("/v2/models/tiny-cnn/infer", {
    ...inferBody([2, 1, 8, 8], nested),
    outputs: [{ name: "probabilities" }],
  })).json();
  assert.equal(fromNested.outputs.length, 1);
  assert.equal(fromNested.outputs[0].name, "probabilities");
  assert.deepEqual(fromNested.outputs[0].data, flat.outputs[1].data);
  assert.equal(fromNested.id, undefined);

  const mlpValues = randomValues(3 * 64, 3);
  const mlp = await (await post("/v2/models/tiny-mlp/infer", inferBody([3, 64], mlpValues))).json();
  assertClose(mlp.outputs[0].data, inProcess("tiny-mlp", mlpValues, [3, 64]).logits, {
    atol: 0,
    rtol: 1e-7,
  });

  const batch = INFER_CHUNK * 2 + 3;
  const many = randomValues(batch * 64, 4);
  const big = await (await post("/v2/models/tiny-cnn/infer", inferBody([batch, 1, 8, 8], many)))
    .json();
  assert.deepEqual(big.outputs[0].shape, [batch, 3]);
  assertClose(big.outputs[0].data, inProcess("tiny-cnn", many, [batch, 1, 8, 8]).logits, {
    atol: 1e-6,
    rtol: 1e-5,
  });
});

Deno.test("each validation error is a 4xx JSON error that says what was wrong", async () => {
  const good = randomValues(64, 5);
  const cases: [string, unknown, number, string | RegExp][] = [
    ["malformed JSON", '{"inputs": [', 400, /^request body is not valid JSON: /],
    ["empty body", "", 400, "request body is empty; expected a JSON object"],
    [
      "not an object",
      [1, 2],
      400,
      'request body must be a JSON object {"inputs": [...]}, got an array of 2 items',
    ],
    ["missing inputs", {}, 400, "missing field 'inputs' (an array of input tensors)"],
    ["inputs not an array", { inputs: {} }, 400, "'inputs' must be an array, got an object"],
    ["two inputs", { inputs: [1, 2] }, 400, `model "tiny-cnn" takes 1 input ('input'), got 2`],
    ["input not an object", { inputs: [7] }, 400, "inputs[0] must be an object, got 7"],
    [
      "missing shape",
      { inputs: [{ name: "input", datatype: "FP32", data: [] }] },
      400,
      "inputs[0]: missing field 'shape'",
    ],
    [
      "missing data",
      { inputs: [{ name: "input", datatype: "FP32", shape: [1, 1, 8, 8] }] },
      400,
      "inputs[0]: missing field 'data'",
    ],
    [
      "missing datatype",
      { inputs: [{ name: "input", shape: [1, 1, 8, 8], data: good }] },
      400,
      "inputs[0]: missing field 'datatype'",
    ],
    [
      "wrong input name",
      { inputs: [{ name: "x", shape: [1, 1, 8, 8], datatype: "FP32", data: good }] },
      400,
      `unexpected inference input "x" for model "tiny-cnn"; its input is 'input'`,
    ],
    [
      "FP64",
      { inputs: [{ name: "input", shape: [1, 1, 8, 8], datatype: "FP64", data: good }] },
      400,
      `input 'input': datatype is FP64 but model "tiny-cnn" takes FP32`,
    ],
    [
      "INT32",
      { inputs: [{ name: "input", shape: [1, 1, 8, 8], datatype: "INT32", data: good }] },
      400,
      `input 'input': datatype is INT32 but model "tiny-cnn" takes FP32`,
    ],
    [
      "unknown datatype",
      { inputs: [{ name: "input", shape: [1, 1, 8, 8], datatype: "float", data: good }] },
      400,
      `input 'input': "float" is not a datatype of the protocol; the model takes FP32`,
    ],
    [
      "datatype not a string",
      { inputs: [{ name: "input", shape: [1, 1, 8, 8], datatype: 32, data: good }] },
      400,
      "input 'input': 'datatype' must be a string, got 32",
    ],
    [
      "shape not an array",
      inferBody("1x1x8x8" as unknown as number[], good),
      400,
      `input 'input': 'shape' must be an array of integers, got the string "1x1x8x8"`,
    ],
    [
      "wrong shape",
      inferBody([1, 8, 8], good),
      400,
      "input 'input': shape [1, 8, 8] does not match the model's input [-1, 1, 8, 8] (a batch dim, then one sample's shape)",
    ],
    [
      "wrong sample shape",
      inferBody([1, 1, 4, 16], good),
      400,
      "input 'input': shape [1, 1, 4, 16] does not match the model's input [-1, 1, 8, 8] (a batch dim, then one sample's shape)",
    ],
    [
      "fractional dim",
      inferBody([1.5, 1, 8, 8], good),
      400,
      "input 'input': shape[0] is 1.5; dims must be non-negative integers",
    ],
    [
      "negative dim",
      inferBody([-1, 1, 8, 8], good),
      400,
      "input 'input': shape[0] is -1; dims must be non-negative integers",
    ],
    [
      "huge dims",
      inferBody([1e9, 1e9], good),
      400,
      "input 'input': shape [1000000000, 1000000000] does not match the model's input [-1, 1, 8, 8] (a batch dim, then one sample's shape)",
    ],
    [
      "huge batch",
      inferBody([1e9, 1, 8, 8], good),
      400,
      "input 'input': a batch of 1000000000 exceeds this server's limit of 1024 samples per request",
    ],
    [
      "empty batch",
      inferBody([0, 1, 8, 8], []),
      400,
      "input 'input': shape [0, 1, 8, 8] has no samples",
    ],
    [
      "too few values",
      inferBody([1, 1, 8, 8], good.slice(1)),
      400,
      "input 'input': shape [1, 1, 8, 8] needs 64 values, got 63 (too few)",
    ],
    [
      "too many values",
      inferBody([1, 1, 8, 8], [...good, 0]),
      400,
      "input 'input': shape [1, 1, 8, 8] needs 64 values, got 65 (too many)",
    ],
    [
      "data not an array",
      inferBody([1, 1, 8, 8], "AAAA"),
      400,
      `input 'input': 'data' must be an array of numbers (flat, row-major, or nested), got the string "AAAA"`,
    ],
    [
      "NaN as a string",
      inferBody([1, 1, 8, 8], ["NaN", ...good.slice(1)]),
      400,
      `input 'input': value 0 is the string "NaN"; FP32 data must be numbers (NaN and Infinity cannot be sent)`,
    ],
    [
      "null (JSON.stringify of NaN)",
      inferBody([1, 1, 8, 8], [...good.slice(1), null]),
      400,
      "input 'input': value 63 is null; FP32 data must be numbers (NaN and Infinity cannot be sent)",
    ],
    [
      "float32 overflow",
      `{"inputs":[{"name":"input","shape":[1,1,8,8],"datatype":"FP32","data":[1e39${
        ",0".repeat(63)
      }]}]}`,
      400,
      "input 'input': value 0 (1e+39) overflows float32 (largest magnitude 3.4028234663852886e38); FP32 data must be finite",
    ],
    [
      "JSON Infinity (1e999)",
      `{"inputs":[{"name":"input","shape":[1,1,8,8],"datatype":"FP32","data":[${
        "0,".repeat(5)
      }-1e999${",0".repeat(58)}]}]}`,
      400,
      "input 'input': value 5 (-Infinity) overflows float32 (largest magnitude 3.4028234663852886e38); FP32 data must be finite",
    ],
    [
      "nested too deep",
      inferBody([1, 1, 8, 8], [[[[[good]]]]]),
      400,
      "input 'input': 'data' is nested deeper than its shape [1, 1, 8, 8] has dims",
    ],
    [
      "id not a string",
      { id: 5, ...inferBody([1, 1, 8, 8], good) },
      400,
      "'id' must be a string, got 5",
    ],
    [
      "unknown output",
      { ...inferBody([1, 1, 8, 8], good), outputs: [{ name: "embeddings" }] },
      400,
      `unexpected inference output "embeddings" for model "tiny-cnn"; its outputs are 'logits', 'probabilities'`,
    ],
    [
      "binary data",
      {
        inputs: [{
          name: "input",
          shape: [1, 1, 8, 8],
          datatype: "FP32",
          parameters: { binary_data_size: 256 },
        }],
      },
      400,
      "inputs[0]: binary tensor data is not supported; send the values in 'data'",
    ],
  ];
  for (const [what, body, status, message] of cases) {
    const result = await errorOf(post("/v2/models/tiny-cnn/infer", body));
    assert.equal(result.status, status, `${what}: ${result.error}`);
    if (typeof message === "string") assert.equal(result.error, message, what);
    else assert.match(result.error, message, what);
  }
  const invalidUtf8 = await errorOf(
    post("/v2/models/tiny-cnn/infer", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
  );
  assert.deepEqual(invalidUtf8, {
    status: 400,
    error: "request body is not valid UTF-8 text; expected a JSON object",
  });
  assert.deepEqual(await errorOf(post("/v2/models/nope/infer", inferBody([1, 1, 8, 8], good))), {
    status: 404,
    error: `unknown model "nope"; served: 'tiny-cnn', 'tiny-mlp'`,
  });
});

Deno.test("outputs JSON cannot carry (overflow inside the model) are a 422, not garbage", async () => {
  const registry = new ModelRegistry();
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 2));
  // Disposed here: left to the garbage collector, they would be freed during a later test that
  // compares the allocator's live bytes.
  using weight = ones([2, 4]) as DisposableTensor, bias = zeros([2]) as DisposableTensor;
  model.loadStateDict({ "1.weight": weight, "1.bias": bias });
  registry.add("sum", {
    model,
    config: { format: "edgegrad", version: 1, architecture: model.toConfig(), inputShape: [4] },
  });
  const local = createApp({ registry });
  const r = await local.request("/v2/models/sum/infer", {
    method: "POST",
    body: JSON.stringify(inferBody([1, 4], [3e38, 3e38, 3e38, 3e38])),
  });
  assert.equal(r.status, 422);
  assert.match(
    (await r.json()).error,
    /^output 'logits' of model "sum" has Infinity at index 0, which JSON cannot carry/,
  );
});

Deno.test("bodies over maxBodyBytes get 413, by Content-Length and by streamed size", async () => {
  const small = createApp({ registry: shared.registry, maxBodyBytes: 1000 });
  const body = JSON.stringify(inferBody([1, 1, 8, 8], randomValues(64, 6)));
  assert.ok(body.length > 1000);
  assert.deepEqual(
    await errorOf(small.request("/v2/models/tiny-cnn/infer", {
      method: "POST",
      body,
      headers: { "content-length": String(body.length) },
    })),
    {
      status: 413,
      error: `request body of ${body.length} bytes exceeds the limit of 1000 bytes`,
    },
  );
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 100) controller.enqueue(bytes.slice(i, i + 100));
      controller.close();
    },
  });
  const request = new Request("http://localhost/v2/models/tiny-cnn/infer", {
    method: "POST",
    body: stream,
  });
  assert.equal(request.headers.get("content-length"), null);
  assert.deepEqual(await errorOf(small.request(request)), {
    status: 413,
    error: "request body runs past the limit of 1000 bytes",
  });
  // A Content-Length that understates the body does not get past the limit either.
  const lying = new Request("http://localhost/v2/models/tiny-cnn/infer", {
    method: "POST",
    body: bytes,
    headers: { "content-length": "10" },
  });
  assert.equal((await small.request(lying)).status, 413);
  assert.deepEqual(
    await errorOf(small.request("/v2/models/tiny-cnn/infer", {
      method: "POST",
      body: "{}",
      headers: { "content-length": "lots" },
    })),
    { status: 400, error: 'Content-Length "lots" is not a number' },
  );
  // The default limit is 8 MiB.
  const huge = new Uint8Array(8 * 1024 * 1024 + 1).fill(0x20);
  assert.equal((await post("/v2/models/tiny-cnn/infer", huge)).status, 413);
});

Deno.test("unknown routes are 404 and wrong methods 405, both with JSON errors", async () => {
  assert.deepEqual(await errorOf(app.request("/v3/anything")), {
    status: 404,
    error: `no route for GET "/v3/anything"; the inference API is under /v2 (see GET /v2)`,
  });
  const r = await app.request("/v2/models/tiny-cnn/infer");
  assert.equal(r.headers.get("allow"), "POST");
  assert.deepEqual(await errorOf(r), {
    status: 405,
    error: "method GET is not allowed on /v2/models/tiny-cnn/infer; use POST",
  });
  const del = await app.request("/v2/models/tiny-cnn", { method: "DELETE" });
  assert.equal(del.status, 405);
  assert.equal(del.headers.get("allow"), "GET, HEAD");
  assert.equal((await app.request("/v2/health/live", { method: "PUT" })).status, 405);
  assert.equal((await app.request("/v2/health/live", { method: "HEAD" })).status, 200);
});

Deno.test("model names cannot reach outside the models folder", async () => {
  for (
    const name of [
      "..",
      ".",
      "../tiny-cnn",
      "a/b",
      "/etc",
      ".hidden",
      "-x",
      "x".repeat(65),
      "a\\b",
      "",
      "tiny cnn",
    ]
  ) {
    assert.equal(isValidModelName(name), false, name);
  }
  for (const name of ["tiny-cnn", "a", "v1.2_final", "x".repeat(64)]) {
    assert.equal(isValidModelName(name), true, name);
  }
  for (
    const path of [
      "/v2/models/..%2F..%2Fetc%2Fpasswd/infer",
      "/v2/models/%2e%2e/infer",
      "/v2/models/tiny-cnn%2F..%2Ftiny-cnn/infer",
    ]
  ) {
    const r = await post(path, inferBody([1, 1, 8, 8], randomValues(64, 7)));
    assert.equal(r.status, 404, path);
  }
  // URL parsing resolves dot segments before routing: this is GET /v2/health/live.
  assert.equal((await app.request("/v2/models/../health/live")).status, 200);

  // A folder with a symlink to a model elsewhere, and a model whose weights link outside.
  const outside = await Deno.makeTempDir({ prefix: "edgegrad_outside_" });
  const root = await Deno.makeTempDir({ prefix: "edgegrad_root_" });
  await save(tinyCnn(), `${outside}/secret`, { inputShape: [1, 8, 8] });
  await Deno.symlink(`${outside}/secret`, `${root}/linked`);
  await Deno.mkdir(`${root}/sneaky`);
  await Deno.copyFile(`${outside}/secret/config.json`, `${root}/sneaky/config.json`);
  await Deno.symlink(`${outside}/secret/model.safetensors`, `${root}/sneaky/model.safetensors`);
  await Deno.mkdir(`${root}/inside`);
  await Deno.copyFile(`${outside}/secret/config.json`, `${root}/inside/config.json`);
  await Deno.copyFile(`${outside}/secret/model.safetensors`, `${root}/inside/model.safetensors`);
  await Deno.symlink(`${root}/inside`, `${root}/alias`); // a link that stays inside is fine
  const errors: string[] = [];
  const registry = await registryFromDirectory(root, {
    onError: (name, error) => errors.push(`${name}: ${error.message}`),
  });
  assert.deepEqual(registry.names(), ["alias", "inside"]);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^sneaky: .*sneaky\/model\.safetensors leads outside/);
  const source = directorySource(root);
  await assert.rejects(source.load("linked"), /leads outside/);
  await assert.rejects(source.load("../outside"), /is not a valid model name/);
  await assert.rejects(source.load("missing"), /no model "missing"/);
  for (const name of registry.names()) registry.remove(name);
  await Deno.remove(outside, { recursive: true });
  await Deno.remove(root, { recursive: true });
});

Deno.test("the demo page's model files cannot follow a link out of the models folder (defect 3)", async () => {
  const outside = await Deno.makeTempDir({ prefix: "edgegrad_outside_" });
  const root = await Deno.makeTempDir({ prefix: "edgegrad_root_" });
  await Deno.writeTextFile(`${outside}/config.json`, '{"secret": true}');
  await Deno.symlink(outside, `${root}/x`); // the model folder is a link to elsewhere
  await Deno.mkdir(`${root}/inside`);
  await Deno.writeTextFile(`${root}/inside/config.json`, '{"inside": true}');
  await Deno.symlink(`${outside}/config.json`, `${root}/inside/model.safetensors`);
  await Deno.symlink(`${root}/inside`, `${root}/alias`); // a link that stays inside is fine
  const withPage = createApp({ registry: shared.registry, page: pageHandler({ modelsDir: root }) });
  assert.deepEqual(await errorOf(withPage.request("/models/x/config.json")), {
    status: 403,
    error: "config.json of model x leads outside its folder",
  });
  assert.deepEqual(await errorOf(withPage.request("/models/inside/model.safetensors")), {
    status: 403,
    error: "model.safetensors of model inside leads outside its folder",
  });
  for (const name of ["inside", "alias"]) {
    const r = await withPage.request(`/models/${name}/config.json`);
    assert.equal(r.status, 200, name);
    assert.deepEqual(await r.json(), { inside: true });
  }
  assert.deepEqual(await errorOf(withPage.request("/models/absent/config.json")), {
    status: 404,
    error: "config.json of model absent not found",
  });
  await Deno.remove(outside, { recursive: true });
  await Deno.remove(root, { recursive: true });
});

Deno.test("admin routes are off without a token, and need the token when on", async () => {
  const body = JSON.stringify({});
  assert.deepEqual(
    await errorOf(app.request("/v2/repository/models/tiny-cnn/unload", { method: "POST", body })),
    {
      status: 403,
      error: "the model repository routes are disabled: the server has no admin token configured",
    },
  );
  assert.equal((await app.request("/v2/repository/index", { method: "POST" })).status, 403);

  const { dir, registry } = await fixture();
  const token = "s3cret-token";
  const admin = createApp({ registry, adminToken: token });
  const auth = { authorization: `Bearer ${token}` };
  assert.deepEqual((await (await admin.request("/v2")).json()).extensions, ["model_repository"]);
  let r = await admin.request("/v2/repository/models/tiny-cnn/unload", { method: "POST" });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="edgegrad"');
  assert.equal(
    (await r.json()).error,
    "the model repository routes need 'Authorization: Bearer <admin token>'",
  );
  r = await admin.request("/v2/repository/models/tiny-cnn/unload", {
    method: "POST",
    headers: { authorization: "Bearer wrong" },
  });
  assert.deepEqual(await errorOf(r), { status: 401, error: "the admin token is wrong" });
  r = await admin.request("/v2/repository/models/tiny-cnn/unload", {
    method: "POST",
    headers: { authorization: `Basic ${token}` },
  });
  assert.equal(r.status, 401);

  const baseline = memoryStats().liveBytes;
  r = await admin.request("/v2/repository/models/tiny-cnn/unload", {
    method: "POST",
    headers: auth,
  });
  assert.deepEqual(await r.json(), { name: "tiny-cnn", unload: true });
  assert.ok(memoryStats().liveBytes < baseline, "unloading frees the weights");
  assert.equal((await admin.request("/v2/models/tiny-cnn")).status, 404);
  r = await admin.request("/v2/repository/index", { method: "POST", headers: auth });
  assert.deepEqual(await r.json(), [
    { name: "tiny-cnn", version: "1", state: "UNAVAILABLE", reason: "unloaded" },
    { name: "tiny-mlp", version: "1", state: "READY", reason: "" },
  ]);
  assert.deepEqual(
    await errorOf(
      admin.request("/v2/repository/models/tiny-cnn/unload", { method: "POST", headers: auth }),
    ),
    { status: 404, error: 'unknown model "tiny-cnn"' },
  );
  // Load it back from the folder.
  r = await admin.request("/v2/repository/models/tiny-cnn/load", { method: "POST", headers: auth });
  assert.deepEqual(await r.json(), { name: "tiny-cnn", load: true });
  assert.equal(memoryStats().liveBytes, baseline);
  assert.equal((await admin.request("/v2/models/tiny-cnn/ready")).status, 200);
  assert.deepEqual(
    await errorOf(
      admin.request("/v2/repository/models/absent/load", { method: "POST", headers: auth }),
    ),
    { status: 404, error: `no model "absent" in ${dir}` },
  );
  assert.deepEqual(
    await errorOf(
      admin.request("/v2/repository/models/..%2Fescape/load", { method: "POST", headers: auth }),
    ),
    {
      status: 400,
      error:
        `model name "../escape" is not valid: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    },
  );
  // Load a model sent in the request (Triton's config + file override), as another name.
  const weights = await Deno.readFile(`${dir}/tiny-cnn/model.safetensors`);
  const config = await Deno.readTextFile(`${dir}/tiny-cnn/config.json`);
  let binary = "";
  for (const byte of weights) binary += String.fromCharCode(byte);
  r = await admin.request("/v2/repository/models/uploaded/load", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ parameters: { config, "file:model.safetensors": btoa(binary) } }),
  });
  assert.deepEqual(await r.json(), { name: "uploaded", load: true });
  const values = randomValues(64, 8);
  const a = await (await admin.request("/v2/models/uploaded/infer", {
    method: "POST",
    body: JSON.stringify(inferBody([1, 1, 8, 8], values)),
  })).json();
  const b = await (await admin.request("/v2/models/tiny-cnn/infer", {
    method: "POST",
    body: JSON.stringify(inferBody([1, 1, 8, 8], values)),
  })).json();
  assert.deepEqual(a.outputs, b.outputs);
  const bad = await errorOf(admin.request("/v2/repository/models/broken/load", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      parameters: { config, "file:model.safetensors": btoa("not safetensors") },
    }),
  }));
  assert.equal(bad.status, 400);
  assert.match(bad.error, /^cannot load model "broken": /);
  for (const name of registry.names()) registry.remove(name);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the repository index answers 503 naming the models folder when it has gone, and serving goes on", async () => {
  const { dir, registry } = await fixture();
  const admin = createApp({ registry, adminToken: "s3cret-token" });
  const index = () =>
    admin.request("/v2/repository/index", {
      method: "POST",
      headers: { authorization: "Bearer s3cret-token" },
    });
  assert.equal((await index()).status, 200);
  await Deno.remove(dir, { recursive: true });
  assert.deepEqual(await errorOf(index()), {
    status: 503,
    error: `the model repository cannot be listed: the models folder ${dir} does not exist`,
  });
  // A file where the folder was: the folder cannot be read.
  await Deno.writeTextFile(dir, "not a folder");
  const notFolder = await errorOf(index());
  assert.equal(notFolder.status, 503);
  assert.ok(
    notFolder.error.startsWith(
      `the model repository cannot be listed: cannot read the models folder ${dir}: `,
    ),
    notFolder.error,
  );
  // The models loaded before are still served.
  const r = await admin.request("/v2/models/tiny-cnn/infer", {
    method: "POST",
    body: JSON.stringify(inferBody([1, 1, 8, 8], randomValues(64, 3))),
  });
  assert.equal(r.status, 200, await r.clone().text());
  for (const name of registry.names()) registry.remove(name);
  await Deno.remove(dir);
});

Deno.test("a load refused for want of memory leaves inference working, with the same outputs (defect 1)", async () => {
  const admin = createApp({ registry: shared.registry, adminToken: "s3cret-token" });
  const batch = 37;
  const values = randomValues(batch * 64, 11);
  // The outputs before the failed load, one sample at a time: this leaves no free block of the
  // sizes a batch of 37 needs, so the inference below has to carve new ones after the failure.
  const expected = Array.from(
    { length: batch },
    (_, i) => inProcess("tiny-cnn", values.slice(i * 64, (i + 1) * 64), [1, 1, 8, 8]).logits,
  ).flat();
  // Linear(784 → 2,000,000) needs 6.3 GB of weights: more than WebAssembly memory can hold.
  const config = {
    format: "edgegrad",
    version: 1,
    architecture: {
      type: "Sequential",
      children: [{
        type: "Linear",
        options: { inFeatures: 784, outFeatures: 2_000_000, bias: true },
      }],
    },
    inputShape: [784],
  };
  const refused = await errorOf(admin.request("/v2/repository/models/huge/load", {
    method: "POST",
    headers: { authorization: "Bearer s3cret-token" },
    body: JSON.stringify({ parameters: { config, "file:model.safetensors": btoa("{}") } }),
  }));
  assert.ok(refused.status >= 400 && refused.status < 500, `status ${refused.status}`);
  assert.match(refused.error, /^cannot load model "huge": /);
  assert.equal((await admin.request("/v2/models/huge")).status, 404);
  assert.deepEqual(await (await admin.request("/v2/health/ready")).json(), { ready: true });
  const r = await admin.request("/v2/models/tiny-cnn/infer", {
    method: "POST",
    body: JSON.stringify(inferBody([batch, 1, 8, 8], values)),
  });
  assert.equal(r.status, 200, await r.clone().text());
  assertClose((await r.json()).outputs[0].data, expected, { atol: 1e-6, rtol: 1e-5 });
});

Deno.test("createApp refuses unknown options and an admin token a bearer header cannot carry", async () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => createApp({ registry: shared.registry, adminTokens: "x" } as any),
    /createApp: unknown option "adminTokens"/,
  );
  assert.throws(
    () => createApp({ registry: shared.registry, adminToken: "has space" }),
    /createApp: the admin token may only use letters, digits and - \. _ ~ \+ \//,
  );
  const admin = createApp({ registry: shared.registry, adminToken: "s3cret-token" });
  assert.deepEqual(
    await errorOf(admin.request("/v2/repository/index", {
      method: "POST",
      headers: { authorization: "Bearer" },
    })),
    { status: 401, error: "the Authorization header is not 'Bearer <admin token>'" },
  );
  // The scheme in any case, spaces after it: past the auth, to the route's own 404.
  const r = await admin.request("/v2/repository/models/nope/unload", {
    method: "POST",
    headers: { authorization: "bearer   s3cret-token" },
  });
  assert.deepEqual(await errorOf(r), { status: 404, error: 'unknown model "nope"' });
});

Deno.test("CORS: off by default, any origin with '*', or a list of origins", async () => {
  const headers = { origin: "https://example.com" };
  assert.equal(
    (await app.request("/v2/health/live", { headers })).headers.get("access-control-allow-origin"),
    null,
  );
  const any = createApp({ registry: shared.registry, cors: "*" });
  assert.equal(
    (await any.request("/v2/health/live", { headers })).headers.get("access-control-allow-origin"),
    "*",
  );
  const errored = await any.request("/v2/models/nope", { headers });
  assert.equal(errored.status, 404);
  assert.equal(errored.headers.get("access-control-allow-origin"), "*");
  const preflight = await any.request("/v2/models/tiny-cnn/infer", {
    method: "OPTIONS",
    headers: {
      ...headers,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
  const listed = createApp({ registry: shared.registry, cors: ["https://example.com"] });
  assert.equal(
    (await listed.request("/v2/health/live", { headers })).headers.get(
      "access-control-allow-origin",
    ),
    "https://example.com",
  );
  assert.equal(
    (await listed.request("/v2/health/live", { headers: { origin: "https://evil.test" } })).headers
      .get("access-control-allow-origin"),
    null,
  );
});

/** Expected model input for 0..255 pixels, computed here independently of the server. */
function preprocess(pixels: number[]): Float32Array {
  const f = Math.fround;
  return Float32Array.from(
    pixels,
    (v) => f(f(v * PREPROCESSING.scale) - f(PREPROCESSING.mean)) / f(PREPROCESSING.std),
  );
}

Deno.test("classify: a PNG (gray, RGBA, larger, multipart, inverted) gives the in-process probabilities", async () => {
  const pixels = Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
  const gray = encode({
    width: 8,
    height: 8,
    data: Uint8Array.from(pixels),
    depth: 8,
    channels: 1,
  });
  let r = await post("/v2/models/tiny-cnn/classify", gray, { "content-type": "image/png" });
  assert.equal(r.status, 200);
  const answer = await r.json();
  const expected =
    inProcess("tiny-cnn", Array.from(preprocess(pixels)), [1, 1, 8, 8]).probabilities;
  assertClose(answer.probabilities, expected, { atol: 0, rtol: 1e-7 });
  const index = expected.indexOf(Math.max(...expected));
  assert.deepEqual({ ...answer, probabilities: undefined }, {
    model_name: "tiny-cnn",
    label: LABELS[index],
    index,
    labels: LABELS,
    probabilities: undefined,
  });

  // 16×16 RGBA, each 2×2 block one gray value: area averaging gives back the 8×8 image.
  const rgba = new Uint8Array(16 * 16 * 4);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const v = pixels[(y >> 1) * 8 + (x >> 1)];
      rgba.set([v, v, v, 255], (y * 16 + x) * 4);
    }
  }
  const large = encode({ width: 16, height: 16, data: rgba, depth: 8, channels: 4 });
  const form = new FormData();
  form.append(
    "image",
    new Blob([large as Uint8Array<ArrayBuffer>], { type: "image/png" }),
    "digit.png",
  );
  r = await app.request("/v2/models/tiny-cnn/classify", { method: "POST", body: form });
  assert.equal(r.status, 200);
  assertClose((await r.json()).probabilities, expected, { atol: 1e-6, rtol: 1e-5 });

  // Dark on light, inverted; and the flat-input MLP takes an 8×8 image as [64].
  const inverted = encode({
    width: 8,
    height: 8,
    data: Uint8Array.from(pixels, (v) => 255 - v),
    depth: 8,
    channels: 1,
  });
  r = await post("/v2/models/tiny-cnn/classify?invert=1", inverted, {
    "content-type": "image/png",
  });
  assertClose((await r.json()).probabilities, expected, { atol: 1e-6, rtol: 1e-5 });
  r = await post("/v2/models/tiny-mlp/classify", gray, { "content-type": "image/png" });
  const mlp = await r.json();
  assert.deepEqual(mlp.labels, ["0", "1", "2"]);
  assertClose(
    mlp.probabilities,
    inProcess("tiny-mlp", Array.from(preprocess(pixels)), [1, 64]).probabilities,
    { atol: 0, rtol: 1e-7 },
  );
});

/**
 * A PNG of `width`×`height` at bit depth 8 (gray unless `colourType` says otherwise), `before`
 * chunks ahead of one IDAT holding `raw` compressed with zlib.
 */
async function craftPng(
  width: number,
  height: number,
  raw: Uint8Array,
  { colourType = 0, before = [] as { type: string; data: Uint8Array }[] } = {},
): Promise<Uint8Array> {
  const compressed = new Uint8Array(
    await new Response(
      new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream("deflate"),
      ),
    ).arrayBuffer(),
  );
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    new DataView(out.buffer).setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    return out; // fast-png does not check CRCs by default
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, colourType, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    ...before.map(({ type, data }) => chunk(type, data)),
    chunk("IDAT", compressed),
    chunk("IEND", new Uint8Array()),
  ];
  return new Uint8Array(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
}

Deno.test("classify refuses what is not a usable PNG: other types, bombs, huge images, non-image models", async () => {
  const png = (body: Uint8Array | string, type = "image/png") =>
    errorOf(post("/v2/models/tiny-cnn/classify", body, { "content-type": type }));
  assert.deepEqual(await png("hello", "text/plain"), {
    status: 415,
    error:
      `expected a PNG image: an image/png body, or multipart/form-data with the PNG in field 'image' (content type was "text/plain")`,
  });
  assert.deepEqual(await png(""), {
    status: 400,
    error: "request body is empty; send a PNG image",
  });
  const signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  assert.deepEqual(await png(signature), {
    status: 400,
    error: "not a usable PNG image: the data ends before the IEND chunk",
  });
  // 8×8 declared, but the data inflates to a megabyte.
  const bomb = await craftPng(8, 8, new Uint8Array(1 << 20));
  const bombError = await png(bomb);
  assert.equal(bombError.status, 400);
  assert.match(bombError.error, /inflates past 72 bytes/);
  assert.deepEqual(await png(await craftPng(100_000, 100_000, new Uint8Array(10))), {
    status: 413,
    error: "image of 100000×100000 pixels exceeds the limit of 4194304 pixels",
  });
  const truncated = encode({ width: 8, height: 8, data: new Uint8Array(64), depth: 8, channels: 1 })
    .slice(0, 40);
  assert.equal((await png(truncated)).status, 400);
  const form = new FormData();
  form.append("note", "no file here");
  assert.deepEqual(
    await errorOf(app.request("/v2/models/tiny-cnn/classify", { method: "POST", body: form })),
    {
      status: 400,
      error: "the multipart body has no file; send the PNG in field 'image'",
    },
  );
  assert.equal(
    (await post("/v2/models/tiny-cnn/classify", "--x\r\nbroken", {
      "content-type": "multipart/form-data; boundary=x",
    })).status,
    400,
  );

  const registry = new ModelRegistry();
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(6, 2));
  registry.add("vector", {
    model,
    config: { format: "edgegrad", version: 1, architecture: model.toConfig(), inputShape: [6] },
  });
  const local = createApp({ registry });
  const gray = encode({ width: 8, height: 8, data: new Uint8Array(64), depth: 8, channels: 1 });
  assert.deepEqual(
    await errorOf(local.request("/v2/models/vector/classify", {
      method: "POST",
      body: gray as Uint8Array<ArrayBuffer>,
    })),
    {
      status: 400,
      error:
        "the model's input shape [6] is not a grayscale image ([1, H, W], [H, W] or [H·W]); send tensors to /infer instead",
    },
  );
});

/** Filtered image data for 8-bit one-sample pixels: filter byte 0, then the row. */
function rawRows(width: number, height: number, sample: (x: number, y: number) => number) {
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = sample(x, y);
  }
  return raw;
}

Deno.test("classify refuses a tall or elongated PNG from its header, before decoding it (defect 2)", async () => {
  const png = (body: Uint8Array) =>
    errorOf(post("/v2/models/tiny-cnn/classify", body, { "content-type": "image/png" }));
  // 8 KB compressed, 4194304 pixels (within the pixel limit): resizing it took seconds and 1.3 GB.
  const tall = await craftPng(1, 4194304, new Uint8Array(4194304 * 2));
  assert.ok(tall.length < 16384, `${tall.length} bytes`);
  assert.deepEqual(await png(tall), {
    status: 413,
    error: "image of 1×4194304 pixels has a side over the limit of 4096 pixels",
  });
  assert.deepEqual(await png(await craftPng(4096, 64, new Uint8Array(64 * 4097))), {
    status: 400,
    error:
      "not a usable PNG image: the image of 4096×64 pixels is 64 times as wide as it is tall; at most 32:1 is accepted (crop it to the digit)",
  });
  // At the limits: 32:1, and the longest side.
  const narrow = await post(
    "/v2/models/tiny-cnn/classify",
    await craftPng(128, 4096, rawRows(128, 4096, (x, y) => (x * 7 + y) % 256)),
    { "content-type": "image/png" },
  );
  assert.equal(narrow.status, 200);
});

Deno.test("classify refuses a palette PNG without a palette, and reads one with it (defect 6)", async () => {
  const pixels = Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
  const indices = rawRows(8, 8, (x, y) => (y * 8 + x) % 4);
  const noPalette = await craftPng(8, 8, indices, { colourType: 3 });
  assert.deepEqual(
    await errorOf(post("/v2/models/tiny-cnn/classify", noPalette, { "content-type": "image/png" })),
    {
      status: 400,
      error:
        "not a usable PNG image: a palette image (colour type 3) needs a PLTE chunk before its image data, and this one has none; save it as grayscale or RGB",
    },
  );
  // With a palette of gray entries, the image is the gray image those entries spell.
  const levels = [pixels[3], pixels[10], pixels[17], pixels[60]];
  const plte = Uint8Array.from(levels.flatMap((v) => [v, v, v]));
  const withPalette = await craftPng(8, 8, indices, {
    colourType: 3,
    before: [{ type: "PLTE", data: plte }],
  });
  const r = await post("/v2/models/tiny-cnn/classify", withPalette, {
    "content-type": "image/png",
  });
  assert.equal(r.status, 200);
  const gray = Array.from({ length: 64 }, (_, i) => levels[i % 4]);
  assertClose(
    (await r.json()).probabilities,
    inProcess("tiny-cnn", Array.from(preprocess(gray)), [1, 1, 8, 8]).probabilities,
    { atol: 0, rtol: 1e-7 },
  );
});

/** Area resampling by its definition: each output pixel integrates the source over its box. */
function areaReference(source: GrayImage, width: number, height: number): Float64Array {
  const sx = source.width / width, sy = source.height / height;
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let v = 0; v < source.height; v++) {
        const dy = Math.min((y + 1) * sy, v + 1) - Math.max(y * sy, v);
        if (dy <= 0) continue;
        for (let u = 0; u < source.width; u++) {
          const dx = Math.min((x + 1) * sx, u + 1) - Math.max(x * sx, u);
          if (dx > 0) sum += dx * dy * source.pixels[v * source.width + u];
        }
      }
      out[y * width + x] = sum / (sx * sy);
    }
  }
  return out;
}

Deno.test("resizeArea averages each output pixel's box, down, up and at odd ratios", () => {
  for (
    const [w, h, tw, th] of [[16, 16, 8, 8], [28, 28, 28, 28], [37, 23, 28, 28], [5, 3, 28, 28], [
      1,
      90,
      8,
      8,
    ], [
      100,
      7,
      9,
      13,
    ]]
  ) {
    const source: GrayImage = {
      width: w,
      height: h,
      pixels: Float32Array.from({ length: w * h }, (_, i) => (i * 53) % 256),
    };
    const resized = resizeArea(source, tw, th);
    assert.deepEqual([resized.width, resized.height], [tw, th]);
    assertClose(Array.from(resized.pixels), Array.from(areaReference(source, tw, th)), {
      atol: 1e-3,
      rtol: 1e-5,
    });
  }
  // An exact 2:1 reduction is the mean of 2×2 blocks, exactly.
  const blocks = resizeArea({ width: 2, height: 2, pixels: Float32Array.of(1, 2, 3, 6) }, 1, 1);
  assert.deepEqual(Array.from(blocks.pixels), [3]);
});

Deno.test("every request leaves the allocator's live bytes where they were", async () => {
  const values = randomValues(70 * 64, 9);
  const png = encode({
    width: 12,
    height: 12,
    data: new Uint8Array(144).fill(99),
    depth: 8,
    channels: 1,
  });
  const requests = [
    () => post("/v2/models/tiny-cnn/infer", inferBody([70, 1, 8, 8], values)),
    () => post("/v2/models/tiny-mlp/infer", inferBody([2, 64], values.slice(0, 128))),
    () => post("/v2/models/tiny-cnn/infer", inferBody([1, 1, 8, 8], values.slice(1, 64))),
    () => post("/v2/models/tiny-cnn/classify", png, { "content-type": "image/png" }),
    () => app.request("/v2/models/tiny-cnn"),
    () => app.request("/metrics"),
  ];
  for (const send of requests) await send(); // warm-up: the kernels' workspace reaches its size
  const baseline = memoryStats();
  for (let round = 0; round < 3; round++) {
    for (const send of requests) {
      const r = await send();
      await r.arrayBuffer();
      assert.ok(r.status < 500);
      assert.equal(memoryStats().liveBytes, baseline.liveBytes);
    }
  }
  assert.equal(memoryStats().memoryBytes, baseline.memoryBytes);
});

Deno.test("the logger gets one line per request; /metrics counts requests and memory", async () => {
  const lines: string[] = [];
  const logged = createApp({ registry: shared.registry, logger: (line) => lines.push(line) });
  await logged.request("/v2/health/live");
  await logged.request("/v2/models/nope");
  await logged.request("/v2/models/tiny-cnn/infer", {
    method: "POST",
    body: JSON.stringify(inferBody([1, 1, 8, 8], randomValues(64, 10))),
  });
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^GET \/v2\/health\/live 200 \d+\.\dms$/);
  assert.match(lines[1], /^GET \/v2\/models\/nope 404 \d+\.\dms$/);
  assert.match(lines[2], /^POST \/v2\/models\/tiny-cnn\/infer 200 \d+\.\dms$/);
  const metrics = await (await logged.request("/metrics")).text();
  assert.match(metrics, /^edgegrad_requests_total\{status="200"\} 2$/m);
  assert.match(metrics, /^edgegrad_requests_total\{status="404"\} 1$/m);
  assert.match(metrics, /^edgegrad_inferences_total 1$/m);
  assert.match(metrics, new RegExp(`^edgegrad_memory_live_bytes ${memoryStats().liveBytes}$`, "m"));
});

Deno.test("the page option answers GET requests outside the API", async () => {
  const withPage = createApp({ registry: shared.registry, page: (c) => c.html("<h1>demo</h1>") });
  assert.equal(await (await withPage.request("/")).text(), "<h1>demo</h1>");
  assert.equal(await (await withPage.request("/web/app.js")).text(), "<h1>demo</h1>");
  assert.equal((await withPage.request("/v2/nothing")).status, 404);
  assert.equal((await withPage.request("/", { method: "POST" })).status, 404);
});

Deno.test("registry: names are checked, models that do not fit their config are refused, remove frees", () => {
  const registry = new ModelRegistry();
  const model = new nn.Sequential(new nn.Linear(4, 2));
  const config: io.ModelConfigFile = {
    format: "edgegrad",
    version: 1,
    architecture: model.toConfig(),
    inputShape: [4],
  };
  assert.throws(() => registry.add("../x", { model, config }), /model name "..\/x" is not valid/);
  assert.throws(
    () => registry.add("wrong", { model, config: { ...config, inputShape: [5] } }),
    /^Error: model wrong: a forward pass on one input of shape \[1, 5\] .* failed: /,
  );
  const before = memoryStats().liveBytes;
  registry.add("a", { model, config });
  assert.deepEqual(registry.get("a")?.outputShape, [2]);
  assert.deepEqual(registry.names(), ["a"]);
  assert.equal(model.training, false, "served models are in eval mode");
  assert.equal(registry.remove("a"), true);
  assert.equal(registry.remove("a"), false);
  assert.equal(registry.get("a"), undefined);
  assert.ok(memoryStats().liveBytes < before, "remove disposes the weights");
});
