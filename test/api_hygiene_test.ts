/**
 * A user's intent is never dropped without a word (issue 15): unknown options are refused,
 * shapes are taken as PyTorch takes them, and the PyTorch pieces real models use are here.
 */
import assert from "node:assert/strict";
import {
  DataLoader,
  F,
  fit,
  gradcheck,
  metrics,
  nn,
  optim,
  randn,
  save,
  tensor,
  TensorDataset,
  train,
  zeros,
} from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

/** `f` throws naming `where` and the unknown key, and listing the known keys. */
function refuses(f: () => unknown, where: string, key: string, known: RegExp): void {
  assert.throws(f, (error: Error) => {
    assert.match(error.message, new RegExp(`^${where}: unknown option "${key}"`));
    assert.match(error.message, known);
    return true;
  });
}

Deno.test("unknown options are refused by F, the creation functions and the tensor methods", () => {
  const x = randn([1, 2, 5, 5]);
  const w = randn([3, 2, 3, 3]);
  refuses(
    () => F.conv2d(x, w, null, { strides: 2 } as never),
    "conv2d",
    "strides",
    /known options: stride, padding, dilation, groups\); did you mean "stride"\?/,
  );
  refuses(
    () => F.convTranspose2d(x, randn([2, 3, 3, 3]), null, { output_padding: 1 } as never),
    "convTranspose2d",
    "output_padding",
    /outputPadding/,
  );
  refuses(
    () => F.gelu(x, { approximation: "tanh" } as never),
    "gelu",
    "approximation",
    /approximate/,
  );
  refuses(
    () => F.maxPool2d(x, 2, { ceil_mode: true } as never),
    "maxPool2d",
    "ceil_mode",
    /ceilMode/,
  );
  refuses(
    () => F.avgPool2d(x, 2, { dilation: 2 } as never),
    "avgPool2d",
    "dilation",
    /divisorOverride/,
  );
  refuses(() => F.dropout(x, { rate: 0.1 } as never), "dropout", "rate", /p, training/);
  refuses(
    () =>
      F.crossEntropy(
        randn([2, 3]),
        tensor([0, 1], { dtype: "int32" }),
        { labelSmoothing: 0.1 } as never,
      ),
    "crossEntropy",
    "labelSmoothing",
    /reduction/,
  );
  refuses(
    () => F.mseLoss(x, x, { reducion: "sum" } as never),
    "mseLoss",
    "reducion",
    /did you mean "reduction"/,
  );
  refuses(() => F.huberLoss(x, x, { beta: 1 } as never), "huberLoss", "beta", /reduction, delta/);
  refuses(() => F.clamp(x, { minimum: 0 } as never), "clamp", "minimum", /min, max/);
  refuses(
    () => F.var(x, 1, { unbiased: false } as never),
    "var",
    "unbiased",
    /correction, keepdim/,
  );
  refuses(
    () => F.batchNorm(x, null, null, null, null, { train: true } as never),
    "batchNorm",
    "train",
    /training/,
  );
  refuses(
    () => F.layerNorm(x, 5, null, null, { epsilon: 1e-6 } as never),
    "layerNorm",
    "epsilon",
    /eps/,
  );
  refuses(() => zeros([2], { dtpye: "int32" } as never), "zeros", "dtpye", /did you mean "dtype"/);
  refuses(() => randn([2], { stdev: 2 } as never), "randn", "stdev", /mean, std/);
  refuses(
    () => tensor([1, 2], { requires_grad: true } as never),
    "tensor",
    "requires_grad",
    /requiresGrad/,
  );
  refuses(() => x.softplus({ Beta: 2 } as never), "softplus", "Beta", /did you mean "beta"/);
});

