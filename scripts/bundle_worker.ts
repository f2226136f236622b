/**
 * `deno task bundle:worker [modelDir] [--name NAME] [--out DIR] [--port PORT] [--build relaxed|simd]`:
 * bundles `server/worker.ts` with esbuild into `out/worker/` (default modelDir: models/mnist-cnn;
 * NAME: its folder's name), for two hosts from the same source:
 *
 * - `worker.js`, a Workers module for workerd and Cloudflare, which imports the kernels and the
 *   model's weights (`model.safetensors`, as a Data module) from files beside it, with
 *   `config.capnp` for workerd (`npx workerd serve out/worker/config.capnp`, 127.0.0.1:PORT,
 *   default 8787) and `wrangler.toml` for `wrangler deploy`;
 * - `worker.deno.js`, the same app importing the weights as bytes, for
 *   `deno serve --unstable-raw-imports out/worker/worker.deno.js` (Workers refuse the import
 *   attribute that Deno needs for bytes).
 *
 * The model's config is inlined in both; the weights stay a file of their own, which the host
 * hands over as it loads the module graph (a 1.8 MB base64 literal in the code took workerd
 * longer to start). Prints the upload's size, raw and gzip, with and without the weights.
 */
import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KernelBuild } from "../runtime/api.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The weights' file name, in the model directory and beside the bundle. */
const WEIGHTS_FILE = "model.safetensors";

/** What `bundleWorker` needs; every field has a default. */
export interface BundleWorkerOptions {
  /** The model directory to embed (config.json + model.safetensors). */
  modelDir?: string;
  /** The name the model is served under (default: the directory's name). */
  name?: string;
  /** Where to write the bundles, the wasm, the weights, config.capnp and wrangler.toml. */
  outDir?: string;
  /** The port written into config.capnp. */
  port?: number;
  /** Which kernel build to ship; workerd and Cloudflare run relaxed SIMD. */
  build?: KernelBuild;
}

/** Sizes in bytes of what a Workers deploy uploads. */
export interface BundleSizes {
  /** worker.js + the wasm + model.safetensors. */
  withWeights: { raw: number; gzip: number };
  /** worker.js + the wasm: the runtime, Hono, the app and the kernels. */
  withoutWeights: { raw: number; gzip: number };
  /** The kernel module alone. */
  wasm: { raw: number; gzip: number };
  /** model.safetensors alone. */
  weights: { raw: number; gzip: number };
}

/** What `bundleWorker` wrote. */
export interface BundleWorkerResult {
  outDir: string;
  /** worker.js, the entry for workerd and wrangler. */
  entry: string;
  /** worker.deno.js, the entry for `deno serve --unstable-raw-imports`. */
  denoEntry: string;
  capnp: string;
  name: string;
  sizes: BundleSizes;
}

/** The two hosts a bundle is made for; they differ only in how the weights are imported. */
type Host = "workers" | "deno";

function measure(...files: Uint8Array[]): { raw: number; gzip: number } {
  return {
    raw: files.reduce((total, f) => total + f.length, 0),
    gzip: files.reduce((total, f) => total + gzipSync(f, { level: 9 }).length, 0),
  };
}

/**
 * The bundle's version of `server/worker_assets.js`: the kernels and the weights imported from
 * files beside the bundle (the weights without an import attribute for Workers, which reject
 * them, and with `type: "bytes"` for Deno, which needs it), the config inlined from `configPath`.
 */
function assetsModule(host: Host, wasmFile: string, configPath: string): string {
  const weights = host === "workers"
    ? `import weights from "./${WEIGHTS_FILE}";`
    : `import weights from "./${WEIGHTS_FILE}" with { type: "bytes" };`;
  return [
    `import source kernels from "./${wasmFile}";`,
    `import config from ${JSON.stringify(configPath)} with { type: "json" };`,
    weights,
    "export { config, kernels, weights };",
  ].join("\n");
}

/** Replaces `server/worker_assets.js` by `assetsModule` and keeps its file imports external. */
function workerAssets(host: Host, wasmFile: string, modelDir: string): esbuild.Plugin {
  const assets = join(root, "server", "worker_assets.js");
  const external = new Set([`./${wasmFile}`, `./${WEIGHTS_FILE}`]);
  return {
    name: "edgegrad-worker-assets",
    setup(build) {
      build.onLoad({ filter: /[\\/]server[\\/]worker_assets\.js$/ }, () => ({
        contents: assetsModule(host, wasmFile, resolve(modelDir, "config.json")),
        loader: "js",
        resolveDir: join(root, "server"),
      }));
      build.onResolve(
        { filter: /^\.\/[^/]+$/ },
        (args) =>
          args.importer === assets && external.has(args.path)
            ? { path: args.path, external: true }
            : undefined,
      );
    },
  };
}

