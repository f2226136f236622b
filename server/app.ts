/**
 * The inference server as a pure Hono app over Web-standard Request/Response, so the same app runs
 * under Deno, in edge workers and in a browser. It speaks the Open Inference Protocol (KServe v2)
 * as Triton does, plus a PNG classify route for the demo page and Prometheus metrics:
 *
 * - `GET /v2/health/live`, `GET /v2/health/ready` (ready once a model is served), `GET /v2`
 * - `GET /v2/models` (names), `GET /v2/models/{name}` (metadata), `GET /v2/models/{name}/ready`
 * - `POST /v2/models/{name}/infer`: `{"id"?, "inputs": [{"name": "input", "shape": [N, ...],
 *   "datatype": "FP32", "data": [...]}], "outputs"?: [{"name"}]}` → `{"model_name",
 *   "model_version", "id"?, "outputs": [{"name": "logits" | "probabilities", "datatype": "FP32",
 *   "shape", "data"}]}`
 * - `POST /v2/models/{name}/classify`: a PNG (image/png body or multipart field "image") →
 *   `{"model_name", "label", "index", "labels", "probabilities"}`
 * - `POST /v2/repository/index`, `POST /v2/repository/models/{name}/load` and `/unload` (KServe's
 *   model repository extension): off unless `adminToken` is set, then `Authorization: Bearer`.
 * - `GET /metrics`: request counts and the allocator's memory, in Prometheus text format.
 *
 * Every error is a JSON `{"error": "..."}` that says what was wrong; client input never causes a
 * 5xx (the tests send thousands of hostile requests to check it).
 */
import type { Context } from "hono";
// The LinearRouter preset: nothing to compile at the first request (a worker answers ~4 ms sooner).
import { Hono } from "hono/quick";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { MiddlewareHandler } from "hono/types";
import { checkOptions, type OptionKeys } from "../runtime/options.ts";
import { io, memoryStats } from "../runtime/api.ts";
import { DEFAULT_MAX_BODY_BYTES, describe, quote, readBody, RequestError } from "./http.ts";
import { isPng, pngToInput } from "./image.ts";
import { runInference } from "./inference.ts";
import {
  disposeModel,
  INPUT_NAME,
  isValidModelName,
  ModelNotFoundError,
  type ModelRegistry,
  PROBABILITIES_OUTPUT,
  type ServedModel,
} from "./registry.ts";
import { checkInferRequest, parseJsonBody } from "./validation.ts";

/** What `createApp` serves and how. */
export interface AppOptions {
  /** The models served. */
  registry: ModelRegistry;
  /** Enables the model repository routes (load/unload) for `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** CORS: "*" for any origin, or the allowed origins; off when absent. */
  cors?: "*" | string[];
  /** Largest request body accepted (default 8 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Largest batch one inference request may carry (default 1024 samples). */
  maxBatch?: number;
  /** Answers GET requests outside the API (`/`, assets): the demo page. */
  page?: (c: Context) => Response | Promise<Response>;
  /** Receives one line per request: method, path, status, milliseconds. */
  logger?: (line: string) => void;
}

const KEYS: OptionKeys<AppOptions> = {
  registry: true,
  adminToken: true,
  cors: true,
  maxBodyBytes: true,
  maxBatch: true,
  page: true,
  logger: true,
};

/** The server's name and version in `GET /v2`. */
export const SERVER_NAME = "edgegrad";
/** See SERVER_NAME. */
export const SERVER_VERSION = "0.1.0";
/** Default of `maxBatch`. */
export const DEFAULT_MAX_BATCH = 1024;

const MODEL_VERSION = "1";
const PLATFORM = "edgegrad";

/** The model routes live under both prefixes: unversioned, and KServe's `/versions/{version}`. */
const MODEL_PREFIXES = ["/v2/models/:name", "/v2/models/:name/versions/:version"];

function errorResponse(c: Context, error: unknown): Response {
  // Hono's middleware (bearer auth) throws its answer, already a JSON error built here.
  if (error instanceof HTTPException) return error.getResponse();
  if (error instanceof RequestError) {
    return c.json({ error: error.message }, error.status, error.headers);
  }
  const message = error instanceof Error ? error.message : String(error);
  return c.json({ error: `internal error: ${message}` }, 500);
}

