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
 *
 * This file holds what every route shares (options, request log and counts, CORS, errors, 405s,
 * the fallback); each group of routes is a Hono sub-app of its own under `routes/`, given the
 * app's state explicitly and mounted with `app.route`.
 */
import type { Context } from "hono";
// The LinearRouter preset: nothing to compile at the first request (a worker answers ~4 ms sooner).
import { Hono } from "hono/quick";
import { cors } from "hono/cors";
import { methodNotAllowed } from "hono/method-not-allowed";
import { checkOptions, type OptionKeys } from "../runtime/options.ts";
import { DEFAULT_MAX_BODY_BYTES, RequestError } from "./http.ts";
import type { ModelRegistry } from "./registry.ts";
import { errorResponse } from "./routes/errors.ts";
import { fallback } from "./routes/fallback.ts";
import { health } from "./routes/health.ts";
import { inference } from "./routes/infer.ts";
import { metrics } from "./routes/metrics.ts";
import { models } from "./routes/models.ts";
import { repository } from "./routes/repository.ts";
import { isBearerToken } from "./routes/repository_auth.ts";
import type { AppState } from "./routes/state.ts";

export { SERVER_NAME, SERVER_VERSION } from "./routes/health.ts";

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

/** Default of `maxBatch`. */
export const DEFAULT_MAX_BATCH = 1024;

/**
 * Builds the server app.
 * @example
 * const registry = await registryFromDirectory("models");
 * Deno.serve(createApp({ registry, logger: console.log }).fetch);
 */
export function createApp(options: AppOptions): Hono {
  const { registry, adminToken, page, logger } = checkOptions("createApp", options, KEYS);
  if (adminToken !== undefined && adminToken !== "" && !isBearerToken(adminToken)) {
    throw new Error(
      "createApp: the admin token may only use letters, digits and - . _ ~ + / (then '=' " +
        "padding), as a bearer token does (RFC 6750)",
    );
  }
  const state: AppState = {
    registry,
    adminToken,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
    counts: { requests: new Map(), inferences: 0, samples: 0 },
  };
  const app = new Hono();

  app.use("*", async (c, next) => {
    const start = performance.now();
    await next();
    const status = c.res.status;
    const requests = state.counts.requests;
    requests.set(status, (requests.get(status) ?? 0) + 1);
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

  app.route("/v2", health(state));
  app.route("/v2/models", models(state));
  app.route("/v2/models", inference(state));
  app.route("/v2/repository", repository(state));
  app.route("/metrics", metrics(state));
  app.notFound(fallback(registry, page));
  return app;
}
