/**
 * The edge-worker entry: a Workers module (`export default app`) serving one model through the same
 * Hono app as the Deno server, with the kernels and the model from `worker_assets.js`.
 * `deno task bundle:worker [modelDir]` bundles it with esbuild into `out/worker/`, which runs in
 * workerd, on Cloudflare, and under `deno serve out/worker/worker.js`. From source:
 * `deno serve --unstable-raw-imports server/worker.ts`.
 */
import { config, kernels, weights } from "./worker_assets.js";
import { initBackend, io } from "../runtime/api.ts";
import { createApp } from "./app.ts";
import { ModelRegistry } from "./registry.ts";

/** The served model's name: `bundle:worker` defines it (the model directory's name by default). */
declare const EDGEGRAD_MODEL_NAME: string | undefined;

initBackend(kernels);
const registry = new ModelRegistry();
registry.add(
  typeof EDGEGRAD_MODEL_NAME === "string" ? EDGEGRAD_MODEL_NAME : "mnist-cnn",
  io.modelFromBytes(config, weights),
);

export default createApp({ registry });
