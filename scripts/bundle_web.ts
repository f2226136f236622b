/**
 * `deno task bundle:web [--out DIR]`: the browser build, with esbuild, into `out/web/`:
 * `edgegrad.js` (an ES module of the whole host-neutral API that loads its kernels when imported,
 * the relaxed-SIMD build where the browser validates it, plain SIMD otherwise),
 * `kernels.relaxed.wasm`, `kernels.simd.wasm`, and `app.js`, the demo page's script, which imports
 * `./edgegrad.js` rather than carrying a second copy of the runtime. Prints the sizes.
 */
import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** A written file and its size, raw and gzip -9. */
export interface WebFile {
  name: string;
  raw: number;
  gzip: number;
}

/** The demo script's import of the runtime becomes an import of the sibling bundle. */
const runtimeAsSibling: esbuild.Plugin = {
  name: "edgegrad-runtime-as-sibling",
  setup(build) {
    build.onResolve(
      { filter: /^\.\/edgegrad\.ts$/ },
      () => ({ path: "./edgegrad.js", external: true }),
    );
  },
};

const common: esbuild.BuildOptions = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2024",
  minify: true,
  // Layers register under their class names (moduleFromConfig looks them up by name).
  keepNames: true,
  legalComments: "none",
  logLevel: "warning",
};

/** Builds the browser bundle into `outDir`; returns the files written with their sizes. */
export async function bundleWeb(
  { outDir = join(root, "out/web") }: { outDir?: string } = {},
): Promise<WebFile[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const wasmFiles = ["kernels.relaxed.wasm", "kernels.simd.wasm"];
  for (const file of wasmFiles) {
    try {
      await Deno.copyFile(join(root, "build", file), join(outDir, file));
    } catch {
      throw new Error(`bundle:web: build/${file} is missing; run \`npx deno task build\` first`);
    }
  }
  await esbuild.build({
    ...common,
    entryPoints: [join(root, "server/page/edgegrad.ts")],
    outfile: join(outDir, "edgegrad.js"),
  });
  await esbuild.build({
    ...common,
    entryPoints: [join(root, "server/page/app.ts")],
    outfile: join(outDir, "app.js"),
    plugins: [runtimeAsSibling],
  });
  await esbuild.stop();
  const files: WebFile[] = [];
  for (const name of ["edgegrad.js", ...wasmFiles, "app.js"]) {
    const bytes = await Deno.readFile(join(outDir, name));
    files.push({ name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return files;
}

if (import.meta.main) {
  const outIndex = Deno.args.indexOf("--out");
  try {
    const outDir = outIndex >= 0 ? Deno.args[outIndex + 1] : undefined;
    const files = await bundleWeb({ outDir });
    console.log(`bundle:web: wrote ${outDir ?? "out/web"}/`);
    for (const { name, raw, gzip } of files) {
      console.log(
        `  ${name.padEnd(22)} ${(raw / 1024).toFixed(1).padStart(8)} KB  ${
          (gzip / 1024).toFixed(1).padStart(8)
        } KB gzip`,
      );
    }
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
