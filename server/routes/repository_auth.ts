/**
 * Who may use the model repository routes: nobody without an admin token (403), else whoever sends
 * `Authorization: Bearer <admin token>` (Hono's bearer auth, answering 401 with our JSON errors).
 */
import type { Context } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { MiddlewareHandler } from "hono/types";
import { RequestError } from "../http.ts";

/** The characters of a bearer token (RFC 6750's b64token), as Hono's bearer auth accepts them. */
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** True when `token` can be carried by an `Authorization: Bearer` header. */
export function isBearerToken(token: string): boolean {
  return TOKEN.test(token);
}

function unauthorized(c: Context, error: string): Response {
  return c.json({ error }, 401, { "WWW-Authenticate": 'Bearer realm="edgegrad"' });
}

/**
 * The middleware in front of the repository routes: 403 when `adminToken` is absent or empty,
 * else the bearer check.
 * @example
 * routes.use("/*", adminAuth(state.adminToken));
 */
export function adminAuth(adminToken: string | undefined): MiddlewareHandler {
  if (adminToken === undefined || adminToken === "") {
    return () => {
      throw new RequestError(
        403,
        "the model repository routes are disabled: the server has no admin token configured",
      );
    };
  }
  return bearerAuth({
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
}
