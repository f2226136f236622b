/** A failed allocation leaves the allocator exactly as it was (issue 15, defect 1). */
import assert from "node:assert/strict";
import { Allocator } from "../runtime/backend/allocator.ts";
import { memoryStats, tensor, zeros } from "../runtime/mod.ts";
import type { DisposableTensor } from "./helpers.ts";

const PAGE = 65536;

function state(allocator: Allocator) {
  const { reservedBytes, liveBytes, liveBlocks, memoryBytes } = allocator;
  return { reservedBytes, liveBytes, liveBlocks, memoryBytes };
}

Deno.test("allocator: a request the memory cannot grow to throws and changes nothing", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const allocator = new Allocator(memory, 1024);
  const first = allocator.alloc(1000);
  const before = state(allocator);
  assert.throws(
    () => allocator.alloc(8 * PAGE),
    /out of WebAssembly memory: a block of 524288 bytes/,
  );
  assert.deepEqual(state(allocator), before);
  // The next block goes where it would have gone had the failed request never been made.
  const second = allocator.alloc(1000);
  assert.equal(second, first + 1024);
  // Growth near the limit falls back to exactly the missing pages (a quarter would not fit).
  const big = allocator.alloc(3 * PAGE);
  assert.equal(memory.buffer.byteLength, 4 * PAGE);
  allocator.free(big);
  assert.equal(allocator.alloc(3 * PAGE), big, "a freed block is handed out again");
});

Deno.test("allocator: nonsense sizes are refused with the size in the message", () => {
  const allocator = new Allocator(new WebAssembly.Memory({ initial: 1 }), 0);
  assert.throws(() => allocator.alloc(Number.NaN), /cannot allocate NaN bytes/);
  assert.throws(() => allocator.alloc(-4), /cannot allocate -4 bytes/);
  assert.throws(() => allocator.alloc(2 ** 40), /does not fit in the 4 GiB limit/);
  assert.equal(allocator.liveBlocks, 0);
});

Deno.test("a tensor too large for WebAssembly memory leaves later tensors unaffected", () => {
  const before = memoryStats();
  assert.throws(() => zeros([2 ** 31, 2 ** 31]), /out of WebAssembly memory/);
  assert.throws(() => zeros([2 ** 20, 2 ** 11]), /out of WebAssembly memory/); // 8 GiB
  const after = memoryStats();
  assert.equal(after.liveBytes, before.liveBytes);
  assert.equal(after.reservedBytes, before.reservedBytes);
  using small = zeros([12345]) as DisposableTensor;
  assert.equal(small.size, 12345);
  using x = tensor([1, 2, 3]) as DisposableTensor;
  assert.deepEqual(x.add(x).toArray(), [2, 4, 6]);
});
