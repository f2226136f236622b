import assert from "node:assert/strict";
import { importCycles, parseImports, runtimeImportGraph } from "./source_imports.ts";

const runtimeDir = new URL("../runtime", import.meta.url).pathname;

// Type-only imports are allowed to close a loop (tensor.ts ↔ autograd/node.ts name each other's
// types): they are erased, so they decide no module's evaluation order and cannot leave a binding
// uninitialised, which is what a run-time cycle risks.
Deno.test("runtime/ has no import cycle (run-time imports)", () => {
  const cycles = importCycles(runtimeImportGraph(runtimeDir));
  const named = cycles.map((files) => files.map((f) => f.slice(runtimeDir.length + 1)).join(" → "));
  assert.deepEqual(named, [], `import cycles in runtime/:\n${named.join("\n")}`);
});

Deno.test("the cycle finder finds a three-file cycle and a self-import, and ignores a chain", () => {
  const graph = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a", "d"]],
    ["d", []],
    ["e", ["e"]],
    ["f", ["d"]],
  ]);
  assert.deepEqual(importCycles(graph), [["a", "b", "c"], ["e"]]);
});

Deno.test("parseImports tells type-only imports from run-time ones", () => {
  const source = [
    'import type { Tensor } from "../tensor.ts";',
    'import { type DType, Tensor } from "./tensor.ts";',
    'import { type A, type B } from "./ab.ts";',
    'export * from "./all.ts";',
    'import {\n  binary,\n  filled,\n} from "./kernels/elementwise.ts";',
    'import assert from "node:assert/strict";',
  ].join("\n");
  const found = parseImports("/r/x/file.ts", source);
  assert.deepEqual(found.map((i) => [i.target, i.typeOnly]), [
    ["/r/tensor.ts", true],
    ["/r/x/tensor.ts", false],
    ["/r/x/ab.ts", true],
    ["/r/x/all.ts", false],
    ["/r/x/kernels/elementwise.ts", false],
  ]);
  assert.deepEqual(found[4].names, ["binary", "filled"]);
});
