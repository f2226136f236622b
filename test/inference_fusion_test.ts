/**
 * Inference fusion: after `nn.fuse`, a Conv2d or Linear followed by a ReLU in a Sequential runs as
 * one GEMM with the ReLU in its epilogue when no gradient is recorded. The result must have the
 * bits of the unfused layers; hooks, subclasses and training must see exactly the unfused
 * computation (test/fuse_test.ts checks the pass itself: names, configs, nesting). Also
 * checks that a conv over a batch of several chunks (its weight packed once for all of them) has
 * the bits of the same conv one image at a time.
 */
import assert from "node:assert/strict";
import { F, manualSeed, nn, noGrad, randn, type Tensor, tensor } from "../runtime/mod.ts";
import { conv2dRelu } from "../runtime/ops/conv.ts";
import { linearRelu } from "../runtime/ops/matmul.ts";

/** Bitwise equality of two tensors' values (NaN matches NaN; +0 and −0 differ). */
function assertSameBits(actual: Tensor, expected: Tensor, label: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${label}: shape`);
  const a = actual.data(), e = expected.data();
  for (let i = 0; i < e.length; i++) {
    const same = Object.is(a[i], e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i]));
    assert.ok(same, `${label}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

/** W3's network, small enough for a test: conv, ReLU, pool, conv, ReLU, pool, linear, ReLU, linear. */
function cnn(): nn.Sequential {
  manualSeed(3);
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 5, { padding: "same" }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: "same" }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 5 * 5, 32),
    new nn.ReLU(),
    new nn.Linear(32, 10),
  );
}

/** The layers one by one through `call`, unfused. */
function unfused(model: nn.Sequential, x: Tensor): Tensor {
  return model.layers.reduce((h, layer) => layer.call(h), x);
}

/** Counts the calls of `forwardRelu` on the model's Conv2d and Linear layers. */
function countFusions(model: nn.Sequential): { count: number; restore: () => void } {
  const counter = { count: 0, restore: () => {} };
  const patched: (nn.Conv2d | nn.Linear)[] = [];
  for (const layer of model.layers) {
    if (layer instanceof nn.Conv2d || layer instanceof nn.Linear) {
      const original = layer.forwardRelu;
      layer.forwardRelu = (x: Tensor) => {
        counter.count++;
        return original.call(layer, x);
      };
      patched.push(layer);
    }
  }
  counter.restore = () => patched.forEach((layer) => Reflect.deleteProperty(layer, "forwardRelu"));
  return counter;
}

Deno.test("nn.fuse fuses a Sequential CNN's ReLUs at inference and gives the unfused bits", () => {
  const model = cnn();
  model.eval();
  const fusedModel = nn.fuse(model);
  for (const batch of [1, 3]) {
    const x = randn([batch, 1, 20, 20]);
    const fusions = countFusions(fusedModel);
    const fused = noGrad(() => fusedModel.call(x));
    fusions.restore();
    assert.equal(fusions.count, 3, "two Conv2d + ReLU and one Linear + ReLU pairs");
    assertSameBits(fused, noGrad(() => unfused(model, x)), `batch ${batch}`);
    // The Sequential itself no longer fuses: only the pass does.
    const own = countFusions(model);
    assertSameBits(noGrad(() => model.call(x)), fused, `unfused model, batch ${batch}`);
    own.restore();
    assert.equal(own.count, 0, "a plain Sequential runs its layers one by one");
  }
});

Deno.test("conv2dRelu and linearRelu equal relu of the op, NaN and signs of zero included", () => {
  manualSeed(4);
  const values = Float32Array.from(randn([2, 4, 9, 7]).data());
  values[5] = NaN;
  values.fill(0, 20, 60); // whole windows of zeros: outputs equal to the bias, or exactly 0
  const input = tensor(values, { shape: [2, 4, 9, 7] });
  const weight = randn([6, 2, 3, 3]);
  const bias = tensor([0, -0, 0.5, -0.5, 0, 1]);
  const options = { stride: [2, 1] as [number, number], padding: 1, groups: 2 };
  noGrad(() => {
    assertSameBits(
      conv2dRelu(input, weight, bias, options),
      F.relu(F.conv2d(input, weight, bias, options)),
      "conv2dRelu, groups 2",
    );
    // Unbatched input, no bias, fewer output channels than a GEMM tile (the small-matrix path).
    const single = input.view([8, 9, 7]);
    const narrow = randn([3, 8, 5, 5]);
    assertSameBits(
      conv2dRelu(single, narrow, null, { padding: "same" }),
      F.relu(F.conv2d(single, narrow, null, { padding: "same" })),
      "conv2dRelu, unbatched, 3 channels",
    );
    const rows = tensor(Float32Array.from(values.subarray(0, 5 * 40)), { shape: [5, 40] });
    const w = randn([13, 40]), b = randn([13]);
    for (const n of [1, 5]) {
      const part = rows.slice(0, 0, n);
      assertSameBits(linearRelu(part, w, b), F.relu(F.linear(part, w, b)), `linearRelu ${n} rows`);
    }
    assertSameBits(linearRelu(rows, w, null), F.relu(F.linear(rows, w, null)), "no bias");
  });
});

