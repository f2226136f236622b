/**
 * The autoencoder example: the model's shapes, range and size, the noise, the metric and baseline
 * against hand-computed values, short runs on MNIST that must beat the trivial predictor (and, when
 * denoising, the noisy input), and the picture of image rows.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { F, manualSeed, noGrad, ones, rand, type Tensor, tensor } from "../runtime/mod.ts";
import { imageRowsSvg, plotImageRows } from "../runtime/viz/mod.ts";
import {
  addNoise,
  Autoencoder,
  CODE_SIZE,
  meanImageMse,
  MeanSquaredError,
  trainAutoencoder,
} from "../scripts/examples/autoencoder.ts";

function values(t: Tensor): number[] {
  return [...(t.data() as Float32Array)];
}

Deno.test("the autoencoder maps [N, 1, 28, 28] through a 32-number code to [N, 1, 28, 28] in (0, 1)", () => {
  manualSeed(1);
  const model = new Autoencoder();
  // conv 1→16 (160), conv 16→32 (4,640), linear 1568→32 (50,208); linear 32→1568 (51,744),
  // transposed conv 32→16 (4,624), transposed conv 16→1 (145).
  const count = model.parameters().reduce((n, p) => n + p.size, 0);
  assert.equal(count, 160 + 4640 + 50208 + 51744 + 4624 + 145);
  const images = rand([3, 1, 28, 28]);
  const [code, output] = noGrad(() => {
    const code = model.encoder.call(images);
    return [code, model.call(images)];
  });
  assert.deepEqual(code.shape, [3, CODE_SIZE]);
  assert.deepEqual(output.shape, [3, 1, 28, 28]);
  assert.ok(values(output).every((v) => v > 0 && v < 1), "sigmoid outputs lie in (0, 1)");
  assert.throws(() => new Autoencoder(0), /codeSize must be a positive integer, got 0/);
  for (const t of [images, code, output]) t.dispose();
});

Deno.test("addNoise adds Gaussian noise of the given std and clips to [0, 1]", () => {
  manualSeed(2);
  const grey = F.mul(ones([100, 1, 28, 28]), 0.5);
  // At 0.5 with std 0.1, clipping (5 std away) almost never acts: the noise shows unclipped.
  const noise = values(F.sub(addNoise(grey, 0.1), grey));
  const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
  const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
  assert.ok(Math.abs(mean) < 2e-3, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.1) < 2e-3, `std ${std}`);
  const clipped = values(addNoise(grey, 3));
  assert.ok(clipped.every((v) => v >= 0 && v <= 1));
  // P(0.5 + 3z < 0) = Φ(−1/6) ≈ 0.434: that share of pixels is clipped to exactly 0.
  const zeros = clipped.filter((v) => v === 0).length / clipped.length;
  assert.ok(Math.abs(zeros - 0.434) < 0.01, `share clipped to 0: ${zeros}`);
  assert.deepEqual(values(addNoise(grey, 0)), values(grey));
  assert.throws(() => addNoise(grey, -1), /noise std must be a finite number ≥ 0, got -1/);
});

Deno.test("the MSE metric and the mean-image baseline match hand-computed values", () => {
  const metric = new MeanSquaredError();
  metric.reset();
  metric.update(tensor([[0, 1], [1, 1]]), tensor([[0, 0], [0, 0]])); // squared errors sum to 3
  metric.update(tensor([[0.5, 0.5]]), tensor([[0, 1]])); // 0.25 + 0.25
  assert.ok(Math.abs(metric.compute() - 3.5 / 6) < 1e-7);
  // Training images 0 and 1 (mean image 0.5 everywhere); test images 1 and 0.25: errors 0.25, 0.0625.
  const train = tensor([[[[0, 0], [0, 0]]], [[[1, 1], [1, 1]]]]);
  const test = tensor([[[[1, 1], [1, 1]]], [[[0.25, 0.25], [0.25, 0.25]]]]);
  assert.ok(Math.abs(meanImageMse(train, test) - (0.25 + 0.0625) / 2) < 1e-7);
});

// Small runs: 2,000 training digits, 2 epochs of batch 8 at lr 3e-3, 1,000 test digits (≈ 2 s each).
const small = {
  trainLimit: 2000,
  testLimit: 1000,
  epochs: 2,
  batchSize: 8,
  lr: 3e-3,
  progress: false,
};

Deno.test("a short run reconstructs test digits far better than the mean image does", async () => {
  const { epochs, meanImageMse, noisyMse, test } = await trainAutoencoder({ ...small, seed: 0 });
  assert.equal(noisyMse, null);
  assert.equal(test.inputs, test.clean);
  assert.ok(meanImageMse > 0.06 && meanImageMse < 0.075, `mean-image MSE ${meanImageMse}`);
  const last = epochs[epochs.length - 1].testMse;
  // Measured: about 0.018 after two epochs, 0.029 after one; the mean image gives 0.066.
  assert.ok(last < 0.5 * meanImageMse, `test MSE ${last} vs mean image ${meanImageMse}`);
  assert.ok(last < epochs[0].testMse, "the second epoch improves on the first");
  test.clean.dispose();
});

Deno.test("a short denoising run brings noisy digits closer to the clean ones", async () => {
  // Std 0.3: the noisy inputs (MSE ≈ 0.047) are closer to the clean digits than the mean image
  // (≈ 0.066), so beating them needs more than predicting an average digit.
  const { epochs, meanImageMse, noisyMse, test } = await trainAutoencoder({
    ...small,
    noise: 0.3,
    seed: 0,
  });
  assert.ok(noisyMse !== null && noisyMse > 0.04 && noisyMse < 0.055, `noisy MSE ${noisyMse}`);
  assert.ok(noisyMse < meanImageMse);
  const denoised = epochs[epochs.length - 1].testMse;
  // Measured: about 0.021 (0.45 of the noisy input's error).
  assert.ok(denoised < 0.6 * noisyMse, `denoised MSE ${denoised} vs noisy input ${noisyMse}`);
  assert.notEqual(test.inputs, test.clean);
  test.inputs.dispose();
  test.clean.dispose();
});

Deno.test("training options are checked with messages that say what was wrong", async () => {
  await assert.rejects(trainAutoencoder({ epochs: 0 }), /epochs must be a positive integer/);
  await assert.rejects(trainAutoencoder({ noise: NaN }), /noise std must be a finite number/);
  await assert.rejects(
    // @ts-expect-error: a loss that does not exist
    trainAutoencoder({ loss: "l1" }),
    /loss must be "bce" or "mse", got "l1"/,
  );
});

Deno.test("image rows: one labelled strip per row, pixels in place, mismatched rows refused", async () => {
  // Two rows of 28×28 images: three black, then two white; scale 2, padding 2.
  const black = F.mul(ones([3, 1, 28, 28]), 0);
  const white = ones([2, 28, 28]);
  const rows = [{ label: "original", images: black }, { label: "out", images: white }];
  const svg = await imageRowsSvg(rows, { title: "t" });
  assert.equal(svg.match(/<image /g)?.length, 2);
  assert.equal(svg.match(/<text /g)?.length, 3);
  const dir = await Deno.makeTempDir();
  try {
    const png = decode(await plotImageRows(rows, `${dir}/rows.png`) as Uint8Array);
    const strip = 28 * 2 + 2 * 2;
    const left = png.width - (3 * 56 + 4 * 2); // the longest strip ends at the right edge
    assert.equal(png.height, 2 * strip);
    const grey = (x: number, y: number) => png.data[(y * png.width + x) * png.channels];
    assert.equal(grey(left + 2 + 30, 2 + 30), 0, "row 1, image 1 is black");
    assert.equal(grey(left + 2 + 2 * 58 + 30, 2 + 30), 0, "row 1, image 3 is black");
    assert.equal(grey(left + 2 + 58 + 30, strip + 2 + 30), 255, "row 2, image 2 is white");
    assert.equal(grey(left + 2 + 2 * 58 + 30, strip + 2 + 30), 255, "row 2 has no image 3");
    assert.ok(
      [...Array(left).keys()].some((x) => grey(x, strip / 2) < 128),
      "the label is drawn left of row 1",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(
    imageRowsSvg([rows[0], { label: "small", images: ones([2, 14, 14]) }]),
    /row "small" has 14×14 images but row "original" has 28×28/,
  );
  await assert.rejects(imageRowsSvg([]), /at least one row/);
});
