/**
 * The optimizers, schedulers and gradient clipping against trajectories recorded with PyTorch 1.13
 * (scripts/reference/optim_trajectories.py writes test/fixtures/optim_trajectories.json: fixed
 * starting parameters, fixed gradients per step), plus state round trips through checkpoints and
 * the edge cases of options, scheduler states and clipping.
 */
import assert from "node:assert/strict";
import {
  keep,
  loadCheckpoint,
  memoryStats,
  nn,
  optim,
  saveCheckpoint,
  scope,
  type Tensor,
  tensor,
} from "../runtime/mod.ts";
import { values } from "./helpers.ts";

/** Float32 values written as their shortest round-trip decimals. */
interface StepRecord {
  weight: number[][];
  bias: number[];
  lr?: number;
  totalNorm?: number;
}

interface Case {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, unknown>;
  scheduler: { type: "StepLR" | "ExponentialLR" | "CosineAnnealingLR"; options: never } | null;
  clip: { maxNorm: number; normType: number | "inf" } | null;
  trajectory: StepRecord[];
}

interface Fixture {
  torch: string;
  steps: number;
  problem: {
    weight: number[][];
    bias: number[];
    /** Per step; a null bias gradient means the bias has none that step (and is skipped). */
    grads: { weight: number[][]; bias: number[] | null }[];
  };
  cases: Case[];
}

const fixture: Fixture = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/optim_trajectories.json", import.meta.url)),
);
const { problem } = fixture;

/**
 * Float32 agreement: PyTorch and edgegrad may round differently inside an update (fused
 * multiply-adds in the relaxed build), a few ulps per step that ten steps keep below 1e-6 of a
 * parameter's magnitude (1e-7 absolute near zero).
 */
const TOLERANCE = { rel: 1e-6, abs: 1e-7 };

function assertNear(actual: ArrayLike<number>, written: readonly number[], label: string): void {
  const expected = written.map(Math.fround);
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    const allowed = TOLERANCE.abs + TOLERANCE.rel * Math.abs(expected[i]);
    assert.ok(
      error <= allowed,
      `${label}[${i}]: got ${actual[i]}, PyTorch ${expected[i]} (error ${error.toExponential(2)})`,
    );
  }
}

function makeOptimizer(
  type: Case["optimizer"],
  params: Tensor[],
  options: Record<string, unknown>,
): optim.Optimizer {
  switch (type) {
    case "SGD":
      return new optim.SGD(params, options as unknown as optim.SGDOptions);
    case "Adam":
      return new optim.Adam(params, options as optim.AdamOptions);
    case "AdamW":
      return new optim.AdamW(params, options as optim.AdamOptions);
    case "RMSprop":
      return new optim.RMSprop(params, options as optim.RMSpropOptions);
    case "Adagrad":
      return new optim.Adagrad(params, options as optim.AdagradOptions);
  }
}

function makeScheduler(
  optimizer: optim.Optimizer,
  spec: NonNullable<Case["scheduler"]>,
): optim.LRScheduler {
  switch (spec.type) {
    case "StepLR":
      return new optim.StepLR(optimizer, spec.options);
    case "ExponentialLR":
      return new optim.ExponentialLR(optimizer, spec.options);
    case "CosineAnnealingLR":
      return new optim.CosineAnnealingLR(optimizer, spec.options);
  }
}

/**
 * Step `index` as the script takes it (the fixture's gradients, clipping, the optimizer's step,
 * the scheduler's); returns the total norm when clipping.
 */
function trainStep(
  index: number,
  params: Tensor[],
  optimizer: optim.Optimizer,
  scheduler: optim.LRScheduler | null,
  clip: Case["clip"],
): number | undefined {
  return scope(() => {
    optimizer.zeroGrad();
    const grads = problem.grads[index];
    params[0].grad = keep(tensor(grads.weight));
    if (grads.bias !== null) params[1].grad = keep(tensor(grads.bias));
    let totalNorm: number | undefined;
    if (clip !== null) {
      const normType = clip.normType === "inf" ? Infinity : clip.normType;
      totalNorm = optim.clipGradNorm(params, clip.maxNorm, { normType });
    }
    optimizer.step();
    scheduler?.step();
    return totalNorm;
  });
}

function startingParams(): Tensor[] {
  return [
    tensor(problem.weight, { requiresGrad: true }),
    tensor(problem.bias, { requiresGrad: true }),
  ];
}

