/** The served model a route's path names, under both of the protocol's model paths. */
import type { Context } from "hono";
import { quote, RequestError } from "../http.ts";
import type { ModelRegistry, ServedModel } from "../registry.ts";
import { MODEL_VERSION } from "./state.ts";

/** A model's paths below `/v2/models`: unversioned, and KServe's `/versions/{version}`. */
export const MODEL_PATHS = ["/:name", "/:name/versions/:version"];

/**
 * The model a route names (and the version, if the path has one), or a 404 saying what is served.
 * @example
 * routes.get("/:name", (c) => c.json(requireModel(registry, c).config));
 */
export function requireModel(registry: ModelRegistry, c: Context): ServedModel {
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

/** After an await, the model must still be the one the request was checked against (else 409). */
export function stillServed(registry: ModelRegistry, c: Context, served: ServedModel): ServedModel {
  const current = requireModel(registry, c);
  if (current !== served) {
    throw new RequestError(
      409,
      `model ${quote(served.name)} was replaced during the request; retry`,
    );
  }
  return current;
}
