/** The JSON error answer of every route, middleware and the app's error handler. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { RequestError } from "../http.ts";

/**
 * The answer to a thrown `error`: a `RequestError` as `{"error": message}` with its status and
 * headers, an `HTTPException` (Hono's middleware throws its answer, built by our callbacks) as it
 * is, anything else as a 500 naming it.
 * @example
 * app.onError((error, c) => errorResponse(c, error));
 */
export function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof HTTPException) return error.getResponse();
  if (error instanceof RequestError) {
    return c.json({ error: error.message }, error.status, error.headers);
  }
  const message = error instanceof Error ? error.message : String(error);
  return c.json({ error: `internal error: ${message}` }, 500);
}
