/**
 * Runs the whole ONNX conformance suite and prints pass counts per folder and per op.
 *   npx deno run -A scripts/onnx/conformance.ts            # counts
 *   npx deno run -A scripts/onnx/conformance.ts --verbose  # and why each test did not pass
 *   npx deno run -A scripts/onnx/conformance.ts --write    # also rewrite the list the test keeps
 */
import { FOLDERS, listTests, runTest, type SuiteResult } from "./suite.ts";

const PASS_LIST = new URL("./conformance_pass.txt", import.meta.url);

const results: SuiteResult[] = listTests().map((id) => runTest(id));
const count = (list: SuiteResult[], status: SuiteResult["status"]) =>
  list.filter((r) => r.status === status).length;

console.log("folder               pass  fail  error  unsupported  total");
for (const folder of FOLDERS) {
  const list = results.filter((r) => r.folder === folder);
  console.log(
    `${folder.padEnd(20)} ${String(count(list, "pass")).padStart(4)}  ${
      String(count(list, "fail")).padStart(4)
    }  ${String(count(list, "error")).padStart(5)}  ${
      String(count(list, "unsupported")).padStart(11)
    }  ${String(list.length).padStart(5)}`,
  );
}
console.log(
  `all                  ${String(count(results, "pass")).padStart(4)}  of ${results.length}`,
);

const byOp = new Map<string, SuiteResult[]>();
for (const r of results.filter((r) => r.folder === "node")) {
  for (const op of r.ops) byOp.set(op, [...(byOp.get(op) ?? []), r]);
}
console.log("\nnode tests per op (pass/total), ops with at least one runnable test:");
const rows = [...byOp].filter(([, list]) => list.some((r) => r.status !== "unsupported"))
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([op, list]) => `${op} ${count(list, "pass")}/${list.length}`);
console.log(rows.join(", "));

if (Deno.args.includes("--verbose")) {
  for (const r of results.filter((r) => r.status === "fail" || r.status === "error")) {
    console.log(`${r.status} ${r.id}: ${r.detail}`);
  }
}
if (Deno.args.includes("--write")) {
  const passing = results.filter((r) => r.status === "pass").map((r) => r.id);
  Deno.writeTextFileSync(PASS_LIST, passing.join("\n") + "\n");
  console.log(`wrote ${passing.length} passing tests to ${PASS_LIST.pathname}`);
}