Deno.test("hooks on a Conv2d or its ReLU see the unfused tensors, and nothing is fused for them", () => {
  const model = cnn();
  model.eval();
  const x = randn([2, 1, 20, 20]);
  const expected = noGrad(() => unfused(model, x));
  const seen: { layer: string; input: number[]; minimum: number }[] = [];
  const [conv, relu] = model.layers;
  for (const [name, layer] of [["conv", conv], ["relu", relu]] as const) {
    const remove = layer.registerForwardHook((_m, inputs, output) => {
      seen.push({ layer: name, input: [...inputs[0].shape], minimum: Math.min(...output.data()) });
    });
    const fusedModel = nn.fuse(model);
    const fusions = countFusions(fusedModel);
    const out = noGrad(() => fusedModel.call(x));
    fusions.restore();
    remove();
    assertSameBits(out, expected, `with a hook on the ${name}`);
    assert.equal(fusions.count, 2, `the hooked pair runs unfused, the other two fuse`);
  }
  // The conv's own output has negative values; the ReLU's hook gets that output as its input.
  assert.deepEqual(seen[0].input, [2, 1, 20, 20]);
  assert.ok(seen[0].minimum < 0);
  assert.deepEqual(seen[1].input, [2, 8, 20, 20]);
  assert.equal(seen[1].minimum, 0);
});

Deno.test("nn.summary lists every ReLU and gradCam runs on a fusable model", () => {
  const model = cnn();
  const rows = nn.summary(model, [1, 20, 20]).rows;
  assert.equal(rows.filter((r) => r.type === "ReLU").length, 3);
  const cam = nn.gradCam(model, model.layers[4], randn([2, 1, 20, 20]));
  assert.deepEqual([...cam.heatmap.shape], [2, 20, 20]);
});

Deno.test("a subclass of Conv2d or an instance's own forward is never fused", () => {
  manualSeed(5);
  class Doubled extends nn.Conv2d {
    override forward(x: Tensor): Tensor {
      return F.mul(super.forward(x), 2);
    }
  }
  const doubled = new Doubled(1, 4, 3);
  const x = randn([1, 1, 6, 6]);
  const model = nn.fuse(new nn.Sequential(doubled, new nn.ReLU()));
  const expected = F.relu(F.mul(F.conv2d(x, doubled.weight, doubled.bias), 2));
  assertSameBits(noGrad(() => model.call(x)), noGrad(() => expected), "subclass");
  const plain = new nn.Conv2d(1, 4, 3);
  plain.forward = (input: Tensor) => F.neg(F.conv2d(input, plain.weight, plain.bias));
  const patched = nn.fuse(new nn.Sequential(plain, new nn.ReLU()));
  assertSameBits(
    noGrad(() => patched.call(x)),
    noGrad(() => F.relu(F.neg(F.conv2d(x, plain.weight, plain.bias)))),
    "instance forward",
  );
});

Deno.test("training through a fused Sequential records relu(conv) with unchanged gradients", () => {
  const model = cnn();
  const x = randn([2, 1, 20, 20], { requiresGrad: true });
  const labels = tensor([3, 7], { dtype: "int32" });
  const lossOf = (out: Tensor) => F.crossEntropy(out, labels);
  const fused = nn.fuse(model).call(x);
  assert.equal(fused.node?.op, "linear");
  lossOf(fused).backward();
  const grads = [x, ...model.parameters()].map((t) => Float32Array.from(t.grad!.data()));
  model.zeroGrad();
  x.grad = null;
  lossOf(unfused(model, x)).backward();
  [x, ...model.parameters()].forEach((t, i) => {
    assertSameBits(t.grad!, tensor(grads[i], { shape: t.shape }), `gradient ${i}`);
  });
  // The ReLU after the first conv is still a node of the graph.
  const firstRelu = F.relu(F.conv2d(x, model.layers[0].parameters()[0], null));
  assert.equal(firstRelu.node?.op, "relu");
  const recorded = conv2dRelu(x, model.layers[0].parameters()[0], null);
  assert.equal(recorded.node?.op, "relu");
  assert.equal(recorded.node?.inputs[0].node?.op, "conv2d");
});

Deno.test("a conv over several chunks (its weight packed once) has the bits of one image at a time", () => {
  manualSeed(6);
  // 20×20 = 400 pixels: one image per GEMM, so a batch of 3 is three GEMMs per group.
  const x = randn([3, 4, 20, 20], { requiresGrad: true });
  const weight = randn([6, 2, 3, 3], { requiresGrad: true });
  const bias = randn([6]);
  const options = { padding: 1, groups: 2 };
  const whole = F.conv2d(x, weight, bias, options);
  const upstream = randn(whole.shape);
  F.sum(F.mul(whole, upstream)).backward();
  for (let i = 0; i < 3; i++) {
    const image = noGrad(() => x.slice(0, i, i + 1));
    const one = noGrad(() => F.conv2d(image, weight, bias, options));
    assertSameBits(noGrad(() => whole.slice(0, i, i + 1)), one, `conv image ${i}`);
    const imageGrad = noGrad(() => {
      const g = upstream.slice(0, i, i + 1);
      // The input gradient is the adjoint conv, which packs Wᵀ once for the batch.
      return F.convTranspose2d(g, weight, null, options);
    });
    assertSameBits(noGrad(() => x.grad!.slice(0, i, i + 1)), imageGrad, `input grad ${i}`);
  }
  assert.ok(Math.max(...weight.grad!.data().map(Math.abs)) > 0);
});
