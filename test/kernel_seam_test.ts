// The kernel seam: outside runtime/backend/ nothing reaches the wasm exports (`backend().k`), the
// memory views (`.f32`, `.i32`, `memory.buffer`) or the generated bindings. Numbers move through
// runtime/backend/memory.ts and kernel calls through runtime/backend/kernels/, so a thread pool,
// an int8 path or another backend changes one layer.
import assert from "node:assert/strict";
import { parseImports, sourceFiles } from "./source_imports.ts";

const root = new URL("../", import.meta.url).pathname;
const kernelLayer = `${root}runtime/backend/`;

/** What code above the kernel layer must not write, each with the way to do it instead. */
const FORBIDDEN: [RegExp, string][] = [
  [/\.k\b(?!\s*[:=(])/, "wasm exports (`.k`): call a wrapper in runtime/backend/kernels/"],
  [/\.(?:f32|i32)\b(?!\s*\()/, "a memory view (`.f32`/`.i32`): use runtime/backend/memory.ts"],
  [/\bmemory\.buffer\b/, "the wasm memory buffer: use readBytes/writeBytes of backend/memory.ts"],
  [/\bKernelExports\b/, "the raw exports' type: go through runtime/backend/kernels/"],
];

/** The source without comments and string contents, so prose and messages cannot trip a rule. */
function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " "))
    .replace(/\/\/[^\n]*/g, "")
    .replace(/(["'`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');
}

/** Every breach in one file: `line: what` for each forbidden use and each bindings import. */
export function seamBreaches(path: string, source: string): string[] {
  const breaches: string[] = [];
  codeOnly(source).split("\n").forEach((line, i) => {
    for (const [pattern, why] of FORBIDDEN) {
      if (pattern.test(line)) breaches.push(`${i + 1}: ${why}`);
    }
  });
  for (const imported of parseImports(path, source)) {
    if (imported.target.startsWith(`${kernelLayer}bindings/`)) {
      breaches.push(`imports ${imported.target.slice(root.length)}: use runtime/backend/kernels/`);
    }
  }
  return breaches;
}

Deno.test("nothing above the kernel layer touches wasm exports, memory views or bindings", () => {
  const files = [...sourceFiles(`${root}runtime`), ...sourceFiles(`${root}server`)]
    .filter((path) => !path.startsWith(kernelLayer));
  assert.ok(files.length > 100, `scanned ${files.length} files`);
  const breaches = files.flatMap((path) =>
    seamBreaches(path, Deno.readTextFileSync(path)).map((b) => `${path.slice(root.length)}:${b}`)
  );
  assert.deepEqual(breaches, [], `breaches of the kernel seam:\n${breaches.join("\n")}`);
});

Deno.test("the kernel wrappers call the wasm only through the dispatch point", () => {
  const wrappers = sourceFiles(`${kernelLayer}kernels`);
  assert.ok(wrappers.length >= 11, `scanned ${wrappers.length} wrappers`);
  const direct = wrappers.flatMap((path) =>
    codeOnly(Deno.readTextFileSync(path)).split("\n").flatMap((line, i) =>
      /\.k\b/.test(line) ? [`${path.slice(root.length)}:${i + 1}`] : []
    )
  );
  assert.deepEqual(direct, [], `kernel calls that bypass callKernel:\n${direct.join("\n")}`);
});

Deno.test("the seam check flags each forbidden use and passes prose, strings and lookalikes", () => {
  const path = `${root}runtime/data/example.ts`;
  const bad = [
    'import { UnaryOp } from "../backend/bindings/elementwise.ts";',
    "const n = backend().k.heapBase();",
    "const view = b.f32;",
    "b.i32.set(words, ptr >>> 2);",
    "new Uint8Array(kernels.memory.buffer);",
    "function f(k: KernelExports) {}",
  ].join("\n");
  assert.deepEqual(
    seamBreaches(path, bad).map((b) => b.split(":")[0]),
    [
      "2",
      "3",
      "4",
      "5",
      "6",
      "imports runtime/backend/bindings/elementwise.ts",
    ],
  );
  const fine = [
    "// backend().k.gemm is called by the wrappers; b.f32 is their view",
    '/** memory.buffer is detached when memory grows */ const s = "use b.f32";',
    "const k = 3; const value = { k: 1 }; harness.f32([1, 2]);",
    'import { UnaryOp } from "../backend/kernels/elementwise.ts";',
  ].join("\n");
  assert.deepEqual(seamBreaches(path, fine), []);
});
