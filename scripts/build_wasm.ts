/**
 * Builds the two kernel modules from `assembly/`: `build/kernels.relaxed.wasm` (SIMD + relaxed SIMD)
 * and `build/kernels.simd.wasm` (plain SIMD, the fallback). Skips a target whose output is newer
 * than every source file. `--check` rebuilds both with warnings treated as errors.
 */
import { main as asc } from "assemblyscript/asc";

const root = new URL("../", import.meta.url);
const strict = Deno.args.includes("--check");

async function newestSourceTime(dir: URL): Promise<number> {
  let newest = 0;
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) newest = Math.max(newest, await newestSourceTime(url));
    else newest = Math.max(newest, (await Deno.stat(url)).mtime?.getTime() ?? 0);
  }
  return newest;
}

async function outputTime(path: URL): Promise<number> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

const sourcesTime = Math.max(
  await newestSourceTime(new URL("assembly/", root)),
  await outputTime(new URL("asconfig.json", root)),
);

for (const target of ["relaxed", "simd"]) {
  const out = new URL(`build/kernels.${target}.wasm`, root);
  if (!strict && (await outputTime(out)) > sourcesTime) continue;
  const warnings: string[] = [];
  const { error, stderr } = await asc(
    ["assembly/index.ts", "--config", "asconfig.json", "--target", target],
    {
      stderr: {
        write(text: string) {
          warnings.push(String(text));
        },
      },
    } as never,
  );
  const messages = warnings.join("");
  if (error || (strict && /WARNING|ERROR/.test(messages))) {
    console.error(messages || String(stderr));
    console.error(`build_wasm: target "${target}" failed${error ? `: ${error.message}` : ""}`);
    Deno.exit(1);
  }
  if (messages.trim()) console.error(messages);
  console.error(`build_wasm: wrote build/kernels.${target}.wasm`);
}
