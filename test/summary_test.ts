/** nn.summary: parameter counts, FLOPs and output shapes against hand-computed values. */
import assert from "node:assert/strict";
import { nn, type Tensor, zeros } from "../runtime/mod.ts";
// The W3 CNN of DESIGN.md, as the mnist-cnn example builds it.
import { cnn } from "../scripts/examples/mnist_cnn.ts";

Deno.test("summary of the W3 CNN: params, FLOPs and shapes as counted by hand", () => {
  const result = nn.summary(cnn(), [1, 28, 28]);
  const expected: [string, string, number[], number, number][] = [
    // conv 1→32 5×5: 32·1·25 weights + 32 biases; 32·28·28 outputs × 25 multiply-adds × 2.
    ["0", "Conv2d", [32, 28, 28], 832, 2 * 32 * 28 * 28 * 25], // 1,254,400
    ["1", "ReLU", [32, 28, 28], 0, 32 * 28 * 28], // 25,088: one per output element
    ["2", "MaxPool2d", [32, 14, 14], 0, 32 * 14 * 14 * 4], // 25,088: 2×2 window per output
    // conv 32→64 5×5: 64·32·25 + 64 = 51,264; 64·14·14 outputs × 32·25 multiply-adds × 2.
    ["3", "Conv2d", [64, 14, 14], 51_264, 2 * 64 * 14 * 14 * 32 * 25], // 20,070,400
    ["4", "ReLU", [64, 14, 14], 0, 64 * 14 * 14], // 12,544
    ["5", "MaxPool2d", [64, 7, 7], 0, 64 * 7 * 7 * 4], // 12,544
    ["6", "Flatten", [3136], 0, 0],
    ["7", "Linear", [128], 3136 * 128 + 128, 2 * 3136 * 128], // 401,536 params, 802,816 FLOPs
    ["8", "ReLU", [128], 0, 128],
    ["9", "Linear", [10], 128 * 10 + 10, 2 * 128 * 10], // 1,290 params, 2,560 FLOPs
  ];
  assert.deepEqual(
    result.rows.map((r) => [r.name, r.type, r.outputShape, r.params, r.flops]),
    expected,
  );
  // 832 + 51,264 + 401,536 + 1,290 = 454,922 parameters, 4 bytes each.
  assert.equal(result.totals.params, 454_922);
  assert.equal(result.totals.trainable, 454_922);
  assert.equal(result.totals.paramBytes, 1_819_688);
  // 1,254,400 + 25,088 + 25,088 + 20,070,400 + 12,544 + 12,544 + 802,816 + 128 + 2,560.
  assert.equal(result.totals.flops, 22_205_568);
  assert.deepEqual(result.totals.uncountedTypes, []);
  const text = result.toString();
  assert.match(text, /^3 \(Conv2d\)\s+\[N, 64, 14, 14\]\s+51,264\s+20,070,400$/m);
  assert.match(text, /Total params: 454,922/);
  assert.match(text, /FLOPs per sample .*: 22,205,568 \(22\.21 MFLOPs\)/);
  assert.match(text, /Parameter memory: 1,819,688 bytes \(1\.74 MiB\)/);
});

Deno.test("summary of a small MLP, with a frozen layer", () => {
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
  for (const p of model.layers[2].parameters()) p.setRequiresGrad(false);
  const result = nn.summary(model, [4]);
  // Linear(4→8): 32 + 8 = 40 params, 2·4·8 = 64 FLOPs; Tanh: 8; Linear(8→3): 24 + 3 = 27, 48.
  assert.deepEqual(result.rows.map((r) => [r.outputShape, r.params, r.trainable, r.flops]), [
    [[8], 40, 40, 64],
    [[8], 0, 0, 8],
    [[3], 27, 0, 48],
  ]);
  assert.deepEqual(
    [result.totals.params, result.totals.trainable, result.totals.nonTrainable],
    [67, 40, 27],
  );
  assert.equal(result.totals.flops, 120);
});

