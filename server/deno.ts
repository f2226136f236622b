/**
 * `deno task serve`: the inference server under Deno. Serves every model directory under
 * `MODELS_DIR` (default `models/`); when `models/mnist-cnn` is missing it trains it first (the
 * mnist-cnn example, with its progress bar). Listens on `HOST`:`PORT` (default 127.0.0.1:8000;
 * port 0 picks a free one), logs one line per request, and shuts down cleanly on SIGINT/SIGTERM.
 *
 * Slow clients are cut off (`read_timeouts.ts`): headers must arrive within `HEADERS_TIMEOUT_MS`
 * (default 10000) of their first byte and a body within `BODY_TIMEOUT_MS` (default 30000) of its
 * headers, else 408 and the connection is closed; `IDLE_TIMEOUT_MS` (default 120000) closes a
 * silent connection. 0 turns one off.
 *
 * Environment: `MODELS_DIR`, `HOST`, `PORT`, `ADMIN_TOKEN` (enables the load/unload routes),
 * `CORS_ORIGINS` ("*" or a comma-separated list), `TRAIN_EPOCHS` (default 3), `TRAIN=0` to never
 * train, `LOG=0` to silence the request log, and the three timeouts above.
 */
import { hasBackend, initBackend } from "../runtime/api.ts";
import { compileKernelFile, preferredBuild } from "../runtime/backend/module.ts";
import { createApp } from "./app.ts";
import { registryFromDirectory } from "./registry_fs.ts";
import { pageHandler } from "./page/handler.ts";
import { DEFAULT_READ_TIMEOUTS, serveWithReadTimeouts } from "./read_timeouts.ts";

// The kernels only: runtime/mod.ts would also load the picture libraries, which serving never
// uses (they cost about a third of the start-up time).
if (!hasBackend()) initBackend(await compileKernelFile(preferredBuild()));

const DEFAULT_MODEL = "mnist-cnn";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const modelsDir = Deno.env.get("MODELS_DIR") ?? "models";
const defaultDir = `${modelsDir}/${DEFAULT_MODEL}`;
if (Deno.env.get("TRAIN") !== "0" && !(await exists(`${defaultDir}/config.json`))) {
  // Loaded only when needed: training pulls in the data, training and picture code.
  const { trainAndSaveMnistCnn } = await import("../scripts/examples/mnist_cnn.ts");
  await trainAndSaveMnistCnn(defaultDir, Number(Deno.env.get("TRAIN_EPOCHS") ?? 3));
}

const registry = await registryFromDirectory(modelsDir);
const corsOrigins = Deno.env.get("CORS_ORIGINS");
const app = createApp({
  registry,
  adminToken: Deno.env.get("ADMIN_TOKEN") || undefined,
  cors: corsOrigins === undefined || corsOrigins === ""
    ? undefined
    : corsOrigins === "*"
    ? "*"
    : corsOrigins.split(",").map((o) => o.trim()),
  page: pageHandler({ modelsDir }),
  logger: Deno.env.get("LOG") === "0" ? undefined : (line) => console.log(line),
});

/** A timeout from the environment, in milliseconds. */
function timeoutMs(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  if (text === undefined || text === "") return fallback;
  const ms = Number(text);
  if (!(Number.isFinite(ms) && ms >= 0)) {
    throw new Error(`${name}=${text} is not a number of milliseconds ≥ 0 (0 turns it off)`);
  }
  return ms;
}

const server = await serveWithReadTimeouts(app.fetch, {
  hostname: Deno.env.get("HOST") ?? "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 8000),
  headersTimeoutMs: timeoutMs("HEADERS_TIMEOUT_MS", DEFAULT_READ_TIMEOUTS.headersTimeoutMs),
  bodyTimeoutMs: timeoutMs("BODY_TIMEOUT_MS", DEFAULT_READ_TIMEOUTS.bodyTimeoutMs),
  idleTimeoutMs: timeoutMs("IDLE_TIMEOUT_MS", DEFAULT_READ_TIMEOUTS.idleTimeoutMs),
  onListen: ({ hostname, port }) => {
    const names = registry.names();
    console.log(
      `edgegrad serving ${names.length > 0 ? names.join(", ") : "no models"} from ${modelsDir}/ ` +
        `on http://${hostname}:${port}/`,
    );
  },
});

const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
const stop = () => {
  console.log("shutting down");
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  server.shutdown();
};
for (const signal of signals) Deno.addSignalListener(signal, stop);