function decodeBase64(text: string, where: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new RequestError(400, `${where} is not valid base64`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The characters of a bearer token (RFC 6750's b64token), as Hono's bearer auth accepts them. */
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

function unauthorized(c: Context, error: string): Response {
  return c.json({ error }, 401, { "WWW-Authenticate": 'Bearer realm="edgegrad"' });
}

function flag(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", ""].includes(value.toLowerCase());
}

/**
 * Builds the server app.
 * @example
 * const registry = await registryFromDirectory("models");
 * Deno.serve(createApp({ registry, logger: console.log }).fetch);
 */
export function createApp(options: AppOptions): Hono {
  const { registry, adminToken, page, logger } = checkOptions("createApp", options, KEYS);
  if (adminToken !== undefined && adminToken !== "" && !TOKEN.test(adminToken)) {
    throw new Error(
      "createApp: the admin token may only use letters, digits and - . _ ~ + / (then '=' " +
        "padding), as a bearer token does (RFC 6750)",
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const counts = { requests: new Map<number, number>(), inferences: 0, samples: 0 };
  const app = new Hono();

  app.use("*", async (c, next) => {
    const start = performance.now();
    await next();
    const status = c.res.status;
    counts.requests.set(status, (counts.requests.get(status) ?? 0) + 1);
    if (logger !== undefined) {
      const path = new URL(c.req.url).pathname;
      const ms = (performance.now() - start).toFixed(1);
      logger(
        `${c.req.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path} ${status} ${ms}ms`,
      );
    }
  });
  if (options.cors !== undefined) {
    app.use(
      "*",
      cors({
        origin: options.cors,
        allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
        allowHeaders: ["Content-Type", "Authorization"],
        maxAge: 600,
      }),
    );
  }
  app.onError((error, c) => errorResponse(c, error));
  // 405 with Allow for a path served under other methods (Hono's middleware, our JSON error).
  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        errorResponse(
          c,
          new RequestError(
            405,
            `method ${c.req.method} is not allowed on ${new URL(c.req.url).pathname}; use ${
              methods.join(" or ")
            }`,
            { Allow: methods.join(", ") },
          ),
        ),
    }),
  );

  /** The model a route names (and the version, if the path has one), or a 404. */
  function requireModel(c: Context): ServedModel {
    const name = c.req.param("name") ?? "";
    const version = c.req.param("version");
    const served = registry.get(name);
    if (served === undefined) {
      const known = registry.names();
      throw new RequestError(
        404,
        `unknown model ${quote(name)}; served: ${
          known.length > 0 ? known.map((n) => `'${n}'`).join(", ") : "none"
        }`,
      );
    }
    if (version !== undefined && version !== MODEL_VERSION) {
      throw new RequestError(
        404,
        `model ${quote(name)} has no version ${quote(version)} (versions: ${MODEL_VERSION})`,
      );
    }
    return served;
  }

  /** After an await, the model must still be the one the request was checked against. */
  function stillServed(c: Context, served: ServedModel): ServedModel {
    const current = requireModel(c);
    if (current !== served) {
      throw new RequestError(
        409,
        `model ${quote(served.name)} was replaced during the request; retry`,
      );
    }
    return current;
  }

  function metadata(served: ServedModel) {
    return {
      name: served.name,
      versions: [MODEL_VERSION],
      platform: PLATFORM,
      inputs: [{ name: INPUT_NAME, datatype: "FP32", shape: [-1, ...served.inputShape] }],
      outputs: served.outputs.map((name) => ({
        name,
        datatype: "FP32",
        shape: [-1, ...served.outputShape],
      })),
      parameters: {
        labels: served.config.labels ?? null,
        preprocessing: served.config.preprocessing ?? null,
        max_batch_size: maxBatch,
      },
    };
  }

  /** The repository routes: 403 without an admin token, then Hono's bearer auth. */
  const admin: MiddlewareHandler = adminToken === undefined || adminToken === ""
    ? () => {
      throw new RequestError(
        403,
        "the model repository routes are disabled: the server has no admin token configured",
      );
    }
    : bearerAuth({
      token: adminToken,
      realm: "edgegrad",
      noAuthenticationHeader: {
        message: (c) =>
          unauthorized(c, "the model repository routes need 'Authorization: Bearer <admin token>'"),
      },
      invalidAuthenticationHeader: {
        message: (c) => unauthorized(c, "the Authorization header is not 'Bearer <admin token>'"),
      },
      invalidToken: { message: (c) => unauthorized(c, "the admin token is wrong") },
    });
  app.use("/v2/repository/*", admin);

  /** Hono's body limit, answering as `readBody` does (which still checks what a host lets by). */
  const limited = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => {
      const declared = c.req.header("content-length");
      return errorResponse(
        c,
        new RequestError(
          413,
          declared !== undefined && c.req.header("transfer-encoding") === undefined
            ? `request body of ${Number(declared)} bytes exceeds the limit of ${maxBodyBytes} bytes`
            : `request body runs past the limit of ${maxBodyBytes} bytes`,
        ),
      );
    },
  });
  const limitBody: MiddlewareHandler = async (c, next) => {
    try {
      return await limited(c, next);
    } catch (error) {
      if (error instanceof RequestError || error instanceof HTTPException) throw error;
      if (c.finalized) throw error; // the route's own failure, after the body was read
      throw new RequestError(400, `could not read the request body: ${(error as Error).message}`);
    }
  };

  /** Registers `handlers` by method on `path` (POST ones behind the body limit). */
  function route(path: string, handlers: Partial<Record<"GET" | "POST", (c: Context) => unknown>>) {
    const { GET: get, POST: post } = handlers;
    if (get !== undefined) app.get(path, (c) => get(c) as Response | Promise<Response>);
    if (post !== undefined) {
      app.post(path, limitBody, (c) => post(c) as Response | Promise<Response>);
    }
  }

  route("/v2/health/live", { GET: (c) => c.json({ live: true }) });
  route("/v2/health/ready", {
    GET: (c) => {
      const ready = registry.names().length > 0;
      // The protocol answers "not ready" with a 4xx.
      return ready ? c.json({ ready }) : c.json({ ready, error: "no model is loaded" }, 400);
    },
  });
  route("/v2", {
    GET: (c) =>
      c.json({
        name: SERVER_NAME,
        version: SERVER_VERSION,
        extensions: adminToken ? ["model_repository"] : [],
      }),
  });
  route("/v2/models", { GET: (c) => c.json({ models: registry.names() }) });
  for (const prefix of MODEL_PREFIXES) {
    route(prefix, { GET: (c) => c.json(metadata(requireModel(c))) });
    route(`${prefix}/ready`, {
      GET: (c) => c.json({ name: requireModel(c).name, ready: true }),
    });
    route(`${prefix}/infer`, {
      POST: async (c) => {
        const served = requireModel(c);
        if (c.req.header("inference-header-content-length") !== undefined) {
          throw new RequestError(
            400,
            "the binary tensor data extension is not supported; send JSON with 'data' arrays",
          );
        }
        const body = parseJsonBody(await readBody(c.req.raw, maxBodyBytes));
        const current = stillServed(c, served);
        const request = checkInferRequest(body, current, maxBatch);
        const outputs = runInference(current, request.values, request.batch, request.outputs);
        counts.inferences++;
        counts.samples += request.batch;
        return c.json({
          model_name: current.name,
          model_version: MODEL_VERSION,
          ...(request.id !== undefined ? { id: request.id } : {}),
          outputs: request.outputs.map((name) => ({
            name,
            datatype: "FP32",
            shape: [request.batch, ...current.outputShape],
            data: Array.from(outputs[name]),
          })),
        });
      },
    });
  }
  route("/v2/models/:name/classify", {
    POST: async (c) => {
      const served = requireModel(c);
      if (served.outputShape.length !== 1) {
        throw new RequestError(
          400,
          `model ${quote(served.name)} gives outputs of shape [${served.outputShape}], not one ` +
            "score per class; use /infer",
        );
      }
      const png = await uploadedPng(c, await readBody(c.req.raw, maxBodyBytes));
      const input = await pngToInput(png, served.inputShape, served.config.preprocessing, {
        invert: flag(c.req.query("invert")),
      });
      const current = stillServed(c, served);
      const probabilities = runInference(current, input, 1, [PROBABILITIES_OUTPUT])[
        PROBABILITIES_OUTPUT
      ];
      counts.inferences++;
      counts.samples++;
      let index = 0;
      for (let i = 1; i < probabilities.length; i++) {
        if (probabilities[i] > probabilities[index]) index = i;
      }
      const labels = current.config.labels ??
        Array.from({ length: probabilities.length }, (_, i) => String(i));
      return c.json({
        model_name: current.name,
        label: labels[index] ?? String(index),
        index,
        labels,
        probabilities: Array.from(probabilities),
      });
    },
  });

  route("/v2/repository/index", {
    POST: async (c) => {
      const served = new Set(registry.names());
      const available = registry.source === undefined ? [] : await registry.source.list();
      const names = [...new Set([...served, ...available])].sort();
      return c.json(
        names.map((name) =>
          served.has(name)
            ? { name, version: MODEL_VERSION, state: "READY", reason: "" }
            : { name, version: MODEL_VERSION, state: "UNAVAILABLE", reason: "unloaded" }
        ),
      );
    },
  });
  route("/v2/repository/models/:name/load", {
    POST: async (c) => {
      const name = c.req.param("name") ?? "";
      if (!isValidModelName(name)) {
        throw new RequestError(
          400,
          `model name ${quote(name)} is not valid: use 1-64 letters, digits, '.', '_' or '-', ` +
            "starting with a letter or digit",
        );
      }
      const body = await readBody(c.req.raw, maxBodyBytes);
      const loaded = body.byteLength === 0
        ? await loadFromSource(registry, name)
        : loadFromRequest(parseJsonBody(body), name);
      try {
        registry.add(name, loaded);
      } catch (error) {
        disposeModel(loaded.model);
        throw new RequestError(
          400,
          `cannot serve model ${quote(name)}: ${(error as Error).message}`,
        );
      }
      return c.json({ name, load: true });
    },
  });
  route("/v2/repository/models/:name/unload", {
    POST: (c) => {
      const name = c.req.param("name") ?? "";
      if (!registry.remove(name)) throw new RequestError(404, `unknown model ${quote(name)}`);
      return c.json({ name, unload: true });
    },
  });

  route("/metrics", {
    GET: (c) =>
      c.text(metricsText(counts, registry), 200, {
        "Content-Type": "text/plain; version=0.0.4",
      }),
  });

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const isApi = path === "/v2" || path.startsWith("/v2/") || path === "/metrics";
    if (page !== undefined && c.req.method === "GET" && !isApi) return page(c);
    if (path === "/" && c.req.method === "GET") {
      return c.json({
        name: SERVER_NAME,
        version: SERVER_VERSION,
        api: "/v2",
        models: registry.names(),
      });
    }
    return errorResponse(
      c,
      new RequestError(
        404,
        `no route for ${c.req.method} ${quote(path)}; the inference API is under /v2 (see GET /v2)`,
      ),
    );
  });
  return app;
}

