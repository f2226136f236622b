/**
 * `deno task bench`: every benchmark, each printing its table beside TensorFlow.js's wasm backend
 * on the same workload in the same run. Pass names to run a subset: `... main.ts gemm`.
 */
import { benchConv } from "./conv.ts";
import { benchGemm } from "./gemm.ts";
import { benchMemory } from "./memory.ts";
import { benchServe } from "./serve.ts";
import { benchTrain } from "./train.ts";

const benchmarks: Record<string, () => Promise<void>> = {
  gemm: benchGemm,
  conv: benchConv,
  memory: () => benchMemory(1000),
  train: benchTrain,
  serve: benchServe,
};

const chosen = Deno.args.length > 0 ? Deno.args : Object.keys(benchmarks);
for (const name of chosen) {
  const run = benchmarks[name];
  if (run === undefined) {
    console.error(
      `unknown benchmark "${name}"; choose from: ${Object.keys(benchmarks).join(", ")}`,
    );
    Deno.exit(2);
  }
  await run();
}
