/**
 * Hostile input for the inference server: thousands of malformed requests (random JSON, wrong
 * types, huge shapes, deep nesting, binary garbage, huge strings, broken PNGs, forged admin
 * tokens, odd paths and methods) through `app.request`. None may get a 5xx or a non-JSON error,
 * health must still answer, and memory must come back: the allocator's live bytes to their
 * baseline, WebAssembly memory no longer growing after warm-up.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { encode } from "fast-png";
import { manualSeed, memoryStats, nn } from "../runtime/mod.ts";
import { createApp } from "../server/app.ts";
import { ModelRegistry } from "../server/registry.ts";

const TOKEN = "fuzz-admin-token";
const MAX_BODY = 256 * 1024;
const MAX_BATCH = 16;

manualSeed(11);
const model = new nn.Sequential(
  new nn.Conv2d(1, 2, 3, { padding: "same" }),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Flatten(),
  new nn.Linear(2 * 4 * 4, 3),
);
const registry = new ModelRegistry();
registry.add("tiny", {
  model,
  config: {
    format: "edgegrad",
    version: 1,
    architecture: model.toConfig(),
    inputShape: [1, 8, 8],
    labels: ["a", "b", "c"],
    preprocessing: { scale: 1 / 255, mean: 0.5, std: 0.25 },
  },
});
const app = createApp({
  registry,
  adminToken: TOKEN,
  cors: "*",
  maxBodyBytes: MAX_BODY,
  maxBatch: MAX_BATCH,
});

/** One request: method, path, headers, body. */
interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
}

const modelPaths = fc.constantFrom(
  "/v2/models/tiny/infer",
  "/v2/models/tiny/versions/1/infer",
  "/v2/models/tiny/classify",
  "/v2/models/tiny",
  "/v2/models/tiny/ready",
);
const anyPath = fc.oneof(
  modelPaths,
  fc.constantFrom(
    "/",
    "/v2",
    "/v2/",
    "/v2/health/live",
    "/v2/health/ready",
    "/v2/models",
    "/metrics",
    "/v2/repository/index",
    "/v2/repository/models/tiny2/load",
    "/v2/repository/models/x/unload",
  ),
  fc.array(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("..", ".", "%2e%2e", "%2F", "%00", "v2", "models", "tiny", "infer", "~"),
    ),
    { minLength: 1, maxLength: 6 },
  ).map((segments) =>
    `/${segments.map((s) => encodeURIComponent(s).replace(/%25/g, "%")).join("/")}`
  ),
);
const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

/** A float32 value, ordinary or extreme, or a JSON number float32 cannot hold. */
const number = fc.oneof(
  { weight: 8, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(3.4028234663852886e38, -3.4e38, 1e39, -1e300, 5e-324, 0, -0),
  },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
const dataItem = fc.oneof(
  { weight: 10, arbitrary: number },
  {
    weight: 1,
    arbitrary: fc.constantFrom("NaN", "Infinity", "-Infinity", "1", null, true, [], {}),
  },
);
const shape = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: MAX_BATCH }).map((n) => [n, 1, 8, 8]) },
  fc.array(
    fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constantFrom(1e9, 2 ** 53, 1.5, -0, "8", null)),
    {
      maxLength: 6,
    },
  ),
  fc.constantFrom([1e9, 1e9], [1e9, 1, 8, 8], [2 ** 31, 1, 8, 8], [0, 1, 8, 8], [], [64]),
);

/** Mostly `usual`, now and then one of `odd`. */
function mostly<T>(usual: T, odd: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: odd });
}

/** An inference request close to valid: the right structure with some fields wrong or missing. */
const nearInfer = fc.record({
  shape,
  name: mostly("input", fc.string({ maxLength: 8 })),
  datatype: mostly("FP32", fc.constantFrom("FP64", "INT32", "UINT8", "BYTES", "fp32", "")),
  extra: mostly(0, fc.integer({ min: -3, max: 3 })),
  nested: fc.boolean(),
  id: mostly<string | number | undefined>(
    undefined,
    fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
  ),
  drop: mostly<string | undefined>(
    undefined,
    fc.constantFrom("name", "shape", "datatype", "data", "inputs"),
  ),
  outputs: mostly<{ name: string }[] | undefined>(
    undefined,
    fc.array(fc.record({ name: fc.constantFrom("logits", "probabilities", "x") }), {
      maxLength: 3,
    }),
  ),
  values: fc.oneof(
    fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 64, maxLength: 64 }),
    fc.array(dataItem, { minLength: 64, maxLength: 64 }),
  ),
}).map(({ shape, name, datatype, extra, nested, id, drop, outputs, values }) => {
  const dims = shape as unknown[];
  const wanted = dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
    ? Math.min((dims as number[]).reduce((a, b) => a * b, 1), MAX_BATCH * 64)
    : 64;
  const count = Math.max(0, wanted + extra);
  const flat = Array.from({ length: count }, (_, i) => values[i % values.length]);
  const data = nested && count % 8 === 0
    ? Array.from({ length: count / 8 }, (_, i) => flat.slice(i * 8, i * 8 + 8))
    : flat;
  const input: Record<string, unknown> = { name, shape, datatype, data };
  const body: Record<string, unknown> = { inputs: [input] };
  if (id !== undefined) body.id = id;
  if (outputs !== undefined) body.outputs = outputs;
  if (drop === "inputs") delete body.inputs;
  else if (drop !== undefined) delete input[drop];
  return JSON.stringify(body);
});

