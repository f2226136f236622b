import assert from "node:assert/strict";
import { F, gradcheck, randn, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

Deno.test("erf matches reference values to float32 accuracy, near 0 and in the tails", () => {
  // erf values from Abramowitz & Stegun table 7.1 (and erf(1e-4) = 2/√π·1e-4 to 8 digits).
  const x = tensor([0, 1e-4, 0.3, 0.5, 1, 2, -1.5, 4]);
  const expected = [
    0,
    1.1283792e-4,
    0.32862676,
    0.52049988,
    0.84270079,
    0.99532227,
    -0.96610515,
    0.99999998,
  ];
  assertClose(F.erf(x), expected, { atol: 3e-7, rtol: 1e-6 });
});

Deno.test("erf's gradient is 2/√π·e^(−x²) and matches finite differences", () => {
  const x = tensor([-2, -0.4, 0, 0.45, 0.55, 1.3], { requiresGrad: true });
  F.sum(F.erf(x)).backward();
  assertClose(
    x.grad!,
    [-2, -0.4, 0, 0.45, 0.55, 1.3].map((v) => 2 / Math.sqrt(Math.PI) * Math.exp(-v * v)),
    {
      atol: 1e-6,
      rtol: 1e-5,
    },
  );
  gradcheck((x) => F.erf(x), [randn([3, 4])]);
});

Deno.test("pad adds constants and crops with negative amounts, last dim first as PyTorch", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assertClose(F.pad(x, [1, 0, 0, 1], "constant", 9), [[9, 1, 2, 3], [9, 4, 5, 6], [9, 9, 9, 9]]);
  assertClose(F.pad(x, [2, 1], "reflect"), [[3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5]]);
  assertClose(F.pad(x, [1, 2, 1, 0], "replicate"), [
    [1, 1, 2, 3, 3, 3],
    [1, 1, 2, 3, 3, 3],
    [4, 4, 5, 6, 6, 6],
  ]);
  assert.throws(() => F.pad(x, [3, 0], "reflect"), /reflect padding of 3 and 0 needs a dim larger/);
  assertClose(F.pad(x, [-1, 1]), [[2, 3, 0], [5, 6, 0]]);
  assert.throws(() => F.pad(x, [1]), /pads must be \[before, after\] integer pairs/);
  gradcheck((x) => F.pad(x, [2, -1, 1, 1], "constant", 0.5), [randn([2, 3, 4])]);
  gradcheck((x) => F.pad(x, [2, 1, 1, 2], "reflect"), [randn([2, 3, 4])]);
  gradcheck((x) => F.pad(x, [0, 2, 1, 0], "replicate"), [randn([2, 3, 4])]);
});

Deno.test("cumsum: inclusive, exclusive and reverse sums along any dim, with gradients", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assertClose(F.cumsum(x, 1), [[1, 3, 6], [4, 9, 15]]);
  assertClose(F.cumsum(x, 0), [[1, 2, 3], [5, 7, 9]]);
  assertClose(F.cumsum(x, 1, { exclusive: true }), [[0, 1, 3], [0, 4, 9]]);
  assertClose(F.cumsum(x, 1, { reverse: true }), [[6, 5, 3], [15, 11, 6]]);
  assertClose(F.cumsum(x, -1, { reverse: true, exclusive: true }), [[5, 3, 0], [11, 6, 0]]);
  assert.throws(() => F.cumsum(x, 1, { reversed: true } as never), /unknown option "reversed"/);
  gradcheck((x) => F.cumsum(x, 1, { reverse: true }), [randn([2, 5, 3])]);
});

Deno.test("tril and triu keep a triangle of the last two dims (diagonal offsets as PyTorch)", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assertClose(F.tril(x), [[1, 0, 0], [4, 5, 0], [7, 8, 9]]);
  assertClose(F.triu(x, 1), [[0, 2, 3], [0, 0, 6], [0, 0, 0]]);
  assertClose(F.tril(x, -1), [[0, 0, 0], [4, 0, 0], [7, 8, 0]]);
  assert.throws(() => F.triu(tensor([1, 2])), /needs at least 2 dims/);
  gradcheck((x) => F.triu(x, -1), [randn([2, 3, 4])]);
});
