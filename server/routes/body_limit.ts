/** The body limit in front of every POST route. */
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { MiddlewareHandler } from "hono/types";
import { RequestError } from "../http.ts";
import { errorResponse } from "./errors.ts";

/**
 * Hono's body limit, answering 413 as `readBody` does (which still checks what a host lets by),
 * and a body that cannot be read with a 400.
 * @example
 * routes.post("/:name/infer", limitBody(state.maxBodyBytes), handler);
 */
export function limitBody(maxBodyBytes: number): MiddlewareHandler {
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
  return async (c, next) => {
    try {
      return await limited(c, next);
    } catch (error) {
      if (error instanceof RequestError || error instanceof HTTPException) throw error;
      if (c.finalized) throw error; // the route's own failure, after the body was read
      throw new RequestError(400, `could not read the request body: ${(error as Error).message}`);
    }
  };
}
