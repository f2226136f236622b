/**
 * Model metadata, mounted at `/v2/models`: `GET /v2/models` (names), and under both model paths
 * (`/v2/models/{name}` and `/v2/models/{name}/versions/{version}`) the metadata and `/ready`.
 */
import { Hono } from "hono/quick";
import { INPUT_NAME, type ServedModel } from "../registry.ts";
import { MODEL_PATHS, requireModel } from "./lookup.ts";
import { type AppState, MODEL_VERSION } from "./state.ts";

/** The platform named in model metadata. */
const PLATFORM = "edgegrad";

/**
 * A model's metadata as the protocol gives it: inputs, outputs (with a batch dim of -1), labels.
 * An imported ONNX graph (onnx_dir.ts) is platform "onnx" and adds its graph's own inputs and
 * outputs (names, types, dims) under parameters.onnx.
 */
function metadata(served: ServedModel, maxBatch: number) {
  // onnx_dir.ts records the graph's inputs and outputs as metadata.onnx.
  const graph = served.config.metadata?.onnx;
  const onnx = graph === undefined ? {} : { onnx: graph };
  return {
    name: served.name,
    versions: [MODEL_VERSION],
    platform: graph === undefined ? PLATFORM : "onnx",
    inputs: [{ name: INPUT_NAME, datatype: "FP32", shape: [-1, ...served.inputShape] }],
    outputs: served.outputs.map((name) => ({
      name,
      datatype: "FP32",
      shape: [-1, ...served.outputShape],
    })),
    parameters: {
      labels: served.config.labels ?? null,
      preprocessing: served.config.preprocessing ?? null,
      max_batch_size: maxBatch,
      ...onnx,
    },
  };
}

/**
 * The model list, metadata and readiness routes.
 * @example
 * app.route("/v2/models", models(state));
 */
export function models({ registry, maxBatch }: AppState): Hono {
  const routes = new Hono();
  routes.get("/", (c) => c.json({ models: registry.names() }));
  for (const path of MODEL_PATHS) {
    routes.get(path, (c) => c.json(metadata(requireModel(registry, c), maxBatch)));
    routes.get(
      `${path}/ready`,
      (c) => c.json({ name: requireModel(registry, c).name, ready: true }),
    );
  }
  return routes;
}
