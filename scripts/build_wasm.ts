/**
 * Builds the kernel modules from `assembly/`: `build/kernels.relaxed.wasm` (SIMD + relaxed SIMD),
 * `build/kernels.simd.wasm` (plain SIMD, the fallback) and `build/kernels.relaxed-threads.wasm`
 * (the relaxed build on an imported shared memory, for the thread pool), then writes `runtime/backend/bindings/`
 * (the TypeScript contract, generated from the compiler's declarations; see kernel_bindings.ts).
 * Skips a target whose output is newer than every source file. `--check` rebuilds both with
 * warnings treated as errors and fails when the bindings on disk differ from generated ones.
 */
import { main as asc } from "assemblyscript/asc";
import { generateBindings, parseDeclarations } from "./kernel_bindings.ts";

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

let rebuilt = false;
for (const target of ["relaxed", "simd", "relaxed-threads"]) {
  const out = new URL(`build/kernels.${target}.wasm`, root);
  const declarations = new URL(`build/kernels.${target}.d.ts`, root);
  const upToDate = Math.min(await outputTime(out), await outputTime(declarations)) > sourcesTime;
  if (!strict && upToDate) continue;
  const warnings: string[] = [];
  const { error, stderr } = await asc(
    ["assembly/index.ts", "--config", "asconfig.json", "--target", target, "--bindings", "raw"],
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
  rebuilt = true;
}

// The bindings follow from the builds, assembly's doc comments and the generator: when none of
// them changed since the last generation (its stamp), there is nothing to regenerate.
const stamp = new URL("build/bindings.stamp", root);
const generatorTime = await outputTime(new URL("scripts/kernel_bindings.ts", root));
const bindingsFresh = (await outputTime(stamp)) >
  Math.max(sourcesTime, generatorTime, await outputTime(new URL("build/kernels.simd.d.ts", root)));
if (!strict && !rebuilt && bindingsFresh) Deno.exit(0);

/** Formats TypeScript text with the project's `deno fmt` settings. */
async function formatted(text: string): Promise<string> {
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", new URL("deno.json", root).pathname, "--ext=ts", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { success, stdout, stderr } = await fmt.output();
  if (!success) {
    throw new Error(`deno fmt failed on generated bindings: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

const bindingsDir = new URL("runtime/backend/bindings/", root);
const generated = generateBindings(
  await Deno.readTextFile(new URL("build/kernels.simd.d.ts", root)),
  await WebAssembly.compile(await Deno.readFile(new URL("build/kernels.simd.wasm", root))),
  (family) => Deno.readTextFileSync(new URL(`assembly/${family}.ts`, root)),
);
const declarationsOf = async (target: string) =>
  JSON.stringify(
    parseDeclarations(await Deno.readTextFile(new URL(`build/kernels.${target}.d.ts`, root))),
  );
const simdDeclarations = await declarationsOf("simd");
for (const target of ["relaxed", "relaxed-threads"]) {
  if (await declarationsOf(target) !== simdDeclarations) {
    console.error(`build_wasm: the ${target} and plain SIMD builds export different functions`);
    Deno.exit(1);
  }
}
const stale: string[] = [];
await Deno.mkdir(bindingsDir, { recursive: true });
const onDisk = new Set<string>();
for await (const entry of Deno.readDir(bindingsDir)) onDisk.add(entry.name);
for (const [name, text] of generated) {
  const url = new URL(name, bindingsDir);
  const want = await formatted(text);
  const have = onDisk.has(name) ? await Deno.readTextFile(url) : null;
  if (have === want) continue;
  if (strict) stale.push(name);
  else {
    await Deno.writeTextFile(url, want);
    console.error(`build_wasm: wrote runtime/backend/bindings/${name}`);
  }
}
const extra = [...onDisk].filter((name) => !generated.has(name));
if (extra.length > 0) stale.push(...extra.map((name) => `${name} (no such family)`));
if (stale.length > 0) {
  console.error(
    `build_wasm: runtime/backend/bindings/ does not match assembly/ (${stale.join(", ")}); ` +
      "run `npx deno task build` and commit the regenerated files",
  );
  Deno.exit(1);
}
await Deno.writeTextFile(stamp, "");
