/** The DCGAN example: shapes, one training step, memory, checkpoint resume, the judge's formula. */
import assert from "node:assert/strict";
import {
  F,
  keep,
  loadCheckpoint,
  manualSeed,
  memoryStats,
  noGrad,
  randn,
  saveCheckpoint,
  type Tensor,
  tensor,
} from "../runtime/mod.ts";
import {
  Dcgan,
  DcganOptimizers,
  NOISE_DIM,
  trainStep,
  verdict,
} from "../scripts/examples/dcgan.ts";

const BATCH = 8;

function parameterCount(tensors: Tensor[]): number {
  return tensors.reduce((n, t) => n + t.size, 0);
}

function snapshot(tensors: Tensor[]): Float32Array[] {
  return tensors.map((t) => t.data() as Float32Array);
}

function realBatch(): Tensor {
  return keep(noGrad(() => F.tanh(randn([BATCH, 1, 28, 28]))));
}

Deno.test("the generator maps noise [N, 100] to images [N, 1, 28, 28] in [−1, 1]; the discriminator to [N, 1]", () => {
  manualSeed(1);
  const gan = new Dcgan();
  // The seed's (TensorFlow's DCGAN tutorial) trainable parameter counts.
  assert.equal(parameterCount(gan.generator.parameters()), 2_305_472);
  assert.equal(parameterCount(gan.discriminator.parameters()), 212_865);
  const images = noGrad(() => gan.generator.call(randn([BATCH, NOISE_DIM])));
  assert.deepEqual(images.shape, [BATCH, 1, 28, 28]);
  const values = images.data();
  assert.ok(values.every((v) => v >= -1 && v <= 1));
  const logits = noGrad(() => gan.discriminator.call(images));
  assert.deepEqual(logits.shape, [BATCH, 1]);
  images.dispose();
  logits.dispose();
});

Deno.test("one DCGAN step changes both networks, keeps the losses finite and frees its memory", () => {
  manualSeed(2);
  const gan = new Dcgan();
  const optimizers = new DcganOptimizers(gan);
  const real = realBatch();
  const generatorBefore = snapshot(gan.generator.parameters());
  const discriminatorBefore = snapshot(gan.discriminator.parameters());
  const first = trainStep(gan, optimizers, real);
  for (const value of Object.values(first)) assert.ok(Number.isFinite(value), `${value}`);
  assert.ok(first.realScore > 0 && first.realScore < 1 && first.fakeScore > 0);
  const changed = (before: Float32Array[], after: Tensor[]) =>
    after.every((t, i) => (t.data() as Float32Array).some((v, j) => v !== before[i][j]));
  assert.ok(changed(generatorBefore, gan.generator.parameters()), "every generator tensor moves");
  assert.ok(
    changed(discriminatorBefore, gan.discriminator.parameters()),
    "every discriminator tensor moves",
  );
  for (const p of [...gan.generator.parameters(), ...gan.discriminator.parameters()]) {
    assert.equal(p.grad, null);
    assert.equal(p.requiresGrad, true);
  }

  const baseline = memoryStats();
  for (let step = 0; step < 2; step++) {
    const result = trainStep(gan, optimizers, real);
    assert.ok(Number.isFinite(result.discriminatorLoss + result.generatorLoss));
    assert.equal(memoryStats().liveBytes, baseline.liveBytes, `live bytes after step ${step + 2}`);
  }
  assert.equal(memoryStats().memoryBytes, baseline.memoryBytes);
  real.dispose();
});

Deno.test("a checkpoint of both networks and both optimizers resumes the run exactly", async () => {
  manualSeed(3);
  const gan = new Dcgan();
  const optimizers = new DcganOptimizers(gan);
  const real = realBatch();
  trainStep(gan, optimizers, real);
  const path = await Deno.makeTempFile({ suffix: ".safetensors" });
  try {
    await saveCheckpoint(path, { model: gan, optimizer: optimizers, epoch: 1 });
    const expected = trainStep(gan, optimizers, real);

    manualSeed(99);
    const resumed = new Dcgan();
    const resumedOptimizers = new DcganOptimizers(resumed);
    const { epoch } = await loadCheckpoint(path, {
      model: resumed,
      optimizer: resumedOptimizers,
    });
    assert.equal(epoch, 1);
    assert.deepEqual(trainStep(resumed, resumedOptimizers, real), expected);
    const weights = (g: Dcgan) => snapshot([...g.stateDict().values()]);
    assert.deepEqual(weights(resumed), weights(gan));
  } finally {
    await Deno.remove(path);
    real.dispose();
  }
});

Deno.test("the Inception Score is 10 for confident, balanced verdicts and 1 for one class", () => {
  const confident = tensor(
    Array.from(
      { length: 20 },
      (_, i) => Array.from({ length: 10 }, (_, c) => c === i % 10 ? 40 : 0),
    ),
  );
  const balanced = verdict(confident);
  assert.ok(Math.abs(balanced.inceptionScore - 10) < 1e-3, `${balanced.inceptionScore}`);
  assert.ok(Math.abs(balanced.meanMaxProbability - 1) < 1e-6);
  const oneClass = verdict(
    tensor(Array.from({ length: 20 }, () => [5, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
  );
  assert.ok(Math.abs(oneClass.inceptionScore - 1) < 1e-5, `${oneClass.inceptionScore}`);
  const unsure = verdict(tensor(Array.from({ length: 20 }, () => Array(10).fill(0))));
  assert.ok(Math.abs(unsure.inceptionScore - 1) < 1e-5);
  assert.ok(Math.abs(unsure.meanMaxProbability - 0.1) < 1e-6);
});
