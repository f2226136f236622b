/** The layer modules over pooling, normalisation, dropout and embedding. */
import assert from "node:assert/strict";
import { F, manualSeed, nn, randn, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

Deno.test("BatchNorm2d normalises with batch statistics in training and running ones in eval", () => {
  manualSeed(0);
  const bn = new nn.BatchNorm2d(3);
  const x = F.add(F.mul(randn([4, 3, 5, 5]), 2), 1);
  const y = bn.call(x);
  const perChannel = F.mean(y, [0, 2, 3]);
  assertClose(perChannel, [0, 0, 0], { atol: 1e-5 });
  const batchMean = Array.from(F.mean(x, [0, 2, 3]).data());
  assertClose(bn.runningMean!, batchMean.map((m) => 0.1 * m), { atol: 1e-6, rtol: 1e-5 });
  bn.eval();
  const expected = F.div(
    F.sub(x, bn.runningMean!.reshape(1, 3, 1, 1)),
    F.sqrt(F.add(bn.runningVar!.reshape(1, 3, 1, 1), 1e-5)),
  );
  assertClose(bn.call(x), expected, { atol: 1e-5, rtol: 1e-5 });
  assert.deepEqual([...bn.stateDict().keys()], ["weight", "bias", "runningMean", "runningVar"]);
  assert.throws(() => bn.call(randn([4, 3])), /BatchNorm2d: expected an input of rank 4/);
});

Deno.test("Dropout is the identity in eval mode and drops in training", () => {
  manualSeed(1);
  const drop = new nn.Dropout(0.5);
  const x = F.add(randn([1000]), 10);
  const dropped = Array.from(drop.call(x).data()).filter((v) => v === 0).length;
  assert.ok(dropped > 400 && dropped < 600, `${dropped} of 1000 dropped`);
  drop.eval();
  assertClose(drop.call(x), x);
});

Deno.test("Embedding starts with the padding row at zero and looks rows up", () => {
  const emb = new nn.Embedding(5, 3, { paddingIdx: 2 });
  const rows = emb.weight.toArray() as number[][];
  assert.deepEqual(rows[2], [0, 0, 0]);
  const out = emb.call(tensor([[4, 2]], { dtype: "int32" }));
  assert.deepEqual([...out.shape], [1, 2, 3]);
  assertClose(out, [[rows[4], rows[2]]]);
});

Deno.test("a model of pooling and normalisation layers rebuilds from its config", () => {
  const model = new nn.Sequential(
    new nn.MaxPool2d(2),
    new nn.BatchNorm2d(2),
    new nn.AvgPool2d(2, { stride: 1 }),
    new nn.Flatten(),
    new nn.LayerNorm(18),
    new nn.Dropout(0.3),
    new nn.Linear(18, 4),
  );
  model.eval();
  const copy = nn.moduleFromConfig(JSON.parse(JSON.stringify(model.toConfig())));
  copy.loadStateDict(model.stateDict());
  copy.eval();
  const x = randn([2, 2, 8, 8]);
  assertClose(copy.call(x), model.call(x), { atol: 1e-6 });
  assert.deepEqual([...model.call(x).shape], [2, 4]);
});