Deno.test(`the fixture covers every optimizer, scheduler and norm type (PyTorch ${fixture.torch})`, () => {
  const kinds = new Set(fixture.cases.map((c) => c.optimizer));
  for (const k of ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]) assert.ok(kinds.has(k as never));
  const schedulers = new Set(fixture.cases.map((c) => c.scheduler?.type));
  for (const s of ["StepLR", "ExponentialLR", "CosineAnnealingLR"]) {
    assert.ok(schedulers.has(s as never));
  }
  const norms = new Set(fixture.cases.map((c) => c.clip?.normType));
  for (const n of [1, 2, 3, "inf"]) assert.ok(norms.has(n as never));
  assert.ok(fixture.cases.every((c) => c.trajectory.length === fixture.steps));
});

for (const c of fixture.cases) {
  Deno.test(`${c.name} follows PyTorch step by step`, () => {
    const params = startingParams();
    const optimizer = makeOptimizer(c.optimizer, params, c.options);
    const scheduler = c.scheduler === null ? null : makeScheduler(optimizer, c.scheduler);
    c.trajectory.forEach((expected, index) => {
      const label = `${c.name}, step ${index + 1}`;
      const totalNorm = trainStep(index, params, optimizer, scheduler, c.clip);
      if (expected.totalNorm !== undefined) {
        assertNear([totalNorm!], [expected.totalNorm], `${label} total norm`);
      }
      if (expected.lr !== undefined) {
        // Both sides compute the rate in float64 (PyTorch recursively, edgegrad in closed form).
        const lr = scheduler!.getLastLr();
        assert.ok(Math.abs(lr - expected.lr) <= 1e-12 * expected.lr, `${label}: lr ${lr}`);
        assert.equal(optimizer.options.lr, lr);
      }
      assertNear(params[0].data(), expected.weight.flat(), `${label} weight`);
      assertNear(params[1].data(), expected.bias, `${label} bias`);
    });
  });
}

// ---- state round trips ----

function linearModel(): nn.Linear {
  const model = new nn.Linear(4, 3);
  model.loadStateDict(
    new Map([["weight", tensor(problem.weight)], ["bias", tensor(problem.bias)]]),
  );
  return model;
}

const resumable: [string, (params: Tensor[]) => optim.Optimizer, string[]][] = [
  [
    "RMSprop centered with momentum and weight decay",
    (p) => new optim.RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.02 }),
    ["gradAvg", "momentumBuffer", "squareAvg", "step"],
  ],
  [
    "Adagrad with lr decay and an initial accumulator",
    (p) => new optim.Adagrad(p, { lr: 0.1, lrDecay: 0.05, initialAccumulatorValue: 0.1 }),
    ["step", "sum"],
  ],
  [
    "Adam amsgrad",
    (p) => new optim.Adam(p, { lr: 0.05, amsgrad: true }),
    ["expAvg", "expAvgSq", "maxExpAvgSq", "step"],
  ],
  [
    "AdamW amsgrad",
    (p) => new optim.AdamW(p, { lr: 0.05, amsgrad: true }),
    ["expAvg", "expAvgSq", "maxExpAvgSq", "step"],
  ],
];

for (const [name, makeOptimizerFor, slots] of resumable) {
  Deno.test(`checkpoint: ${name} with a cosine schedule resumes bit for bit`, async () => {
    const path = `${await Deno.makeTempDir({ prefix: "edgegrad_optim_" })}/checkpoint.safetensors`;
    const run = (
      model: nn.Linear,
      optimizer: optim.Optimizer,
      scheduler: optim.LRScheduler,
      steps: number[],
    ) => {
      for (const i of steps) trainStep(i, [model.weight, model.bias!], optimizer, scheduler, null);
    };
    const model = linearModel();
    const optimizer = makeOptimizerFor(model.parameters());
    const scheduler = new optim.CosineAnnealingLR(optimizer, { tMax: 6, etaMin: 0.001 });
    run(model, optimizer, scheduler, [0, 1, 2, 3]);
    assert.deepEqual(Object.keys(optimizer.stateDict().state.get(0)!).sort(), slots);
    await saveCheckpoint(path, {
      model,
      optimizer,
      epoch: 4,
      extra: { scheduler: scheduler.stateDict() },
    });
    run(model, optimizer, scheduler, [4, 5, 6, 7]);

    const resumed = new nn.Linear(4, 3);
    const resumedOptimizer = makeOptimizerFor(resumed.parameters());
    const resumedScheduler = new optim.CosineAnnealingLR(resumedOptimizer, { tMax: 6 });
    const { extra } = await loadCheckpoint(path, { model: resumed, optimizer: resumedOptimizer });
    resumedScheduler.loadStateDict(extra.scheduler as optim.SchedulerStateDict);
    assert.equal(resumedOptimizer.options.lr, resumedScheduler.getLastLr());
    run(resumed, resumedOptimizer, resumedScheduler, [4, 5, 6, 7]);
    assert.deepEqual(values(resumed.weight), values(model.weight));
    assert.deepEqual(values(resumed.bias!), values(model.bias!));
    assert.equal(resumedScheduler.getLastLr(), scheduler.getLastLr());
    assert.equal(resumedOptimizer.options.lr, optimizer.options.lr);
  });
}

