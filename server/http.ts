/**
 * HTTP plumbing shared by the routes: the error a handler throws to answer with a status and a JSON
 * `{"error": ...}`, and a body reader that stops at a byte limit (declared or streamed).
 */

/**
 * An answer to a bad request: its status and a message that says what was wrong (503: what the
 * server cannot reach just now, such as a models folder that has gone).
 */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Default limit of a request body: 8 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

function tooLarge(maxBytes: number, what: string): RequestError {
  return new RequestError(413, `request body ${what} the limit of ${maxBytes} bytes`);
}

/**
 * Reads a request body into bytes, behind the app's `bodyLimit` middleware (Hono's), which refuses
 * (413) a Content-Length above `maxBytes` and a chunked body as soon as it runs past it. Here: a
 * Content-Length that is not a number is a 400, and the size is checked again after reading, for
 * hosts that do not hold a body to its Content-Length.
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !/^\s*\d+\s*$/.test(declared)) {
    throw new RequestError(400, `Content-Length ${JSON.stringify(declared)} is not a number`);
  }
  if (request.body === null) return new Uint8Array(0);
  let body: Uint8Array;
  try {
    body = new Uint8Array(await request.arrayBuffer());
  } catch (error) {
    throw new RequestError(400, `could not read the request body: ${(error as Error).message}`);
  }
  if (body.byteLength > maxBytes) throw tooLarge(maxBytes, "runs past");
  return body;
}

/** A JSON value described in a few words for an error message (never the whole of a big value). */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
  }
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
      return String(value);
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/** A client-supplied name quoted for an error message, cut to 80 characters. */
export function quote(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}
