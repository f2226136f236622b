/**
 * KServe's model repository extension, mounted at `/v2/repository` behind `adminAuth`:
 * `POST /v2/repository/index`, `POST /v2/repository/models/{name}/load` (from the registry's
 * source, or from the request) and `/unload`.
 */
import { Hono } from "hono/quick";
import { quote, readBody, RequestError } from "../http.ts";
import { disposeModel, isValidModelName, type ModelRegistry } from "../registry.ts";
import { parseJsonBody } from "../validation.ts";
import { limitBody } from "./body_limit.ts";
import { adminAuth } from "./repository_auth.ts";
import { loadFromRequest, loadFromSource } from "./repository_load.ts";
import { type AppState, MODEL_VERSION } from "./state.ts";

/** The names the registry's source holds; a source that cannot list them is a 503 saying why. */
async function available(registry: ModelRegistry): Promise<string[]> {
  if (registry.source === undefined) return [];
  try {
    return await registry.source.list();
  } catch (error) {
    throw new RequestError(
      503,
      `the model repository cannot be listed: ${(error as Error).message}`,
    );
  }
}

/**
 * The repository routes.
 * @example
 * app.route("/v2/repository", repository(state));
 */
export function repository({ registry, adminToken, maxBodyBytes }: AppState): Hono {
  const routes = new Hono();
  const limited = limitBody(maxBodyBytes);
  routes.use("/*", adminAuth(adminToken));
  routes.post("/index", limited, async (c) => {
    const served = new Set(registry.names());
    const names = [...new Set([...served, ...await available(registry)])].sort();
    return c.json(
      names.map((name) =>
        served.has(name)
          ? { name, version: MODEL_VERSION, state: "READY", reason: "" }
          : { name, version: MODEL_VERSION, state: "UNAVAILABLE", reason: "unloaded" }
      ),
    );
  });
  routes.post("/models/:name/load", limited, async (c) => {
    const name = c.req.param("name");
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
      throw new RequestError(400, `cannot serve model ${quote(name)}: ${(error as Error).message}`);
    }
    return c.json({ name, load: true });
  });
  routes.post("/models/:name/unload", limited, (c) => {
    const name = c.req.param("name");
    if (!registry.remove(name)) throw new RequestError(404, `unknown model ${quote(name)}`);
    return c.json({ name, unload: true });
  });
  return routes;
}