// ---- schedulers ----

function sgdAt(lr: number): optim.SGD {
  return new optim.SGD([tensor([1, 2], { requiresGrad: true })], { lr });
}

/** The rates a scheduler sets over `epochs` steps, starting with the one at construction. */
function rates(scheduler: optim.LRScheduler, epochs: number): number[] {
  const out = [scheduler.getLastLr()];
  for (let i = 0; i < epochs; i++) {
    scheduler.step();
    out.push(scheduler.getLastLr());
  }
  return out;
}

Deno.test("schedulers follow PyTorch's closed forms", () => {
  assert.deepEqual(
    rates(new optim.StepLR(sgdAt(1), { stepSize: 2, gamma: 0.5 }), 6),
    [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125],
  );
  assert.deepEqual(
    rates(new optim.StepLR(sgdAt(1), { stepSize: 1 }), 2).map((r) => +r.toFixed(12)),
    [
      1,
      0.1,
      0.01,
    ],
  );
  assert.deepEqual(rates(new optim.ExponentialLR(sgdAt(2), { gamma: 0.5 }), 3), [2, 1, 0.5, 0.25]);
  const cosine = rates(new optim.CosineAnnealingLR(sgdAt(1), { tMax: 2, etaMin: 0.2 }), 4);
  assert.deepEqual(cosine.map((r) => +r.toFixed(12)), [1, 0.6, 0.2, 0.6, 1]);
});

Deno.test("a scheduler's state restores its epoch and base rate, and bad states are refused", () => {
  const first = new optim.StepLR(sgdAt(0.4), { stepSize: 2, gamma: 0.5 });
  rates(first, 3);
  const state = JSON.parse(JSON.stringify(first.stateDict())) as optim.SchedulerStateDict;
  assert.deepEqual(state, {
    lastEpoch: 3,
    baseLr: 0.4,
    lastLr: 0.2,
    options: { stepSize: 2, gamma: 0.5 },
  });
  const second = new optim.StepLR(sgdAt(9), { stepSize: 5, gamma: 0.1 });
  second.loadStateDict(state);
  assert.deepEqual(second.options, { stepSize: 2, gamma: 0.5 });
  second.step();
  assert.equal(second.getLastLr(), 0.1);
  assert.equal(second.optimizer.options.lr, 0.1);
  assert.throws(
    () => second.loadStateDict({ ...state, lastEpoch: "3" as unknown as number }),
    /StepLR.loadStateDict: "lastEpoch" should be a finite number, got "3"/,
  );
  assert.throws(
    () => second.loadStateDict({ ...state, options: { gamma: 0.5 } }),
    /"options.stepSize" should be a finite number, got undefined/,
  );
});

Deno.test("invalid hyper-parameters are refused by name", () => {
  const p = [tensor([1], { requiresGrad: true })];
  assert.throws(() => new optim.RMSprop(p, { alpha: -0.1 }), /RMSprop: invalid alpha -0.1/);
  assert.throws(() => new optim.RMSprop(p, { momentum: NaN }), /RMSprop: invalid momentum NaN/);
  assert.throws(() => new optim.Adagrad(p, { lrDecay: -1 }), /Adagrad: invalid lrDecay -1/);
  assert.throws(
    () => new optim.Adagrad(p, { initialAccumulatorValue: -1 }),
    /Adagrad: invalid initialAccumulatorValue -1/,
  );
  const sgd = new optim.SGD(p, { lr: 0.1 });
  assert.throws(() => new optim.StepLR(sgd, { stepSize: 1.5 }), /StepLR: invalid stepSize 1.5/);
  assert.throws(() => new optim.ExponentialLR(sgd, { gamma: -1 }), /invalid gamma -1/);
  assert.throws(() => new optim.CosineAnnealingLR(sgd, { tMax: 0 }), /invalid tMax 0/);
  assert.throws(() => optim.clipGradNorm(p, 1, { normType: 0 }), /normType must be > 0/);
  assert.throws(() => optim.clipGradNorm(p, -1), /maxNorm must be a finite number/);
});

