/**
 * `bench threads`: edgegrad at one thread beside edgegrad at every core (a fresh process each, so
 * EDGEGRAD_THREADS picks the threads build), W1 GEMM n = 512 in its three products and W2-W4
 * training, with the ratio and the goals of issue 19. TensorFlow.js's threaded wasm binary is not
 * in this table yet.
 *
 * Run: `npx deno run -A scripts/bench/threads.ts` (about 2 minutes).
 */

interface ChildResult {
  threads: number;
  gemm: { ab: number; abT: number; aTb: number };
  w2: number;
  w3: number;
  w4: number;
}

async function run(threads: number): Promise<ChildResult> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./threads_child.ts", import.meta.url).pathname],
    env: { EDGEGRAD_THREADS: String(threads), EDGEGRAD_BUILD: "relaxed" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`threads=${threads} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
}

/** Runs both sides and prints the table. */
export async function benchThreads(): Promise<void> {
  const cores = navigator.hardwareConcurrency;
  const one = await run(1);
  const all = await run(cores);
  const gflops = (ms: number) => (2 * 512 ** 3) / ms / 1e6;
  const rows: [string, number, number, string, string][] = [
    ["W1 GEMM 512 A·B (GFLOP/s)", gflops(one.gemm.ab), gflops(all.gemm.ab), "up", "≥ 1.85×"],
    ["W1 GEMM 512 A·Bᵀ (GFLOP/s)", gflops(one.gemm.abT), gflops(all.gemm.abT), "up", "≥ 1.85×"],
    ["W1 GEMM 512 Aᵀ·B (GFLOP/s)", gflops(one.gemm.aTb), gflops(all.gemm.aTb), "up", "≥ 1.85×"],
    ["W2 MLP training (samples/s)", one.w2, all.w2, "up", "≥ 1.7×"],
    ["W3 CNN training (images/s)", one.w3, all.w3, "up", "≥ 1.7×"],
    ["W4 DCGAN step (ms)", one.w4, all.w4, "down", "≥ 1.7×"],
  ];
  console.log(
    `\nThreads: edgegrad at 1 thread beside ${cores} threads (relaxed-SIMD threads build)`,
  );
  console.log(
    "| workload | 1 thread | " +
      `${cores} threads | speed-up | goal |\n| --- | ---: | ---: | ---: | --- |`,
  );
  for (const [name, a, b, better, goal] of rows) {
    const ratio = better === "up" ? b / a : a / b;
    console.log(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${ratio.toFixed(2)}× | ${goal} |`);
  }
}

if (import.meta.main) await benchThreads();
