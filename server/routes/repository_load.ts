/**
 * Where the load route gets a model: by name from the registry's source (a models folder), or
 * from the request itself (Triton's load override: config and weights in the parameters).
 */
// Not the io namespace: that would bring the ONNX importer into the worker bundle.
import { type LoadedModel, modelFromBytes } from "../../runtime/io/model_dir.ts";
import { describe, quote, RequestError } from "../http.ts";
import { ModelNotFoundError, type ModelRegistry } from "../registry.ts";
import { MODEL_VERSION } from "./state.ts";

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

/**
 * Loads `name` from the registry's source: 400 when it has none or the model is broken, 404 when
 * the source has no such model.
 * @example
 * registry.add(name, await loadFromSource(registry, name));
 */
export async function loadFromSource(
  registry: ModelRegistry,
  name: string,
): Promise<LoadedModel> {
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

/**
 * Triton's load override: `{"parameters": {"config": ..., "file:model.safetensors": base64}}`,
 * or a 400 saying which part is missing or wrong.
 * @example
 * registry.add(name, loadFromRequest(parseJsonBody(body), name));
 */
export function loadFromRequest(body: unknown, name: string): LoadedModel {
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
    return modelFromBytes(fields.config, decodeBase64(weights, `parameter '${weightsKey}'`), {
      config: `config of ${name}`,
      weights: `weights of ${name}`,
    });
  } catch (error) {
    if (error instanceof RequestError) throw error;
    throw new RequestError(400, `cannot load model ${quote(name)}: ${(error as Error).message}`);
  }
}
