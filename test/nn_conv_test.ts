/** Conv2d / ConvTranspose2d modules: shapes, PyTorch's initialisation bounds, configs. */
import assert from "node:assert/strict";
import { manualSeed, nn, randn } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

Deno.test("Conv2d and ConvTranspose2d: weight layouts, initialisation bounds, output sizes", () => {
  manualSeed(0);
  const conv = new nn.Conv2d(4, 6, [3, 5], { stride: 2, padding: 1, groups: 2 });
  assert.deepEqual([...conv.weight.shape], [6, 2, 3, 5]);
  const bound = 1 / Math.sqrt(2 * 3 * 5);
  assert.ok(Array.from(conv.weight.data()).every((v) => Math.abs(v) <= bound));
  assert.deepEqual([...conv.call(randn([2, 4, 9, 9])).shape], [2, 6, 5, 4]);
  const up = new nn.ConvTranspose2d(8, 4, 5, {
    stride: 2,
    padding: 2,
    outputPadding: 1,
    bias: false,
  });
  assert.deepEqual([...up.weight.shape], [8, 4, 5, 5]);
  assert.equal(up.bias, null);
  assert.deepEqual([...up.call(randn([1, 8, 7, 7])).shape], [1, 4, 14, 14]);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups 2/);
});

Deno.test("a conv model rebuilds from its config with identical outputs", () => {
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: "same" }),
    new nn.ReLU(),
    new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  );
  const copy = nn.moduleFromConfig(JSON.parse(JSON.stringify(model.toConfig())));
  copy.loadStateDict(model.stateDict());
  const x = randn([2, 1, 6, 6]);
  assertClose(copy.call(x), model.call(x));
});