/** The PNG of a classify request: the body itself, or a file field of a multipart form. */
async function uploadedPng(c: Context, body: Uint8Array): Promise<Uint8Array> {
  const type = c.req.header("content-type") ?? "";
  if (/^multipart\/form-data/i.test(type)) {
    let form: FormData;
    try {
      form = await new Response(body as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": type },
      }).formData();
    } catch (error) {
      throw new RequestError(400, `the multipart body is malformed: ${(error as Error).message}`);
    }
    const file = form.get("image") ?? form.get("file") ??
      [...form.values()].find((v) => typeof v !== "string");
    if (file === undefined || file === null || typeof file === "string") {
      throw new RequestError(400, "the multipart body has no file; send the PNG in field 'image'");
    }
    body = new Uint8Array(await file.arrayBuffer());
  }
  if (body.byteLength === 0) throw new RequestError(400, "request body is empty; send a PNG image");
  if (!isPng(body)) {
    throw new RequestError(
      415,
      "expected a PNG image: an image/png body, or multipart/form-data with the PNG in field " +
        `'image' (content type was ${quote(type)})`,
    );
  }
  return body;
}

async function loadFromSource(registry: ModelRegistry, name: string) {
  if (registry.source === undefined) {
    throw new RequestError(
      400,
      "this server has no model repository to load from; send the model in the request: " +
        '{"parameters": {"config": <config.json>, "file:model.safetensors": <base64>}}',
    );
  }
  try {
    return await registry.source.load(name);
  } catch (error) {
    if (error instanceof ModelNotFoundError) throw new RequestError(404, error.message);
    throw new RequestError(400, `cannot load model ${quote(name)}: ${(error as Error).message}`);
  }
}