/** A custom module with a Sequential inside, an own parameter and a batch norm. */
class Net extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 4, 3, { padding: 1, bias: false }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.AvgPool2d(2),
  );
  scale = nn.parameter(zeros([1]));
  head = new nn.Linear(4 * 4 * 4, 2);
  flatten = new nn.Flatten();
  forward(x: Tensor): Tensor {
    return this.head.call(this.flatten.call(this.features.call(x))).mul(this.scale);
  }
}

Deno.test("summary of nested modules names leaves by path and keeps the model's state", () => {
  const model = new Net();
  const bn = model.features.layers[1] as nn.BatchNorm2d;
  const statistics = () => [...bn.runningMean!.data(), ...bn.runningVar!.data()];
  const before = statistics();
  const result = nn.summary(model, [3, 8, 8]);
  assert.deepEqual(result.rows.map((r) => [r.name, r.type, r.outputShape, r.params, r.flops]), [
    ["features.0", "Conv2d", [4, 8, 8], 4 * 3 * 9, 2 * 4 * 8 * 8 * 3 * 9], // 108, 13,824
    ["features.1", "BatchNorm2d", [4, 8, 8], 8, 2 * 4 * 8 * 8], // γ and β; 2 per element
    ["features.2", "ReLU", [4, 8, 8], 0, 256],
    ["features.3", "AvgPool2d", [4, 4, 4], 0, 4 * 4 * 4 * 4],
    ["flatten", "Flatten", [64], 0, 0],
    ["head", "Linear", [2], 64 * 2 + 2, 2 * 64 * 2],
    // The model's own `scale`: its multiply is not a layer, so it is not counted.
    ["", "Net", [2], 1, null],
  ]);
  assert.equal(result.totals.params, 108 + 8 + 130 + 1);
  assert.equal(result.totals.buffers, 8); // running mean and variance
  assert.deepEqual(result.totals.uncountedTypes, ["Net"]);
  assert.match(result.toString(), /\(model\) \(Net\)\s+\[N, 2\]\s+1\s+\?/);
  // Evaluation mode during the pass: the running statistics did not move, and modes are back.
  assert.deepEqual(statistics(), before);
  assert.ok(model.namedModules().every(([, m]) => m.training));
  assert.ok(model.namedModules().every(([, m]) => !Object.hasOwn(m, "forward")));
});

Deno.test("summary names the layer that failed on a wrong input shape", () => {
  const model = cnn();
  assert.throws(
    () => nn.summary(model, [3, 28, 28]),
    /failed in layer 0 \(Conv2d\), whose input had shape \[1, 3, 28, 28\]: conv2d: input has 3 channels/,
  );
  // 28×27 survives the convolutions and pools (7×6) but not the first Linear: 64·7·6 = 2688.
  assert.throws(
    () => nn.summary(model, [1, 28, 27]),
    /failed in layer 7 \(Linear\), whose input had shape \[1, 2688\]/,
  );
  const nested = new Net();
  // 10×8 pools to 5×4: 4·5·4 = 80 features where head wants 64.
  assert.throws(
    () => nn.summary(nested, [3, 10, 8]),
    /failed in layer head \(Linear\), whose input had shape \[1, 80\]/,
  );
  assert.throws(() => nn.summary(model, [1, 28.5, 28]), /positive integers.*got \[1,28\.5,28\]/);
  assert.ok(model.namedModules().every(([, m]) => !Object.hasOwn(m, "forward")));
  // The model still works after the failures (no wrapper left behind).
  assert.equal(nn.summary(model, [1, 28, 28]).rows.length, 10);
});

Deno.test("summary counts ConvTranspose2d per input element and lists layers that never ran", () => {
  class Unused extends nn.Module {
    up = new nn.ConvTranspose2d(2, 3, 4, { stride: 2, padding: 1 });
    spare = new nn.Linear(5, 5);
    forward(x: Tensor): Tensor {
      return this.up.call(x);
    }
  }
  const result = nn.summary(new Unused(), [2, 5, 5]);
  // Each of the 2·5·5 input elements scatters into 3·4·4 outputs: 2·50·48 = 4,800 FLOPs.
  // Output (5 − 1)·2 − 2 + 4 = 10.
  assert.deepEqual(result.rows.map((r) => [r.name, r.outputShape, r.params, r.flops]), [
    ["up", [3, 10, 10], 2 * 3 * 16 + 3, 4_800],
    ["spare", null, 30, 0],
  ]);
  assert.match(result.toString(), /spare \(Linear\)\s+\(not run\)\s+30\s+0/);
});

