/** The trainer: loss goes down, history, memory flat per epoch, callbacks, NaN handling, progress. */
import assert from "node:assert/strict";
import {
  F,
  full,
  manualSeed,
  memoryStats,
  nn,
  optim,
  randn,
  scope,
  type Tensor,
  tensor,
  train,
} from "../runtime/mod.ts";
import {
  type Batch,
  type Callback,
  checkpoint,
  earlyStopping,
  evaluate,
  fit,
  progressBar,
  type TrainingContext,
  TrainingError,
} from "../runtime/train/mod.ts";

/** Two Gaussian blobs at (2, 2) (class 0) and (−2, −2) (class 1), in batches of 16. */
function blobs(samples: number, seed: number): Batch[] {
  manualSeed(seed);
  const noise = Array.from(randn([samples, 2]).data());
  const labels = Array.from({ length: samples }, (_, i) => i % 2);
  const points = labels.map((
    c,
    i,
  ) => [noise[2 * i] + (c ? -2 : 2), noise[2 * i + 1] + (c ? -2 : 2)]);
  const batches: Batch[] = [];
  for (let start = 0; start < samples; start += 16) {
    batches.push({
      x: tensor(points.slice(start, start + 16)),
      y: tensor(Int32Array.from(labels.slice(start, start + 16)), { dtype: "int32" }),
    });
  }
  return batches;
}

function classifier(seed: number): nn.Sequential {
  manualSeed(seed);
  return new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
}

/** Flat copies of the parameters, to compare weights across time. */
const weights = (model: nn.Module): number[][] =>
  model.parameters().map((p) => Array.from(p.data()));

Deno.test("fit reduces the loss on two blobs and records a history per epoch and step", async () => {
  const data = blobs(64, 1), validation = blobs(32, 2);
  const model = classifier(3);
  const history = await fit(model, {
    data,
    validation,
    loss: F.crossEntropy,
    optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
    epochs: 6,
    metrics: ["accuracy", "f1"],
    progress: false,
  });
  assert.equal(history.epochs.length, 6);
  assert.equal(history.stepLosses.length, 6 * 4);
  assert.deepEqual(history.names(), [
    "loss",
    "accuracy",
    "f1",
    "val_loss",
    "val_accuracy",
    "val_f1",
  ]);
  assert.deepEqual(history.epochs.map((e) => [e.epoch, e.steps, e.samples]).at(-1), [6, 4, 64]);
  const loss = history.series("loss");
  assert.ok(loss[5] < 0.3 * loss[0], `loss went from ${loss[0]} to ${loss[5]}`);
  assert.ok(history.last().val_accuracy >= 0.95, `val_accuracy ${history.last().val_accuracy}`);
  assert.ok(model.training, "fit leaves the model in the mode it found");
  assert.ok(model.parameters().every((p) => p.grad === null), "no stale gradients after fit");
  assert.throws(() => history.series("val_precision"), /no series "val_precision".*"val_f1"/);
  const evaluated = await evaluate(model, validation, ["accuracy"], { loss: F.crossEntropy });
  assert.ok(Math.abs(evaluated.loss - history.last().val_loss) < 1e-6);
  assert.equal(evaluated.accuracy, history.last().val_accuracy);
});

Deno.test("live bytes are back to their baseline after every epoch (fresh batches)", async () => {
  const model = classifier(4);
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const base = blobs(48, 5);
  // A new set of batch tensors every epoch, made by the source inside each step.
  function* fresh(): Generator<[Tensor, Tensor]> {
    for (const { x, y } of base) yield [F.mul(x, 1), F.add(y.float(), 0).int()];
  }
  async function* freshAsync(): AsyncGenerator<Batch> {
    for (const { x, y } of base) {
      yield await Promise.resolve({ x: F.mul(x, 1), y: scope(() => y.float().int()) });
    }
  }
  const live: number[] = [];
  const recorder: Callback = { onEpochEnd: () => void live.push(memoryStats().liveBytes) };
  await fit(model, {
    data: fresh,
    validation: freshAsync,
    loss: F.crossEntropy,
    optimizer,
    epochs: 5,
    metrics: ["accuracy"],
    callbacks: [recorder],
    progress: false,
  });
  assert.equal(live.length, 5);
  assert.ok(live.every((bytes) => bytes === live[0]), `live bytes per epoch: ${live.join(", ")}`);
  assert.equal(memoryStats().liveBytes, live[0]);
});