/** Hand-made hostile bodies: deep nesting, huge strings and arrays, odd JSON. */
const hostileBody = fc.oneof(
  fc.integer({ min: 1, max: 60_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.integer({ min: 1, max: 30_000 }).map((depth) =>
    `{"inputs":[{"name":"input","shape":[1,1,8,8],"datatype":"FP32","data":${"[".repeat(depth)}0${
      "]".repeat(depth)
    }}]}`
  ),
  fc.integer({ min: 1, max: 20_000 }).map((depth) =>
    `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`
  ),
  fc.constantFrom(MAX_BODY - 100, MAX_BODY + 1, MAX_BODY * 2).map((n) =>
    `{"id":"${"x".repeat(n)}"}`
  ),
  fc.constantFrom(
    "null",
    "true",
    "0",
    '"inputs"',
    "{}",
    '{"inputs":null}',
    '{"inputs":[null]}',
    '{"__proto__":{"inputs":[]}}',
    '{"inputs":[{"__proto__":{"name":"input"}}]}',
    '{"inputs":[{"name":"input","shape":[1,1,8,8],"datatype":"FP32","data":[NaN]}]}',
    `{"inputs":[{"name":"input","shape":[16,1,8,8],"datatype":"FP32","data":[${
      Array(1024).fill("1e38").join(",")
    }]}]}`,
    "\uFEFF{}",
    '{"inputs": [',
  ),
);

/** PNGs: valid ones of many formats, and corrupted copies. */
const pngBytes = fc.record({
  width: fc.integer({ min: 1, max: 40 }),
  height: fc.integer({ min: 1, max: 40 }),
  channels: fc.constantFrom(1, 2, 3, 4),
  depth: fc.constantFrom(8, 16),
  seed: fc.integer({ min: 0, max: 255 }),
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
}).map(({ width, height, channels, depth, seed, flips, cut }) => {
  const n = width * height * channels;
  const data = depth === 8 ? new Uint8Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 131 + seed * 17) % (depth === 8 ? 256 : 65536);
  const bytes = encode({ width, height, data, depth, channels });
  for (const [at, value] of flips) bytes[at % bytes.length] = value;
  return cut === undefined ? bytes : bytes.slice(0, cut % bytes.length);
});

const contentType = fc.constantFrom(
  "application/json",
  "image/png",
  "text/plain",
  "multipart/form-data; boundary=zz",
  "multipart/form-data",
  "application/octet-stream",
  "",
);
const authorization = fc.oneof(
  fc.constant(`Bearer ${TOKEN}`),
  fc.constantFrom(
    "",
    "Bearer",
    "Bearer ",
    `bearer ${TOKEN}x`,
    `Basic ${TOKEN}`,
    `Bearer ${TOKEN.slice(1)}`,
  ),
  fc.string({ maxLength: 30 }),
);

const request: fc.Arbitrary<Sent> = fc.oneof(
  // Random JSON to the inference and admin routes.
  fc.tuple(
    fc.oneof(modelPaths, fc.constant("/v2/repository/models/other/load")),
    fc.jsonValue({ maxDepth: 6 }),
  )
    .map(([path, value]): Sent => ({
      method: "POST",
      path,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(value) ?? "null",
    })),
  // Valid inference requests of any batch size and any float32 values (extremes overflow: 422).
  fc.integer({ min: 1, max: MAX_BATCH }).chain((batch) =>
    fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), {
      minLength: batch * 64,
      maxLength: batch * 64,
    }).map((data): Sent => ({
      method: "POST",
      path: "/v2/models/tiny/infer",
      headers: {},
      body: JSON.stringify({
        inputs: [{ name: "input", shape: [batch, 1, 8, 8], datatype: "FP32", data }],
      }),
    }))
  ),
  // Nearly valid inference requests.
  nearInfer.map((body): Sent => ({
    method: "POST",
    path: "/v2/models/tiny/infer",
    headers: { "content-type": "application/json" },
    body,
  })),
  // Hostile bodies anywhere a body is read.
  fc.tuple(
    fc.constantFrom(
      "/v2/models/tiny/infer",
      "/v2/models/tiny/classify",
      "/v2/repository/models/zz/load",
    ),
    hostileBody,
  )
    .map(([path, body]): Sent => ({
      method: "POST",
      path,
      headers: { authorization: `Bearer ${TOKEN}` },
      body,
    })),
  // Binary garbage with any content type.
  fc.tuple(modelPaths, fc.uint8Array({ maxLength: 2048 }), contentType).map((
    [path, body, type],
  ): Sent => ({
    method: "POST",
    path,
    headers: type === "" ? {} : { "content-type": type },
    body,
  })),
  // PNG uploads, valid and broken, raw or as multipart.
  fc.tuple(pngBytes, fc.boolean()).map(([bytes, multipart]): Sent => {
    if (!multipart) {
      return {
        method: "POST",
        path: "/v2/models/tiny/classify",
        headers: { "content-type": "image/png" },
        body: bytes,
      };
    }
    const boundary = "fuzzboundary";
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="d.png"\r\n` +
      "Content-Type: image/png\r\n\r\n";
    const tail = `\r\n--${boundary}--\r\n`;
    const body = new Uint8Array([
      ...new TextEncoder().encode(head),
      ...bytes,
      ...new TextEncoder().encode(tail),
    ]);
    return {
      method: "POST",
      path: "/v2/models/tiny/classify",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
    };
  }),
  // Any method on any path, with odd headers.
  fc.tuple(
    method,
    anyPath,
    fc.option(fc.string({ maxLength: 200 }), { nil: null }),
    fc.option(contentType, { nil: undefined }),
  )
    .map(([m, path, body, type]): Sent => ({
      method: m,
      path,
      headers: type === undefined
        ? {}
        : { "content-type": type, "content-length": String(body?.length ?? 0) },
      body: m === "GET" || m === "HEAD" ? null : body,
    })),
  // Admin routes with forged tokens and names (never unloading the served model).
  fc.tuple(
    fc.constantFrom("load", "unload"),
    fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.constantFrom("..", "../tiny", "%2e%2e", "a".repeat(65)),
    ).filter((name) => name !== "tiny"),
    authorization,
    fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
  ).map(([action, name, auth, body]): Sent => ({
    method: "POST",
    path: `/v2/repository/models/${encodeURIComponent(name)}/${action}`,
    headers: auth === "" ? {} : { authorization: auth },
    body: body === undefined ? null : JSON.stringify(body),
  })),
);

function send(sent: Sent): Promise<Response> {
  const headers = new Headers();
  for (const [key, value] of Object.entries(sent.headers)) {
    try {
      headers.set(key, value);
    } catch {
      // A header value the Fetch API itself refuses (a newline, say) cannot reach the server.
    }
  }
  return Promise.resolve(app.request(sent.path, {
    method: sent.method,
    headers,
    body: sent.body as BodyInit | null,
  }));
}

const statuses = new Map<number, number>();

async function check(sent: Sent): Promise<void> {
  const response = await send(sent);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const text = await response.text();
  assert.ok(
    response.status < 500,
    `${sent.method} ${sent.path} got ${response.status}: ${text.slice(0, 300)}`,
  );
  if (response.status >= 400 && sent.method !== "HEAD") {
    const body = JSON.parse(text);
    assert.equal(typeof body.error, "string", `${sent.method} ${sent.path}: ${text.slice(0, 300)}`);
  }
}

async function healthy(): Promise<void> {
  assert.equal((await app.request("/v2/health/live")).status, 200);
  const ready = await app.request("/v2/health/ready");
  assert.deepEqual(await ready.json(), { ready: true });
}

function validInfer(batch: number): Sent {
  return {
    method: "POST",
    path: "/v2/models/tiny/infer",
    headers: {},
    body: JSON.stringify({
      inputs: [{
        name: "input",
        shape: [batch, 1, 8, 8],
        datatype: "FP32",
        data: Array.from({ length: batch * 64 }, (_, i) => Math.sin(i)),
      }],
    }),
  };
}

Deno.test("fuzz: 2,400 hostile requests, no 5xx, health answers, memory back to baseline", async () => {
  // Warm-up: the largest valid request sizes the kernels' workspace.
  await check(validInfer(MAX_BATCH));
  await check(validInfer(1));
  const baseline = memoryStats();
  await fc.assert(fc.asyncProperty(request, check), { numRuns: 400, seed: 1 });
  assert.equal(memoryStats().liveBytes, baseline.liveBytes);
  const warmed = memoryStats().memoryBytes;
  await fc.assert(fc.asyncProperty(request, check), { numRuns: 2000, seed: 2 });
  await healthy();
  const after = memoryStats();
  assert.equal(after.liveBytes, baseline.liveBytes, "live bytes back to baseline");
  assert.equal(after.memoryBytes, warmed, "wasm memory stopped growing after warm-up");
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ");
  console.log(
    `fuzz: ${total} requests: ${summary}; live bytes ${after.liveBytes}, wasm memory ${after.memoryBytes}`,
  );
  assert.ok(total >= 2400);
});

Deno.test("fuzz: 300 hostile requests at once (interleaved body reads), then health", async () => {
  const batch = fc.sample(request, { numRuns: 300, seed: 3 });
  const baseline = memoryStats().liveBytes;
  await Promise.all(batch.map(check));
  await healthy();
  assert.equal(memoryStats().liveBytes, baseline);
});
