/**
 * `deno task bench`: every benchmark, each printing its table beside TensorFlow.js's wasm backend
 * on the same workload in the same run. Pass names to run a subset: `... main.ts gemm`. Each
 * benchmark's module is loaded when it runs, so one benchmark's imports (TF.js's above all) are
 * not in another's memory figures.
 */
const benchmarks: Record<string, () => Promise<void>> = {
  gemm: async () => (await import("./gemm.ts")).benchGemm(),
  conv: async () => (await import("./conv.ts")).benchConv(),
  memory: async () => (await import("./memory.ts")).benchMemory(1000),
  train: async () => (await import("./train.ts")).benchTrain(),
  serve: async () => (await import("./serve.ts")).benchServe(),
  onnx: async () => (await import("./onnx.ts")).benchOnnx(),
  seq: async () => (await import("./seq.ts")).benchSeq(),
  threads: async () => (await import("./threads.ts")).benchThreads(),
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