Deno.test("summary reports a shared layer once per call and counts its parameters once", () => {
  const shared = new nn.Linear(3, 3);
  class Twice extends nn.Module {
    first = shared;
    second = shared;
    forward(x: Tensor): Tensor {
      return this.second.call(this.first.call(x));
    }
  }
  const model = new Twice();
  const result = nn.summary(model, [3]);
  // One row per call, both under the first name; 12 parameters in total, 2·3·3 FLOPs per call.
  assert.deepEqual(result.rows.map((r) => [r.name, r.params, r.flops]), [
    ["first", 12, 18],
    ["first", 12, 18],
  ]);
  assert.equal(result.totals.params, 12);
  assert.equal(result.totals.flops, 36);
  assert.ok(!Object.hasOwn(shared, "forward"));
});

Deno.test("summary shows a user module's own flops() and counts it in the total", () => {
  /** x·s + x² elementwise: 3 FLOPs per element, as its author counts them. */
  class ScaleSquare extends nn.Module {
    scale = nn.parameter(zeros([1]));
    forward(x: Tensor): Tensor {
      return x.mul(this.scale).add(x.mul(x));
    }
    override flops(_inputs: readonly Tensor[], output: Tensor): number {
      return 3 * output.size;
    }
  }
  const model = new nn.Sequential(new nn.Linear(4, 6), new ScaleSquare());
  const result = nn.summary(model, [4]);
  assert.deepEqual(result.rows.map((r) => [r.type, r.flops]), [
    ["Linear", 2 * 4 * 6],
    ["ScaleSquare", 3 * 6],
  ]);
  assert.equal(result.totals.flops, 48 + 18);
  assert.deepEqual(result.totals.uncountedTypes, []);
  assert.match(result.toString(), /^1 \(ScaleSquare\)\s+\[N, 6\]\s+1\s+18$/m);
});

Deno.test("summary counts recurrent layers and attention by their products with the weights", () => {
  // A batch-first LSTM over 5 steps of 3 features, hidden 4, 2 layers: per step,
  // 2·(16·3 + 16·4) for layer 0 and 2·(16·4 + 16·4) for layer 1.
  const lstm = new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true });
  const perStep = 2 * (16 * 3 + 16 * 4) + 2 * (16 * 4 + 16 * 4);
  assert.deepEqual(nn.summary(lstm, [5, 3]).rows.map((r) => r.flops), [5 * perStep]);
  // A bidirectional GRU doubles the work of its one layer.
  const gru = new nn.GRU(3, 4, { bidirectional: true, batchFirst: true });
  assert.equal(nn.summary(gru, [5, 3]).totals.flops, 5 * 2 * 2 * (12 * 3 + 12 * 4));
  // A cell: one step of a batch of one.
  assert.equal(nn.summary(new nn.GRUCell(3, 4), [3]).totals.flops, 2 * (12 * 3 + 12 * 4));
  // Self-attention over L = 6 positions of E = 8: q, k, v projections 3·6·2·64, scores and
  // weighted values 2·(2·6·6·8), output projection 6·2·64.
  class SelfAttention extends nn.Module {
    attention = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    forward(x: Tensor): Tensor {
      return this.attention.call(x, x, x);
    }
  }
  const rows = nn.summary(new SelfAttention(), [6, 8]).rows;
  assert.deepEqual(rows.map((r) => [r.name, r.flops]), [
    ["attention", 3 * 6 * 2 * 64 + 2 * (2 * 6 * 6 * 8) + 6 * 2 * 64],
    ["attention.out_proj", 0], // runs inside the attention's call, counted there
  ]);
});
