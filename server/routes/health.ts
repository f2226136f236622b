/**
 * Server metadata and health, mounted at `/v2`: `GET /v2`, `GET /v2/health/live` and
 * `GET /v2/health/ready` (ready once a model is served).
 */
import { Hono } from "hono/quick";
import type { AppState } from "./state.ts";

/** The server's name and version in `GET /v2`. */
export const SERVER_NAME = "edgegrad";
/** See SERVER_NAME. */
export const SERVER_VERSION = "0.1.0";

/**
 * The health and server-metadata routes.
 * @example
 * app.route("/v2", health(state));
 */
export function health({ registry, adminToken }: AppState): Hono {
  const routes = new Hono();
  routes.get("/health/live", (c) => c.json({ live: true }));
  routes.get("/health/ready", (c) => {
    const ready = registry.names().length > 0;
    // The protocol answers "not ready" with a 4xx.
    return ready ? c.json({ ready }) : c.json({ ready, error: "no model is loaded" }, 400);
  });
  routes.get("/", (c) =>
    c.json({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      extensions: adminToken ? ["model_repository"] : [],
    }));
  return routes;
}