/** Triton's load override: `{"parameters": {"config": ..., "file:model.safetensors": base64}}`. */
function loadFromRequest(body: unknown, name: string) {
  const parameters = body !== null && typeof body === "object" && !Array.isArray(body)
    ? (body as Record<string, unknown>).parameters
    : undefined;
  if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters)) {
    throw new RequestError(
      400,
      `a load request body must be {"parameters": {"config", "file:model.safetensors"}}, got ${
        describe(body)
      }`,
    );
  }
  const fields = parameters as Record<string, unknown>;
  const weightsKey = ["file:model.safetensors", `file:${MODEL_VERSION}/model.safetensors`].find((
    key,
  ) => key in fields);
  if (fields.config === undefined || weightsKey === undefined) {
    throw new RequestError(
      400,
      "a load request needs parameters 'config' (config.json, as text or an object) and " +
        "'file:model.safetensors' (the weights, base64)",
    );
  }
  const weights = fields[weightsKey];
  if (typeof weights !== "string") {
    throw new RequestError(400, `parameter '${weightsKey}' must be a base64 string`);
  }
  try {
    return io.modelFromBytes(fields.config, decodeBase64(weights, `parameter '${weightsKey}'`), {
      config: `config of ${name}`,
      weights: `weights of ${name}`,
    });
  } catch (error) {
    if (error instanceof RequestError) throw error;
    throw new RequestError(400, `cannot load model ${quote(name)}: ${(error as Error).message}`);
  }
}