Deno.test("RMSprop and Adagrad refuse a state without its tensors", () => {
  const p = [tensor([1, 2], { requiresGrad: true })];
  const rmsprop = new optim.RMSprop(p);
  assert.throws(
    () => rmsprop.loadStateDict({ state: new Map([[0, { step: 1 }]]), options: {} }),
    /RMSprop.loadStateDict: a parameter's state needs step and squareAvg/,
  );
  const adagrad = new optim.Adagrad(p);
  assert.throws(
    () => adagrad.loadStateDict({ state: new Map([[0, { sum: tensor([1, 1]) }]]), options: {} }),
    /Adagrad.loadStateDict: a parameter's state needs step and sum/,
  );
});

// ---- gradient clipping ----

function withGrad(value: number[], grad: number[]): Tensor {
  const p = tensor(value, { requiresGrad: true });
  p.grad = keep(tensor(grad));
  return p;
}

Deno.test("clipGradNorm scales all gradients by one factor and returns the norm before", () => {
  const a = withGrad([0, 0], [3, 0]);
  const b = withGrad([0], [-4]);
  const none = tensor([1], { requiresGrad: true });
  const before = memoryStats().liveBytes;
  const total = optim.clipGradNorm([a, none, b], 1);
  assert.equal(memoryStats().liveBytes, before);
  assert.ok(Math.abs(total - 5) < 1e-6);
  const factor = 1 / (5 + 1e-6);
  assertNear(a.grad!.data(), [3 * factor, 0], "a");
  assertNear(b.grad!.data(), [-4 * factor], "b");
  assert.equal(none.grad, null);
  assert.ok(Math.abs(optim.clipGradNorm([a, b], 1, { normType: Infinity }) - 0.8) < 1e-6);
  assert.ok(Math.abs(optim.clipGradNorm([a, b], 1, { normType: 1 }) - 1.4) < 1e-6);
});

Deno.test("clipGradNorm leaves gradients below the bound untouched and handles no gradients", () => {
  const a = withGrad([0, 0, 0], [0.1, -0.2, 0.3]);
  const grad = a.grad!;
  const before = Array.from(grad.data());
  optim.clipGradNorm([a], 10);
  assert.equal(a.grad, grad);
  assert.deepEqual(Array.from(a.grad!.data()), before);
  assert.equal(optim.clipGradNorm([tensor([1], { requiresGrad: true })], 1), 0);
});

Deno.test("clipGradNorm scales a gradient that shares its memory with another exactly once", () => {
  const a = withGrad([0, 0], [3, 4]);
  const b = tensor([0, 0], { requiresGrad: true });
  b.grad = keep(a.grad!.view([2]));
  const held = a.grad!;
  optim.clipGradNorm([a, b], 1);
  const factor = 1 / (Math.hypot(5, 5) + 1e-6);
  assertNear(a.grad!.data(), [3 * factor, 4 * factor], "a");
  assertNear(b.grad!.data(), [3 * factor, 4 * factor], "b");
  // The shared gradient was replaced (as backward's accumulation does), not written through.
  assert.ok(held.isDisposed && a.grad !== held);
});

Deno.test("clipGradNorm with errorIfNonfinite refuses a NaN norm and leaves the gradients", () => {
  const a = withGrad([0, 0], [NaN, 1]);
  assert.throws(
    () => optim.clipGradNorm([a], 1, { errorIfNonfinite: true }),
    /clipGradNorm: the total norm of order 2 of the gradients is NaN/,
  );
  assert.equal(values(a.grad!)[1], 1);
  assert.ok(Number.isNaN(optim.clipGradNorm([a], 1)));
  assert.ok(Number.isNaN(values(a.grad!)[1]));
});

Deno.test("step() refuses a disposed parameter instead of skipping it", () => {
  for (
    const make of [
      (p: Tensor[]) => new optim.SGD(p, { lr: 0.1 }),
      (p: Tensor[]) => new optim.Adam(p),
      (p: Tensor[]) => new optim.RMSprop(p),
      (p: Tensor[]) => new optim.Adagrad(p),
    ]
  ) {
    const model = new nn.Linear(3, 2);
    const optimizer = make(model.parameters());
    model.weight.dispose();
    assert.throws(
      () => optimizer.step(),
      /\.step\(\): parameter 0 \[2, 3\] was disposed, so it cannot be updated/,
    );
    model.bias!.dispose();
  }
});