function esbuildOptions(
  host: Host,
  wasmFile: string,
  modelDir: string,
  name: string,
): esbuild.BuildOptions {
  return {
    entryPoints: [join(root, "server/worker.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "esnext",
    minify: true,
    // Layers register under their class names (moduleFromConfig looks them up by name).
    keepNames: true,
    legalComments: "none",
    define: { EDGEGRAD_MODEL_NAME: JSON.stringify(name) },
    plugins: [workerAssets(host, wasmFile, modelDir)],
    logLevel: "warning",
  };
}

function capnpConfig(wasmFile: string, port: number, compatibilityDate: string): string {
  return `# workerd configuration written by \`deno task bundle:worker\`.
# Run: npx workerd serve config.capnp   (override the address: --socket-addr http=HOST:PORT)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "edgegrad", worker = .edgegradWorker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "edgegrad")],
);

const edgegradWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "${wasmFile}", wasm = embed "${wasmFile}"),
    (name = "${WEIGHTS_FILE}", data = embed "${WEIGHTS_FILE}"),
  ],
  compatibilityDate = "${compatibilityDate}",
);
`;
}

function wranglerToml(name: string, compatibilityDate: string): string {
  return `# Cloudflare Workers deploy of the bundle written by \`deno task bundle:worker\`.
# Run from this folder: npx wrangler deploy
name = "edgegrad-${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}"
main = "worker.js"
compatibility_date = "${compatibilityDate}"
# Already bundled by esbuild: upload worker.js as it is, with the kernel module and the weights
# beside it (worker.deno.js, for Deno, matches no rule and stays behind).
no_bundle = true
find_additional_modules = true

[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]
fallthrough = false

[[rules]]
type = "Data"
globs = ["**/*.safetensors"]
fallthrough = false
`;
}

/** Bundles the worker; see the file's comment. */
export async function bundleWorker(
  {
    modelDir = join(root, "models/mnist-cnn"),
    name,
    outDir = join(root, "out/worker"),
    port = 8787,
    build = "relaxed",
  }: BundleWorkerOptions = {},
): Promise<BundleWorkerResult> {
  const modelName = name ?? basename(resolve(modelDir));
  const wasmFile = `kernels.${build}.wasm`;
  const wasmSource = join(root, "build", wasmFile);
  for (const file of ["config.json", WEIGHTS_FILE]) {
    try {
      await Deno.stat(join(modelDir, file));
    } catch {
      throw new Error(
        `bundle:worker: ${join(modelDir, file)} is missing; train a model first ` +
          "(npx deno task mnist-cnn) or name a model directory",
      );
    }
  }
  let wasm: Uint8Array;
  try {
    wasm = await Deno.readFile(wasmSource);
  } catch {
    throw new Error(`bundle:worker: ${wasmSource} is missing; run \`npx deno task build\` first`);
  }
  const weights = await Deno.readFile(join(modelDir, WEIGHTS_FILE));
  await Deno.mkdir(outDir, { recursive: true });
  const entry = join(outDir, "worker.js");
  const denoEntry = join(outDir, "worker.deno.js");
  try {
    for (const [host, outfile] of [["workers", entry], ["deno", denoEntry]] as const) {
      await esbuild.build({ ...esbuildOptions(host, wasmFile, modelDir, modelName), outfile });
    }
  } finally {
    await esbuild.stop();
  }
  await Deno.writeFile(join(outDir, wasmFile), wasm);
  await Deno.writeFile(join(outDir, WEIGHTS_FILE), weights);
  // A fixed date that this workerd release supports, so the bundle behaves the same everywhere.
  const compatibilityDate = "2025-09-01";
  const capnp = join(outDir, "config.capnp");
  await Deno.writeTextFile(capnp, capnpConfig(wasmFile, port, compatibilityDate));
  await Deno.writeTextFile(
    join(outDir, "wrangler.toml"),
    wranglerToml(modelName, compatibilityDate),
  );
  const code = await Deno.readFile(entry);
  const sizes: BundleSizes = {
    withWeights: measure(code, wasm, weights),
    withoutWeights: measure(code, wasm),
    wasm: measure(wasm),
    weights: measure(weights),
  };
  return { outDir, entry, denoEntry, capnp, name: modelName, sizes };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function parseArgs(args: string[]): BundleWorkerOptions {
  const options: BundleWorkerOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new Error(`bundle:worker: ${arg} needs a value`);
      return next;
    };
    if (arg === "--name") options.name = value();
    else if (arg === "--out") options.outDir = value();
    else if (arg === "--port") options.port = Number(value());
    else if (arg === "--build") {
      const build = value();
      if (build !== "relaxed" && build !== "simd") {
        throw new Error(`bundle:worker: --build must be relaxed or simd, got "${build}"`);
      }
      options.build = build;
    } else if (arg.startsWith("--")) throw new Error(`bundle:worker: unknown option ${arg}`);
    else options.modelDir = arg;
  }
  return options;
}

if (import.meta.main) {
  try {
    const result = await bundleWorker(parseArgs(Deno.args));
    const { withWeights, withoutWeights, wasm, weights } = result.sizes;
    const out = dirname(result.entry);
    const row = (label: string, size: { raw: number; gzip: number }) =>
      console.log(
        `  ${label.padEnd(30)}${kb(size.raw).padStart(10)}  ${kb(size.gzip).padStart(10)}`,
      );
    console.log(`bundle:worker: wrote ${out}/ (model "${result.name}")`);
    console.log("                                     raw        gzip -9");
    row("runtime + Hono + kernels", withoutWeights);
    row("  of which the kernel wasm", wasm);
    row("with the model's weights", withWeights);
    row(`  of which ${WEIGHTS_FILE}`, weights);
    console.log(`run: npx workerd serve ${result.capnp}`);
    console.log(`  or npx deno serve --unstable-raw-imports ${result.denoEntry}`);
    console.log(`deploy: cd ${out} && npx wrangler deploy`);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