function metricsText(
  counts: { requests: Map<number, number>; inferences: number; samples: number },
  registry: ModelRegistry,
): string {
  const memory = memoryStats();
  const lines = [
    "# HELP edgegrad_requests_total HTTP requests answered, by status.",
    "# TYPE edgegrad_requests_total counter",
    ...[...counts.requests].sort(([a], [b]) => a - b).map(([status, n]) =>
      `edgegrad_requests_total{status="${status}"} ${n}`
    ),
    "# HELP edgegrad_inferences_total Inference requests run (infer and classify).",
    "# TYPE edgegrad_inferences_total counter",
    `edgegrad_inferences_total ${counts.inferences}`,
    "# HELP edgegrad_inference_samples_total Samples inferred.",
    "# TYPE edgegrad_inference_samples_total counter",
    `edgegrad_inference_samples_total ${counts.samples}`,
    "# HELP edgegrad_models Models served.",
    "# TYPE edgegrad_models gauge",
    `edgegrad_models ${registry.names().length}`,
    "# HELP edgegrad_memory_live_bytes Bytes of WebAssembly memory held by live tensors and weights.",
    "# TYPE edgegrad_memory_live_bytes gauge",
    `edgegrad_memory_live_bytes ${memory.liveBytes}`,
    "# HELP edgegrad_memory_peak_bytes Most live bytes so far.",
    "# TYPE edgegrad_memory_peak_bytes gauge",
    `edgegrad_memory_peak_bytes ${memory.peakBytes}`,
    "# HELP edgegrad_memory_linear_bytes Size of WebAssembly linear memory (it never shrinks).",
    "# TYPE edgegrad_memory_linear_bytes gauge",
    `edgegrad_memory_linear_bytes ${memory.memoryBytes}`,
  ];
  return `${lines.join("\n")}\n`;
}
