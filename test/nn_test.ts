/** Modules: registration by assignment, PyTorch names, state dicts, modes, hooks, configs. */
import assert from "node:assert/strict";
import { F, manualSeed, nn, randn, type Tensor, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

class TwoLayer extends nn.Module {
  fc1 = new nn.Linear(4, 3);
  act = new nn.Tanh();
  fc2 = new nn.Linear(3, 2, { bias: false });
  forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

Deno.test("parameters are found by assignment and named as PyTorch names them", () => {
  const model = new TwoLayer();
  assert.deepEqual(model.namedParameters().map(([n, p]) => `${n}:${p.shape}`), [
    "fc1.weight:3,4",
    "fc1.bias:3",
    "fc2.weight:2,3",
  ]);
  const seq = new nn.Sequential(new nn.Linear(2, 5), new nn.ReLU(), new nn.Linear(5, 1));
  assert.deepEqual([...seq.stateDict().keys()], ["0.weight", "0.bias", "2.weight", "2.bias"]);
});

Deno.test("Linear starts from U(−1/√in, 1/√in) and computes x·Wᵀ + b", () => {
  manualSeed(1);
  const layer = new nn.Linear(100, 50);
  const values = Array.from(layer.weight.data());
  assert.ok(values.every((v) => Math.abs(v) <= 0.1));
  assert.ok(Math.max(...values) > 0.09 && Math.min(...values) < -0.09);
  const x = randn([3, 100]);
  assertClose(layer.call(x), F.add(F.matmul(x, F.transpose(layer.weight)), layer.bias!), {
    atol: 1e-5,
  });
});

Deno.test("loadStateDict copies values, and refuses missing names and wrong shapes", () => {
  const a = new TwoLayer(), b = new TwoLayer();
  b.loadStateDict(a.stateDict());
  for (const [name, p] of a.namedParameters()) assertClose(b.stateDict().get(name)!, p);
  const partial = new Map([...a.stateDict()].slice(1));
  assert.throws(() => b.loadStateDict(partial), /missing keys \["fc1.weight"\]/);
  const wrong = new Map(a.stateDict());
  wrong.set("fc1.bias", tensor([1, 2]));
  assert.throws(() => b.loadStateDict(wrong), /"fc1.bias" has shape \[2\].*expects \[3\]/);
});

Deno.test("train()/eval() reach every submodule; forward hooks see the output", () => {
  const model = new TwoLayer();
  model.eval();
  assert.ok(model.namedModules().every(([, m]) => !m.training));
  model.train();
  assert.ok(model.fc2.training);
  let seen: readonly number[] = [];
  const remove = model.act.registerForwardHook((_m, _inputs, output) => (seen = output.shape));
  model.call(randn([5, 4]));
  assert.deepEqual(seen, [5, 3]);
  remove();
  seen = [];
  model.call(randn([2, 4]));
  assert.deepEqual(seen, []);
});

Deno.test("a Sequential rebuilds from its config", () => {
  const seq = new nn.Sequential(
    new nn.Linear(3, 4),
    new nn.LeakyReLU(0.2),
    new nn.Flatten(),
    new nn.Linear(4, 2),
  );
  const copy = nn.moduleFromConfig(JSON.parse(JSON.stringify(seq.toConfig())));
  copy.loadStateDict(seq.stateDict());
  const x = randn([2, 3]);
  assertClose(copy.call(x), seq.call(x));
  assert.throws(() => nn.moduleFromConfig({ type: "Nope" }), /unknown module type "Nope"/);
});

Deno.test("a module is callable: model(x) is model.call(x), hooks included; it prints as a tree", () => {
  class Named extends nn.Module {
    // Fields a function object would already own: the module must still take them (TypeScript
    // sees Function's `name` and `length` on a callable type, hence `override`).
    override name = "encoder";
    override length = 3;
    fc = new nn.Linear(2, 2);
    forward(x: Tensor): Tensor {
      return this.fc(x);
    }
  }
  const model = new Named();
  assert.equal(model.name, "encoder");
  assert.equal(model.length, 3);
  assert.ok(model instanceof nn.Module && model instanceof Named);
  assert.deepEqual(model.namedParameters().map(([n]) => n), ["fc.weight", "fc.bias"]);
  let calls = 0;
  model.fc.registerForwardHook(() => calls++);
  const x = randn([3, 2]);
  assertClose(model(x), model.call(x));
  assert.equal(calls, 2);
  const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
  assert.equal(
    String(seq),
    "Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): ReLU()\n)",
  );
  assert.equal(Deno.inspect(seq), String(seq));
});
