/**
 * What answers a request no route takes: the demo page for GET outside the API (when the app has
 * one), the server's name at `GET /` (when it has none), else a 404 pointing at `/v2`.
 */
import type { Context } from "hono";
import type { NotFoundHandler } from "hono/types";
import { quote, RequestError } from "../http.ts";
import type { ModelRegistry } from "../registry.ts";
import { errorResponse } from "./errors.ts";
import { SERVER_NAME, SERVER_VERSION } from "./health.ts";

/**
 * The app's not-found handler.
 * @example
 * app.notFound(fallback(registry, pageHandler({ modelsDir: "models" })));
 */
export function fallback(
  registry: ModelRegistry,
  page: ((c: Context) => Response | Promise<Response>) | undefined,
): NotFoundHandler {
  return (c) => {
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
  };
}
