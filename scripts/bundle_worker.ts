/**
 * `deno task bundle:worker [modelDir] [--name NAME] [--out DIR] [--port PORT] [--build relaxed|simd]`:
 * bundles `server/worker.ts` with esbuild into a Workers module, `out/worker/worker.js`, with the
 * model's config and weights inside it (default modelDir: models/mnist-cnn; NAME: its folder's
 * name) and the kernel module beside it as a separate wasm module (Workers compile wasm only at
 * upload). Also writes `config.capnp` for workerd (`npx workerd serve out/worker/config.capnp`,
 * 127.0.0.1:PORT, default 8787) and `wrangler.toml` for `wrangler deploy`. The bundle runs under
 * `deno serve out/worker/worker.js` too. Prints its size, raw and gzip, with and without weights.
 */
import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KernelBuild } from "../runtime/api.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

/** What `bundleWorker` needs; every field has a default. */
export interface BundleWorkerOptions {
  /** The model directory to embed (config.json + model.safetensors). */
  modelDir?: string;
  /** The name the model is served under (default: the directory's name). */
  name?: string;
  /** Where to write worker.js, the wasm, config.capnp and wrangler.toml. */
  outDir?: string;
  /** The port written into config.capnp. */
  port?: number;
  /** Which kernel build to ship; workerd and Cloudflare run relaxed SIMD. */
  build?: KernelBuild;
  /** Also bundle without the weights to measure the runtime alone (a second esbuild pass). */
  measure?: boolean;
}

/** Sizes in bytes of what a deploy uploads. */
export interface BundleSizes {
  /** worker.js + the wasm with the model embedded. */
  withWeights: { raw: number; gzip: number };
  /** The same without the model's weights (runtime, Hono and kernels only). */
  withoutWeights?: { raw: number; gzip: number };
  /** The kernel module alone. */
  wasm: { raw: number; gzip: number };
}

/** What `bundleWorker` wrote. */
export interface BundleWorkerResult {
  outDir: string;
  /** worker.js, the entry for workerd, wrangler and `deno serve`. */
  entry: string;
  capnp: string;
  name: string;
  sizes: BundleSizes;
}

function measure(...files: Uint8Array[]): { raw: number; gzip: number } {
  return {
    raw: files.reduce((total, f) => total + f.length, 0),
    gzip: files.reduce((total, f) => total + gzipSync(f, { level: 9 }).length, 0),
  };
}

/**
 * Points the worker's imports at their files: the kernel module stays an external import of a
 * sibling file, and `config.json` / `model.safetensors` come from `modelDir` (or, with no
 * `modelDir`, a config and empty weights, to measure the bundle without the model).
 */
function workerImports(wasmFile: string, modelDir: string | null): esbuild.Plugin {
  return {
    name: "edgegrad-worker-imports",
    setup(build) {
      build.onResolve({ filter: /\.wasm$/ }, () => ({ path: `./${wasmFile}`, external: true }));
      build.onResolve({ filter: /\/(config\.json|model\.safetensors)$/ }, (args) => {
        if (!args.importer.endsWith(join("server", "worker_assets.js"))) return undefined;
        const file = basename(args.path);
        if (modelDir !== null) return { path: resolve(modelDir, file) };
        return { path: file, namespace: "no-weights" };
      });
      build.onLoad({ filter: /.*/, namespace: "no-weights" }, (args) => (
        args.path === "config.json" ? { contents: "{}", loader: "json" } : {
          contents: new Uint8Array(0),
          loader: "binary",
        }
      ));
    },
  };
}

function esbuildOptions(
  wasmFile: string,
  modelDir: string | null,
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
    plugins: [workerImports(wasmFile, modelDir)],
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
# Already bundled by esbuild: upload worker.js as it is, and the kernel module beside it.
no_bundle = true
find_additional_modules = true

[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]
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
    measure: measureWithout = true,
  }: BundleWorkerOptions = {},
): Promise<BundleWorkerResult> {
  const modelName = name ?? basename(resolve(modelDir));
  const wasmFile = `kernels.${build}.wasm`;
  const wasmSource = join(root, "build", wasmFile);
  for (const file of ["config.json", "model.safetensors"]) {
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
  await Deno.mkdir(outDir, { recursive: true });
  const entry = join(outDir, "worker.js");
  await esbuild.build({ ...esbuildOptions(wasmFile, modelDir, modelName), outfile: entry });
  await Deno.writeFile(join(outDir, wasmFile), wasm);
  // A fixed date that this workerd release supports, so the bundle behaves the same everywhere.
  const compatibilityDate = "2025-09-01";
  const capnp = join(outDir, "config.capnp");
  await Deno.writeTextFile(capnp, capnpConfig(wasmFile, port, compatibilityDate));
  await Deno.writeTextFile(
    join(outDir, "wrangler.toml"),
    wranglerToml(modelName, compatibilityDate),
  );

  const sizes: BundleSizes = {
    withWeights: measure(await Deno.readFile(entry), wasm),
    wasm: measure(wasm),
  };
  if (measureWithout) {
    const bare = await esbuild.build({
      ...esbuildOptions(wasmFile, null, modelName),
      outfile: join(outDir, "worker.bare.js"),
      write: false,
    });
    sizes.withoutWeights = measure(bare.outputFiles[0].contents, wasm);
  }
  await esbuild.stop();
  return { outDir, entry, capnp, name: modelName, sizes };
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
    const { withWeights, withoutWeights, wasm } = result.sizes;
    const out = dirname(result.entry);
    console.log(`bundle:worker: wrote ${out}/ (model "${result.name}")`);
    console.log("                                     raw        gzip -9");
    if (withoutWeights) {
      console.log(
        `  runtime + Hono + kernels      ${kb(withoutWeights.raw).padStart(10)}  ${
          kb(withoutWeights.gzip).padStart(10)
        }`,
      );
    }
    console.log(
      `    of which the kernel wasm    ${kb(wasm.raw).padStart(10)}  ${kb(wasm.gzip).padStart(10)}`,
    );
    console.log(
      `  with the model's weights      ${kb(withWeights.raw).padStart(10)}  ${
        kb(withWeights.gzip).padStart(10)
      }`,
    );
    console.log(`run: npx workerd serve ${result.capnp}`);
    console.log(`  or npx deno serve ${result.entry}`);
    console.log(`deploy: cd ${out} && npx wrangler deploy`);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
