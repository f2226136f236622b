/** Memory: scopes free intermediates; live bytes return to baseline and memory stops growing. */
import assert from "node:assert/strict";
import { F, keep, memoryStats, noGrad, optim, randn, scope, tensor } from "../runtime/mod.ts";
import type { DisposableTensor } from "./helpers.ts";

Deno.test("scope disposes intermediates and keeps what it returns", () => {
  const before = memoryStats().liveBytes;
  const x = randn([100]);
  let intermediate = x;
  const result = scope(() => {
    intermediate = F.exp(x);
    return F.sum(F.mul(intermediate, 2));
  });
  assert.equal(intermediate.isDisposed, true);
  assert.equal(result.isDisposed, false);
  assert.throws(() => intermediate.data(), /was disposed/);
  result.dispose();
  x.dispose();
  assert.equal(memoryStats().liveBytes, before);
});

Deno.test("nested scopes hand returned tensors to the enclosing scope; keep() exempts", () => {
  let inner = randn([1]);
  let kept = randn([1]);
  const outer = scope(() => {
    inner = scope(() => F.mul(randn([3]), 2));
    kept = keep(F.add(inner, 1));
    return null;
  });
  assert.equal(outer, null);
  assert.equal(inner.isDisposed, true);
  assert.equal(kept.isDisposed, false);
  kept.dispose();
});

Deno.test("using disposes at the end of the block", () => {
  const before = memoryStats().liveBytes;
  {
    using t = randn([1000]) as DisposableTensor;
    assert.equal(t.size, 1000);
  }
  assert.equal(memoryStats().liveBytes, before);
});

Deno.test("noGrad frees its intermediates and returns an untracked result", () => {
  const w = randn([8, 8], { requiresGrad: true });
  F.matmul(w, w).dispose(); // the first GEMM creates the kernels' persistent workspace
  const before = memoryStats().liveBytes;
  const y = noGrad(() => F.relu(F.matmul(F.tanh(w), w)).sum());
  assert.equal(y.requiresGrad, false);
  y.dispose();
  assert.equal(memoryStats().liveBytes, before);
});

Deno.test("10k scoped training steps: live bytes back to baseline every step, memory flat after warm-up", () => {
  const x = randn([32, 20]);
  const labels = tensor(Int32Array.from({ length: 32 }, (_, i) => i % 5), { dtype: "int32" });
  const w1 = randn([16, 20], { requiresGrad: true, std: 0.2 });
  const b1 = randn([16], { requiresGrad: true, std: 0.2 });
  const w2 = randn([5, 16], { requiresGrad: true, std: 0.2 });
  const optimizer = new optim.Adam([w1, b1, w2], { lr: 1e-3 });
  const step = () =>
    scope(() => {
      optimizer.zeroGrad();
      const loss = F.crossEntropy(F.linear(F.relu(F.linear(x, w1, b1)), w2), labels);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
  step(); // warm-up: optimizer state, gradients and GEMM workspace come into being
  step();
  const baseline = memoryStats();
  let first = Infinity, last = Infinity;
  for (let i = 0; i < 10_000; i++) {
    last = step();
    if (i === 0) first = last;
    const now = memoryStats();
    if (now.liveBytes !== baseline.liveBytes) {
      assert.fail(`step ${i}: ${now.liveBytes} live bytes, baseline ${baseline.liveBytes}`);
    }
  }
  const end = memoryStats();
  assert.equal(end.memoryBytes, baseline.memoryBytes, "linear memory grew after warm-up");
  assert.equal(
    end.reservedBytes,
    baseline.reservedBytes,
    "the allocator carved new blocks after warm-up",
  );
  assert.ok(last < first, `the loss should fall: ${first} → ${last}`);
});