Deno.test("early stopping stops after `patience` flat epochs and restores the best weights", async () => {
  const model = classifier(6);
  let afterFirstEpoch: number[][] = [];
  const remember: Callback = {
    onEpochEnd: (_context, log) => void (log.epoch === 1 && (afterFirstEpoch = weights(model))),
  };
  // The loss falls every epoch, so in "max" mode epoch 1 stays the best.
  const stopper = earlyStopping({
    monitor: "loss",
    mode: "max",
    patience: 2,
    restoreBestWeights: true,
  });
  const history = await fit(model, {
    data: blobs(32, 7),
    loss: F.crossEntropy,
    optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
    epochs: 20,
    callbacks: [remember, stopper],
    progress: false,
  });
  assert.equal(history.epochs.length, 3);
  assert.equal(stopper.stoppedEpoch, 3);
  assert.equal(stopper.monitor.bestEpoch, 1);
  assert.deepEqual(weights(model), afterFirstEpoch);

  const patient = earlyStopping({ monitor: "val_loss" });
  await assert.rejects(
    fit(classifier(6), {
      data: blobs(16, 7),
      loss: F.crossEntropy,
      optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
      epochs: 2,
      callbacks: [patient],
      progress: false,
    }),
    /monitors "val_loss" but epoch 1 has only "loss" \(pass validation data/,
  );
});

Deno.test("a NaN loss stops training naming epoch and step, before its update", async () => {
  const model = classifier(8);
  const saved: number[] = [];
  let beforeBadStep: number[][] = [];
  let sawError: Error | null = null;
  const watcher: Callback = {
    onStepEnd: (_context, step) =>
      void (step.epoch === 2 && step.step === 2 && (beforeBadStep = weights(model))),
    onTrainEnd: (context) => void (sawError = context.error),
  };
  let step = 0;
  const poisoned = (output: Tensor, target: Tensor) =>
    F.mul(F.crossEntropy(output, target), ++step === 7 ? NaN : 1);
  const error = await fit(model, {
    data: blobs(64, 9),
    loss: poisoned,
    optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
    epochs: 3,
    callbacks: [
      watcher,
      checkpoint({ monitor: "loss", onImprovement: (epoch) => void saved.push(epoch) }),
    ],
    progress: false,
  }).then(() => null, (e: unknown) => e);
  assert.ok(error instanceof TrainingError, `expected a TrainingError, got ${error}`);
  assert.match(error.message, /epoch 2\/3, step 3\/4: the loss is NaN/);
  assert.deepEqual([error.epoch, error.step], [2, 3]);
  assert.deepEqual(weights(model), beforeBadStep, "the NaN step's update was not applied");
  assert.equal(sawError, error, "onTrainEnd saw the error");
  assert.deepEqual(saved, [1]);

  // Regression with a learning rate that makes every step overshoot: the outputs grow until the
  // loss's own finite check throws, and fit says where.
  const exploding = new nn.Linear(2, 2);
  await assert.rejects(
    fit(exploding, {
      data: blobs(64, 9).map(({ x }) => ({ x, y: F.mul(x, 3) })),
      loss: F.mseLoss,
      optimizer: new optim.SGD(exploding.parameters(), { lr: 1e10 }),
      epochs: 3,
      progress: false,
    }),
    (e: unknown) => e instanceof TrainingError && /^fit: epoch \d\/3, step \d\/4: /.test(e.message),
  );
});

Deno.test("checkpoint refuses to hand over weights that hold NaN", async () => {
  const model = classifier(10);
  const saved: number[] = [];
  const poison: Callback = {
    onEpochEnd: (_context, log) => {
      if (log.epoch === 2) {
        model.loadStateDict({ "0.weight": full([8, 2], NaN) }, { strict: false });
      }
    },
  };
  await assert.rejects(
    fit(model, {
      data: blobs(32, 11),
      loss: F.crossEntropy,
      optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
      epochs: 3,
      callbacks: [
        poison,
        checkpoint({ monitor: "loss", onImprovement: (epoch) => void saved.push(epoch) }),
      ],
      progress: false,
    }),
    /checkpoint: "0.weight" holds NaN .* after epoch 2.*not saving/,
  );
  assert.deepEqual(saved, [1]);
});

Deno.test("progress: a line every 10% off a terminal, a redrawn bar with rate and ETA on one", async () => {
  const lines: string[] = [];
  let screen = "";
  const model = classifier(12);
  const data = blobs(16 * 20, 13);
  const options = {
    data,
    loss: F.crossEntropy,
    optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
    epochs: 2,
    progress: false as const,
  };
  await fit(model, {
    ...options,
    callbacks: [
      progressBar({ interval: 0, output: { isTerminal: false, write: (t) => lines.push(t) } }),
    ],
  });
  const text = lines.join("").trim().split("\n");
  assert.equal(text.length, 2 * 10, text.join("\n"));
  assert.match(
    text[0],
    /^epoch 1\/2 {2}2\/20 \(10%\) {2}[\d,]+ samples\/s {2}ETA [\d.]+s {2}loss \d/,
  );
  assert.match(text[9], /^epoch 1\/2 {2}20 steps {2}[\d.]+s {2}[\d,]+ samples\/s {2}loss \d/);
  await fit(model, {
    ...options,
    epochs: 1,
    callbacks: [
      progressBar({ output: { isTerminal: true, columns: 200, write: (t) => (screen += t) } }),
    ],
  });
  // Each redraw returns the cursor and clears the line before writing it.
  const redraws = screen.split("\r\x1b[2K");
  assert.equal(redraws[0], "");
  assert.ok(redraws.length >= 3, `${redraws.length - 1} redraws`);
  assert.match(
    redraws.at(-2)!,
    /^epoch 1\/1 {2}[█░]{24} {2}20\/20 {2}[\d,]+ samples\/s {2}ETA 0\.0s {2}loss \d/,
  );
  assert.match(redraws.at(-1)!, /^epoch 1\/1 {2}20 steps .*\n$/);
});

Deno.test("progress: a step's named values show as sample-weighted running means", () => {
  let screen = "";
  const bar = progressBar({
    output: { isTerminal: true, columns: 200, write: (t) => (screen += t) },
  });
  const context = {
    epochs: 1,
    epoch: 1,
    stepsInEpoch: 4,
    stopReason: null,
  } as unknown as TrainingContext;
  bar.onEpochStart();
  const steps = [[1, 8, 10], [3, 4, 30], [0.5, 2, 10], [2, 6, 30]];
  for (const [index, [d, g, samples]] of steps.entries()) {
    bar.onStepEnd(context, {
      epoch: 1,
      step: index + 1,
      globalStep: index + 1,
      loss: d,
      samples,
      values: { d_loss: d, g_loss: g },
    });
  }
  // d: (1·10 + 3·30 + 0.5·10 + 2·30) / 80 = 165 / 80 = 2.0625 (shown to 4 digits); g: (80 + 120 + 20 + 180) / 80 = 5.
  const last = screen.split("\r\x1b[2K").at(-1)!;
  assert.match(last, / {2}d_loss 2\.063 {2}g_loss 5\.000$/, last);
  assert.doesNotMatch(last, / loss /, "the named values replace the running loss");
});

Deno.test("batches may be [x, y] pairs; a malformed batch is named", async () => {
  const model = classifier(14);
  const pairs = blobs(32, 15).map(({ x, y }) => [x, y] as const);
  const history = await fit(model, {
    data: pairs,
    loss: F.crossEntropy,
    optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
    epochs: 1,
    progress: false,
  });
  assert.equal(history.epochs[0].samples, 32);
  await assert.rejects(
    fit(model, {
      data: [{ inputs: pairs[0][0] }] as unknown as Batch[],
      loss: F.crossEntropy,
      optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
      epochs: 1,
      progress: false,
    }),
    /step 1\/1: expected a batch \{ x, y \} or \[x, y\] of Tensors, got an object with keys \["inputs"\]/,
  );
  await assert.rejects(
    fit(model, {
      data: pairs,
      loss: (output) => output,
      optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
      epochs: 1,
      progress: false,
    }),
    /step 1\/2: fit: the loss function must return a scalar tensor, got shape \[16, 2\]/,
  );
});

Deno.test("memoryLog prints RSS, wasm memory and live bytes after each epoch, flat across epochs", async () => {
  const model = classifier(21);
  const readings: train.MemoryReading[] = [];
  const lines: string[] = [];
  await fit(model, {
    data: blobs(16 * 4, 22),
    loss: F.crossEntropy,
    optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
    epochs: 3,
    progress: false,
    callbacks: [train.memoryLog({ print: (line, r) => (lines.push(line), readings.push(r)) })],
  });
  assert.deepEqual(readings.map((r) => r.epoch), [1, 2, 3]);
  assert.ok(readings.every((r) => r.rss !== null && r.rss > 0), JSON.stringify(readings));
  // Scoped steps: the allocator holds the same bytes after every epoch, and memory stops growing.
  assert.equal(new Set(readings.map((r) => r.liveBytes)).size, 1, JSON.stringify(readings));
  assert.equal(readings[2].wasmMemory, readings[1].wasmMemory);
  assert.match(
    lines[0],
    /^memory after epoch 1: RSS [\d.]+ MiB, wasm memory [\d.]+ MiB, live [\d.]+ MiB$/,
  );
});
