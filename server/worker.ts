/**
 * The edge-worker entry: a Workers module (`export default app`) serving one model through the same
 * Hono app as the Deno server, with the kernels and the model from `worker_assets.js`.
 * `deno task bundle:worker [modelDir]` bundles it with esbuild into `out/worker/`: `worker.js` for
 * workerd and Cloudflare (the weights a Data module beside it) and `worker.deno.js` for
 * `deno serve --unstable-raw-imports` (the weights a bytes import). From source:
 * `deno serve --unstable-raw-imports server/worker.ts`.
 */
import { config, kernels, weights } from "./worker_assets.js";
import { initBackend } from "../runtime/api.ts";
// Not the io namespace: that would bring the ONNX importer (8 KB gzip) into the bundle.
import { modelFromBytes } from "../runtime/io/model_dir.ts";
import { createApp } from "./app.ts";
import { ModelRegistry } from "./registry.ts";

/** The served model's name: `bundle:worker` defines it (the model directory's name by default). */
declare const EDGEGRAD_MODEL_NAME: string | undefined;

initBackend(kernels);
const registry = new ModelRegistry();
registry.add(
  typeof EDGEGRAD_MODEL_NAME === "string" ? EDGEGRAD_MODEL_NAME : "mnist-cnn",
  modelFromBytes(config, weights instanceof Uint8Array ? weights : new Uint8Array(weights)),
);

export default createApp({ registry });
