/**
 * Run by test/threads_test.ts in a fresh process per thread count (EDGEGRAD_THREADS): prints, as
 * JSON, the bits (hashed) of GEMMs in all transpose cases, conv2d and its gradients, reductions
 * and one Adam step of a CNN, and how many calls the pool split. With the argument `fail`, runs
 * one GEMM whose second half of rows lies outside memory, so that a worker's slice traps.
 */
import { F, manualSeed, nn, optim, randn, scope, type Tensor, tensor } from "../../runtime/mod.ts";
import { numThreads, splitCallCount, threadsReady } from "../../runtime/backend/threads/pool.ts";
import { callKernel } from "../../runtime/backend/dispatch.ts";
import { backend } from "../../runtime/backend/backend.ts";

function hash(t: Tensor): number {
  const words = new Uint32Array((t.data() as Float32Array).slice().buffer);
  let h = 2166136261;
  for (const w of words) h = Math.imul(h ^ w, 16777619) >>> 0;
  return h;
}

await threadsReady();
if (Deno.args[0] === "fail") {
  const M = 256, N = 256, K = 64;
  const a = randn([M, K]), b = randn([K, N]);
  const workspace = backend().workspace(callKernel("gemmWorkspaceBytes", M, N, K));
  const bytes = backend().k.memory.buffer.byteLength;
  const c = bytes - (M / 2) * N * 4; // rows 0..M/2 fit, the rest is past the end
  try {
    callKernel("gemm", 0, 0, M, N, K, a.ptr, K, b.ptr, N, c, N, 0, 0, 0, 0, M, workspace);
    console.log(JSON.stringify({ threw: null }));
  } catch (error) {
    console.log(JSON.stringify({ threw: (error as Error).message }));
  }
} else {
  manualSeed(5);
  const out: Record<string, number> = {};
  scope(() => {
    const a = randn([300, 200]),
      b = randn([200, 260]),
      bt = randn([260, 200]),
      at = randn([200, 300]);
    out.gemmNN = hash(a.matmul(b));
    out.gemmNT = hash(a.matmul(bt.transpose(0, 1)));
    out.gemmTN = hash(at.transpose(0, 1).matmul(b));
    const x = randn([4, 8, 20, 20], { requiresGrad: true });
    const w = randn([16, 8, 3, 3], { requiresGrad: true });
    const y = F.conv2d(x, w, null, { padding: 1 });
    out.conv = hash(y);
    y.square().sum().backward();
    out.convGradInput = hash(x.grad!);
    out.convGradWeight = hash(w.grad!);
    out.sum = hash(x.sum(1));
    out.max = hash(x.amax(3));
    out.softmax = hash(F.softmax(x, 1));
  });
  const model = new nn.Sequential(
    new nn.Conv2d(3, 16, 3, { padding: 1 }),
    new nn.BatchNorm2d(16),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 16, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d([2, 2]),
    new nn.Flatten(),
    new nn.Linear(64, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  scope(() => {
    const x = randn([16, 3, 24, 24]);
    const loss = F.crossEntropy(
      model.call(x),
      tensor(Array.from({ length: 16 }, (_, i) => i % 10), { dtype: "int32" }),
    );
    loss.backward();
    opt.step();
    out.loss = hash(loss);
  });
  model.parameters().forEach((p, i) => (out[`param${i}`] = hash(p)));
  console.log(JSON.stringify({ threads: numThreads(), split: splitCallCount(), out }));
}
