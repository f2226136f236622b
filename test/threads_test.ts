// The thread pool, each thread count in a fresh process (EDGEGRAD_THREADS is read at import):
// GEMMs, conv2d and its gradients, reductions and a CNN's Adam step give the same bits at 1, 2
// and 3 threads, the pool really splits calls, the process exits by itself when its work is done,
// and a kernel that traps in a worker fails the call in the caller.
import assert from "node:assert/strict";

const script = new URL("./threads/fingerprint.ts", import.meta.url).pathname;

/** Runs the fingerprint script on `threads` threads; fails if it does not exit within 60 s. */
async function fingerprint(threads: number, ...args: string[]): Promise<Record<string, unknown>> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    // Threads exist for the relaxed-SIMD build only (the one the speed goals are for).
    env: { EDGEGRAD_THREADS: String(threads), EDGEGRAD_BUILD: "relaxed" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  });
  const { code, stdout, stderr } = await command.output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `threads=${threads} exited ${code}: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

Deno.test("results are bit-identical at 1, 2 and 3 threads, and the pool splits calls", async () => {
  const one = await fingerprint(1);
  assert.equal(one.threads, 1);
  assert.equal(one.split, 0);
  for (const threads of [2, 3]) {
    const many = await fingerprint(threads);
    assert.equal(many.threads, threads);
    assert.ok((many.split as number) > 20, `${threads} threads split ${many.split} calls`);
    assert.deepEqual(many.out, one.out, `bits at ${threads} threads`);
  }
});

Deno.test("a kernel that traps in a worker fails the call in the caller", async () => {
  const result = await fingerprint(2, "fail");
  assert.match(
    String(result.threw),
    /kernel gemm failed on worker thread 1: memory access out of bounds/,
  );
});

Deno.test("EDGEGRAD_THREADS that is not a positive integer is refused at import", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    env: { EDGEGRAD_THREADS: "two" },
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  assert.notEqual(code, 0);
  assert.match(
    new TextDecoder().decode(stderr),
    /EDGEGRAD_THREADS must be a positive integer, got "two"/,
  );
});