Deno.test("unknown options are refused by nn, optim, fit, io and DataLoader", async () => {
  refuses(() => new nn.Conv2d(1, 2, 3, { strides: 2 } as never), "Conv2d", "strides", /bias/);
  refuses(
    () => new nn.Linear(2, 3, { bais: false } as never),
    "Linear",
    "bais",
    /did you mean "bias"/,
  );
  refuses(
    () => new nn.BatchNorm2d(4, { affline: false } as never),
    "BatchNorm2d",
    "affline",
    /affine/,
  );
  refuses(
    () => new nn.LayerNorm(4, { elementwise_affine: false } as never),
    "LayerNorm",
    "elementwise_affine",
    /elementwiseAffine/,
  );
  refuses(() => new nn.MaxPool2d(2, { step: 2 } as never), "MaxPool2d", "step", /stride/);
  refuses(() => new nn.GELU({ approx: "tanh" } as never), "GELU", "approx", /approximate/);
  const model = new nn.Linear(2, 1);
  refuses(
    () => new optim.SGD(model.parameters(), { lr: 0.1, momentun: 0.9 } as never),
    "SGD",
    "momentun",
    /did you mean "momentum"/,
  );
  refuses(
    () => new optim.Adam(model.parameters(), { beta1: 0.5 } as never),
    "Adam",
    "beta1",
    /betas/,
  );
  refuses(
    () => new optim.AdamW(model.parameters(), { weight_decay: 0.1 } as never),
    "AdamW",
    "weight_decay",
    /weightDecay/,
  );
  refuses(
    () => new optim.RMSprop(model.parameters(), { rho: 0.9 } as never),
    "RMSprop",
    "rho",
    /alpha/,
  );
  refuses(
    () => new optim.Adagrad(model.parameters(), { decay: 0.1 } as never),
    "Adagrad",
    "decay",
    /lrDecay/,
  );
  refuses(
    () => optim.clipGradNorm(model.parameters(), 1, { norm: 2 } as never),
    "clipGradNorm",
    "norm",
    /normType/,
  );
  const sgd = new optim.SGD(model.parameters(), { lr: 0.1 });
  refuses(
    () => new optim.StepLR(sgd, { stepSize: 2, gama: 0.5 } as never),
    "StepLR",
    "gama",
    /did you mean "gamma"/,
  );
  const data = new TensorDataset(randn([4, 2]), randn([4, 1]));
  refuses(
    () => new DataLoader(data, { batch_size: 2 } as never),
    "DataLoader",
    "batch_size",
    /batchSize/,
  );
  refuses(
    () => train.earlyStopping({ patiance: 2 } as never),
    "earlyStopping",
    "patiance",
    /patience/,
  );
  const labels = tensor([0, 1, 1], { dtype: "int32" });
  refuses(
    () => metrics.f1Score(randn([3, 2]), labels, { averge: "macro" } as never),
    "f1",
    "averge",
    /did you mean "average"/,
  );
  refuses(
    () => new metrics.Accuracy({ treshold: 0.3 } as never),
    "Accuracy",
    "treshold",
    /threshold/,
  );
  await assert.rejects(
    fit(model, {
      data: new DataLoader(data, { batchSize: 2 }),
      loss: F.mseLoss,
      optimizer: sgd,
      epochs: 1,
      progress: false,
      validationData: data,
    } as never),
    /fit: unknown option "validationData" \(known options: data, loss, optimizer, epochs, metrics, validation,/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      save(model, dir, { inputShape: [2], label: ["a"] } as never),
      /save: unknown option "label" .*did you mean "labels"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(
    () => sgd.step.call(new optim.SGD(model.parameters(), undefined as never)),
    /SGD: the options need a learning rate/,
  );
});

Deno.test("save without options says what to pass instead of failing on undefined", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      (save as (...args: unknown[]) => Promise<unknown>)(new nn.Linear(2, 1), dir),
      /save: pass the shape of one input sample .* e\.g\. save\(model, dir, \{ inputShape: \[1, 28, 28\] \}\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shapes as PyTorch takes them: sizes one by one or one array", () => {
  const x = randn([2, 3, 4]);
  for (
    const [a, b] of [
      [x.reshape(4, 6), x.reshape([4, 6])],
      [x.view(6, -1), x.view([6, 4])],
      [x.permute(2, 0, 1), x.permute([2, 0, 1])],
      [F.reshape(x, 24), F.reshape(x, [24])],
      [F.permute(x, 1, 0, 2), F.permute(x, [1, 0, 2])],
      [x.narrow(0, 0, 1).expand(5, 3, 4), F.expand(x.narrow(0, 0, 1), [5, 3, 4])],
    ]
  ) {
    assert.deepEqual(a.shape, b.shape);
    assert.deepEqual(a.toArray(), b.toArray());
  }
  assert.throws(
    () => x.reshape(4, [6] as never),
    /reshape: give the sizes as numbers \(reshape\(4, 6\)\) or as one array/,
  );
});

Deno.test("view is differentiable like reshape", () => {
  const w = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const loss = w.view(3, 2).mul(tensor([[1, 0], [0, 1], [1, 1]])).sum();
  loss.backward();
  assert.deepEqual(w.grad?.toArray(), [[1, 0, 0], [1, 1, 1]]);
  gradcheck((a) => a.view(-1).square().sum(), [randn([3, 2])]);
});

/** GELU's tanh approximation and softplus with beta, in float64 from their definitions. */
function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}
function softplus(x: number, beta: number, threshold: number): number {
  return beta * x > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;
}

Deno.test("gelu with the tanh approximation, as a function and as nn.GELU", () => {
  const values = [-6, -2.5, -1, -0.3, 0, 0.2, 1, 3, 8];
  const x = tensor(values);
  const expected = values.map(geluTanh);
  assertClose(F.gelu(x, { approximate: "tanh" }).data(), expected, { atol: 1e-6, rtol: 1e-6 });
  assertClose(new nn.GELU({ approximate: "tanh" })(x).data(), expected, { atol: 1e-6, rtol: 1e-6 });
  assertClose(x.gelu({ approximate: "tanh" }).data(), expected, { atol: 1e-6, rtol: 1e-6 });
  // It differs from the erf form by up to ~5e-4 near x = −2.5: the option is not ignored.
  const exact = F.gelu(x).data();
  assert.ok(Math.abs(exact[1] - expected[1]) > 1e-4);
  assert.throws(
    () => F.gelu(x, { approximate: "fast" as never }),
    /approximate must be "none" or "tanh"/,
  );
  const config = new nn.GELU({ approximate: "tanh" }).toConfig();
  assert.deepEqual(config, { type: "GELU", options: { approximate: "tanh" } });
});

Deno.test("softplus with beta and threshold matches PyTorch's definition", () => {
  const values = [-30, -3, -0.5, 0, 0.4, 2, 9.9, 10.1, 25];
  const x = tensor(values);
  for (const [beta, threshold] of [[1, 20], [2, 20], [0.5, 3], [1, 5]]) {
    const got = F.softplus(x, { beta, threshold }).data();
    assertClose(got, values.map((v) => softplus(v, beta, threshold)), { atol: 1e-6, rtol: 1e-6 });
    const module = new nn.Softplus({ beta, threshold });
    assertClose(module(x).data(), got, { atol: 0, rtol: 0 });
  }
  assert.throws(() => F.softplus(x, { beta: 0 }), /beta must be a finite nonzero number/);
});

Deno.test("smoothL1Loss: ½d²/beta inside beta, |d| − ½beta outside; beta 0 is L1", () => {
  const input = tensor([0.1, -0.4, 2, -3]);
  const target = tensor([0, 0, 0, 0]);
  const beta = 0.5;
  const perElement = [0.5 * 0.01 / beta, 0.5 * 0.16 / beta, 2 - 0.25, 3 - 0.25];
  assertClose(
    F.smoothL1Loss(input, target, { beta, reduction: "none" }).data(),
    perElement,
    { atol: 1e-7, rtol: 1e-6 },
  );
  assertClose(
    [F.smoothL1Loss(input, target, { beta }).item()],
    [perElement.reduce((a, b) => a + b) / 4],
    { atol: 1e-7, rtol: 1e-6 },
  );
  assertClose(
    [F.smoothL1Loss(input, target, { beta: 0 }).item()],
    [F.l1Loss(input, target).item()],
    { atol: 0, rtol: 0 },
  );
  // huberLoss(delta) = beta·smoothL1Loss(beta) with beta = delta
  assertClose(
    [F.huberLoss(input, target, { delta: 0.7 }).item()],
    [0.7 * F.smoothL1Loss(input, target, { beta: 0.7 }).item()],
    { atol: 1e-7, rtol: 1e-6 },
  );
  assert.throws(
    () => F.smoothL1Loss(input, target, { beta: -1 }),
    /beta must be a finite number ≥ 0/,
  );
});

Deno.test("amax and amin over several dims", () => {
  const x = tensor([[[1, 9], [3, 4]], [[-5, 6], [7, -8]]]); // [2, 2, 2]
  assert.deepEqual(F.amax(x, [1, 2]).toArray(), [9, 7]);
  assert.deepEqual(x.amin([0, 2], true).toArray(), [[[-5], [-8]]]);
  assert.deepEqual(F.amax(x, [0, -1]).toArray(), [9, 7]);
  assert.equal(x.amax().item(), 9);
});

Deno.test("every elementwise and compare op of F is a tensor method too", () => {
  const a = tensor([-1, 0.5, 2]);
  const b = tensor([0.5, 0.5, 1]);
  const same = (method: unknown, fn: unknown) =>
    assert.deepEqual(
      (method as { toArray(): unknown }).toArray(),
      (fn as { toArray(): unknown }).toArray(),
    );
  same(a.ne(b), F.ne(a, b));
  same(a.le(b), F.le(a, b));
  same(a.ge(b), F.ge(a, b));
  same(a.maximum(b), F.maximum(a, b));
  same(a.minimum(b), F.minimum(a, b));
  same(b.log1p(), F.log1p(b));
  same(a.sign(), F.sign(a));
  same(a.where(a.gt(0), b), F.where(a.gt(0), a, b));
  same(a.gelu(), F.gelu(a));
  same(a.leakyRelu(0.2), F.leakyRelu(a, 0.2));
  same(a.elu(), F.elu(a));
  same(a.silu(), F.silu(a));
  same(a.softplus(), F.softplus(a));
});
