/**
 * nn.fuse: the fused model gives the bits and gradients of the unfused one, keeps its parameter
 * names, tensors and config, fuses at any depth, and leaves alone what it must not fuse (layers
 * with hooks, own forwards, subclasses, Sequential subclasses with their own forward).
 */
import assert from "node:assert/strict";
import { F, manualSeed, nn, noGrad, randn, type Tensor, tensor } from "../runtime/mod.ts";
import { Conv2dReLU, FusedReLU, LinearReLU } from "../runtime/nn/fuse.ts";
import { ModelRegistry } from "../server/registry.ts";

/** The float32 bit patterns of a tensor's values, so that +0/−0 and NaN payloads count. */
function bits(t: Tensor): number[] {
  return [...new Uint32Array(Float32Array.from(t.data()).buffer)];
}

function assertSameBits(actual: Tensor, expected: Tensor, label: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${label}: shape`);
  const a = bits(actual), e = bits(expected);
  const first = e.findIndex((v, i) => v !== a[i]);
  assert.equal(first, -1, `${label}: element ${first} has bits ${a[first]}, expected ${e[first]}`);
}

/** The classes of a model's modules by path, to see what was fused. */
function types(model: nn.Module): string[] {
  return model.namedModules().map(([name, m]) => `${name}:${m.constructor.name}`);
}

function mlp(): nn.Sequential {
  manualSeed(11);
  return new nn.Sequential(
    new nn.Linear(12, 16),
    new nn.ReLU(),
    new nn.Linear(16, 8),
    new nn.ReLU(),
    new nn.Linear(8, 3),
  );
}

/** The modules of `mlp()` before fusion. */
const UNFUSED_MLP = [":Sequential", "0:Linear", "1:ReLU", "2:Linear", "3:ReLU", "4:Linear"];

/** A user module holding Sequentials (in a field and in an array) around a Conv2d + ReLU net. */
class Net extends nn.Module {
  features = new nn.Sequential(
    new nn.Sequential(new nn.Conv2d(2, 6, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2)),
    new nn.Conv2d(6, 4, 3, { padding: "same", groups: 2 }),
    new nn.ReLU(),
  );
  heads = [
    new nn.Sequential(new nn.Flatten(), new nn.Linear(4 * 4 * 4, 10), new nn.ReLU()),
    new nn.Linear(10, 5),
  ];
  forward(x: Tensor): Tensor {
    return this.heads[1].call(this.heads[0].call(this.features.call(x)));
  }
}

Deno.test("fuse: a Linear + ReLU net gives the same bits with the same names and tensors", () => {
  const model = mlp().eval();
  const fused = nn.fuse(model);
  assert.notEqual(fused, model);
  assert.deepEqual(types(fused), [
    ":Sequential",
    "0:LinearReLU",
    "1:FusedReLU",
    "2:LinearReLU",
    "3:FusedReLU",
    "4:Linear",
  ]);
  assert.ok(fused.layers[0] instanceof LinearReLU && fused.layers[1] instanceof FusedReLU);
  assert.equal(fused.layers[4], model.layers[4], "an unfused layer is shared, not copied");
  // The model itself is as it was.
  assert.deepEqual(types(model), UNFUSED_MLP);
  const own = model.stateDict(), copy = fused.stateDict();
  assert.deepEqual([...copy.keys()], [...own.keys()]);
  for (const [name, t] of own) assert.equal(copy.get(name), t, `${name} is the same tensor`);
  // Values with negative pre-activations, zeros and a NaN, in batches of one and several.
  for (const batch of [1, 7]) {
    const values = Float32Array.from(randn([batch, 12]).data());
    values[3] = NaN;
    values.fill(0, 12 * (batch - 1));
    const x = tensor(values, { shape: [batch, 12] });
    assertSameBits(noGrad(() => fused(x)), noGrad(() => model(x)), `batch ${batch}`);
  }
});

Deno.test("fuse: Sequentials at any depth inside a user module, Conv2d + ReLU and Linear + ReLU", () => {
  manualSeed(12);
  const model = new Net().eval();
  const fused = nn.fuse(model);
  assert.ok(fused instanceof Net);
  const fusedTypes = types(fused);
  for (
    const expected of [
      "features.0.0:Conv2dReLU",
      "features.0.1:FusedReLU",
      "features.0.2:MaxPool2d",
      "features.1:Conv2dReLU",
      "features.2:FusedReLU",
      "heads.0.1:LinearReLU",
      "heads.0.2:FusedReLU",
      "heads.1:Linear",
    ]
  ) assert.ok(fusedTypes.includes(expected), `${expected} in ${fusedTypes.join(", ")}`);
  assert.ok(fused.features.layers[1] instanceof Conv2dReLU);
  assert.equal(fused.heads[1], model.heads[1]);
  assert.deepEqual([...fused.stateDict().keys()], [...model.stateDict().keys()]);
  const x = randn([3, 2, 8, 8]);
  assertSameBits(noGrad(() => fused(x)), noGrad(() => model(x)), "nested");
  // Unbatched input through the fused convs.
  const one = randn([2, 8, 8]);
  assertSameBits(
    noGrad(() => fused.features(one)),
    noGrad(() => model.features(one)),
    "unbatched",
  );
});

Deno.test("fuse: the config is the unfused model's and rebuilds a model with the same outputs", () => {
  const model = mlp().eval();
  const fused = nn.fuse(model);
  assert.deepEqual(fused.toConfig(), model.toConfig());
  manualSeed(99);
  const rebuilt = nn.moduleFromConfig(fused.toConfig());
  rebuilt.loadStateDict(fused.stateDict());
  const x = randn([4, 12]);
  assertSameBits(noGrad(() => rebuilt(x)), noGrad(() => model(x)), "rebuilt from the config");
  // Conv2dReLU serializes as the Conv2d it came from, options included.
  const net = new Net();
  assert.deepEqual(nn.fuse(net).features.toConfig(), net.features.toConfig());
  assert.match(String(nn.fuse(net).features), /Conv2dReLU\(inChannels=6, outChannels=4/);
});

Deno.test("fuse: layers with forward hooks are not fused, and their hooks still run", () => {
  const model = mlp().eval();
  const seen: number[][] = [];
  model.layers[0].registerForwardHook((_m, _inputs, output) => seen.push([...output.shape]));
  const relu = model.layers[3];
  let reluCalls = 0;
  relu.registerForwardHook(() => reluCalls++);
  const fused = nn.fuse(model);
  assert.deepEqual(types(fused), UNFUSED_MLP);
  // Nothing fused: the model comes back as it is.
  assert.equal(fused, model);
  const x = randn([2, 12]);
  noGrad(() => fused(x));
  assert.deepEqual(seen, [[2, 16]]);
  assert.equal(reluCalls, 1);
});

Deno.test("fuse: own forwards, subclasses and Sequential subclasses with their own forward", () => {
  manualSeed(13);
  class Scaled extends nn.Linear {
    override forward(x: Tensor): Tensor {
      return F.mul(super.forward(x), 3);
    }
  }
  class PlainReLU extends nn.ReLU {}
  const patched = new nn.Linear(4, 4);
  patched.forward = (x: Tensor) => F.neg(F.linear(x, patched.weight, patched.bias));
  /** Uses the pre-activation of its first layer: fusing it away would change the result. */
  class Skip extends nn.Sequential {
    override forward(x: Tensor): Tensor {
      const h = this.layers[0].call(x);
      return F.add(this.layers[1].call(h), h);
    }
  }
  const cases: [string, nn.Module][] = [
    ["subclass of Linear", new nn.Sequential(new Scaled(4, 4), new nn.ReLU())],
    ["subclass of ReLU", new nn.Sequential(new nn.Linear(4, 4), new PlainReLU())],
    ["instance forward", new nn.Sequential(patched, new nn.ReLU())],
    ["Sequential subclass", new Skip(new nn.Linear(4, 4), new nn.ReLU())],
  ];
  const x = randn([3, 4]);
  for (const [label, model] of cases) {
    const fused = nn.fuse(model);
    assert.equal(fused, model, `${label}: nothing to fuse`);
    assert.ok(!types(fused).some((t) => /ReLU$/.test(t) && /Linear/.test(t)), label);
  }
  // A Sequential subclass still has its children's Sequentials fused.
  const outer = new Skip(new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU()), new nn.ReLU());
  const fusedOuter = nn.fuse(outer);
  assert.ok(fusedOuter instanceof Skip);
  assert.deepEqual(types(fusedOuter), [
    ":Skip",
    "0:Sequential",
    "0.0:LinearReLU",
    "0.1:FusedReLU",
    "1:ReLU",
  ]);
  assertSameBits(noGrad(() => fusedOuter(x)), noGrad(() => outer(x)), "Skip around a fused pair");
});

Deno.test("fuse: gradients through the fused model equal the unfused ones, bit for bit", () => {
  manualSeed(14);
  const model = new Net();
  const fused = nn.fuse(model);
  const x = randn([2, 2, 8, 8], { requiresGrad: true });
  const labels = tensor([1, 4], { dtype: "int32" });
  const gradients = (m: nn.Module): number[][] => {
    m.zeroGrad();
    x.grad = null;
    F.crossEntropy(m(x), labels).backward();
    return [x, ...m.parameters()].map((t) => bits(t.grad!));
  };
  const expected = gradients(model);
  const actual = gradients(fused);
  assert.equal(actual.length, expected.length);
  actual.forEach((g, i) => assert.deepEqual(g, expected[i], `gradient ${i}`));
  assert.ok(expected.every((g) => g.some((b) => b !== 0)), "every gradient has a nonzero");
});

Deno.test("fuse: summary of the fused model has the unfused FLOPs and parameters", () => {
  const model = mlp();
  const plain = nn.summary(model, [12]), fused = nn.summary(nn.fuse(model), [12]);
  assert.deepEqual(fused.totals, plain.totals);
  assert.deepEqual(
    fused.rows.map((r) => [r.type, r.flops]),
    [
      ["LinearReLU", 2 * 12 * 16 + 16],
      ["FusedReLU", 0],
      ["LinearReLU", 2 * 16 * 8 + 8],
      ["FusedReLU", 0],
      ["Linear", 2 * 8 * 3],
    ],
  );
});

Deno.test("fuse: a layer used twice stays one module, and fusing again changes nothing", () => {
  manualSeed(15);
  const shared = new nn.Linear(5, 5);
  const model = new nn.Sequential(shared, new nn.ReLU(), shared, new nn.ReLU());
  const fused = nn.fuse(model);
  assert.ok(fused.layers[0] instanceof LinearReLU);
  assert.equal(fused.layers[0], fused.layers[2]);
  assert.deepEqual([...fused.stateDict().keys()], [...model.stateDict().keys()]);
  const x = randn([2, 5]);
  assertSameBits(noGrad(() => fused(x)), noGrad(() => model(x)), "shared layer");
  assert.equal(nn.fuse(fused), fused);
  assert.throws(() => nn.fuse({} as nn.Module), /fuse: the argument must be an nn\.Module/);
});

Deno.test("fuse: the server's registry serves the fused model and frees shared weights once", () => {
  const model = mlp();
  const config = {
    format: "edgegrad" as const,
    version: 1 as const,
    architecture: model.toConfig(),
    inputShape: [12],
  };
  const x = randn([3, 12]);
  const expected = noGrad(() => model.eval()(x));
  const registry = new ModelRegistry();
  registry.add("a", { model, config });
  registry.add("b", { model, config });
  const served = registry.get("a")!.model as nn.Sequential;
  assert.ok(served.layers[0] instanceof LinearReLU, "served models are fused");
  assert.equal(model.training, false, "the model given is put in eval mode");
  assertSameBits(noGrad(() => served(x)), expected, "served");
  // "b" shares the weights with "a": removing "a" must leave them alive.
  assert.equal(registry.remove("a"), true);
  assertSameBits(noGrad(() => registry.get("b")!.model(x)), expected, "after removing a");
  assert.equal(registry.remove("b"), true);
  assert.ok(model.parameters().every((p) => p.isDisposed), "the last remove frees them");
});

Deno.test("fuse: a hook on a container does not stop fusion and runs on its fused copy", () => {
  const model = mlp().eval();
  const outputs: Tensor[] = [];
  const remove = model.registerForwardHook((_m, _inputs, output) => outputs.push(output));
  const fused = nn.fuse(model);
  assert.ok(fused.layers[0] instanceof LinearReLU);
  const x = randn([2, 12]);
  const y = noGrad(() => fused(x));
  assert.equal(outputs.length, 1);
  assertSameBits(outputs[0], y, "the hook saw the fused model's output");
  // The copy has its own list: removing the hook from the model leaves the copy's.
  remove();
  noGrad(() => fused(x));
  assert.equal(outputs.length, 2);
  noGrad(() => model(x));
  assert.equal(outputs.length, 2);
});
