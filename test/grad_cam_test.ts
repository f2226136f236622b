/** Grad-CAM: hand-derived heatmaps, finite differences of the class score, hooks and `.grad`. */
import assert from "node:assert/strict";
import { manualSeed, nn, noGrad, randn, type Tensor, tensor, viz } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

/**
 * Conv 2×2 stride 2 (channel 0: block mean of x; channel 1: 1 − block mean), global average
 * pooling and Linear(2 → 3) with rows [2, 1], [0, 1], [−1, 0] and no bias.
 */
function handModel(): nn.Sequential {
  const model = new nn.Sequential(
    new nn.Conv2d(1, 2, 2, { stride: 2 }),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(2, 3),
  );
  model.loadStateDict({
    "0.weight": tensor([[[[0.25, 0.25], [0.25, 0.25]]], [[[-0.25, -0.25], [-0.25, -0.25]]]]),
    "0.bias": tensor([0, 1]),
    "3.weight": tensor([[2, 1], [0, 1], [-1, 0]]),
    "3.bias": tensor([0, 0, 0]),
  });
  return model.eval();
}

// Block means m = [[0, 1], [2, 3]], so A0 = m and A1 = 1 − m = [[1, 0], [−1, −2]].
const digit = [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]];

function hooksOf(module: nn.Module): unknown[] {
  // The hook list is private; reading it is the direct way to see that Grad-CAM removed its hook.
  return Reflect.get(module, "hooks") as unknown[];
}

Deno.test("gradCam matches the hand-derived maps of a conv + global pooling + linear model", () => {
  const model = handModel();
  const images = tensor([digit, digit, digit]).view([3, 1, 4, 4]);
  const result = nn.gradCam(model, "0", images, { classes: [0, 1, 2] });
  // GAP over 4 positions then Linear: ∂y_c/∂A_k = W[c, k]/4 everywhere, so α = W/4.
  assertClose(result.weights, [[0.5, 0.25], [0, 0.25], [-0.25, 0]]);
  // Class 0: 0.5·m + 0.25·(1 − m) = 0.25·m + 0.25. Class 1: ReLU(0.25·(1 − m)). Class 2:
  // ReLU(−0.25·m) = 0.
  assertClose(result.cam, [[[0.25, 0.5], [0.75, 1]], [[0.25, 0], [0, 0]], [[0, 0], [0, 0]]]);
  // Bilinear 2 → 4 (align_corners false): output rows/columns take [1, 0], [¾, ¼], [¼, ¾], [0, 1]
  // of the two source pixels; then divided by the map's maximum (1 for class 0, ¼ for class 1).
  const class0 = [
    [0.25, 0.3125, 0.4375, 0.5],
    [0.375, 0.4375, 0.5625, 0.625],
    [0.625, 0.6875, 0.8125, 0.875],
    [0.75, 0.8125, 0.9375, 1],
  ];
  const class1 = [
    [1, 0.75, 0.25, 0],
    [0.75, 0.5625, 0.1875, 0],
    [0.25, 0.1875, 0.0625, 0],
    [0, 0, 0, 0],
  ];
  const class2 = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
  assertClose(result.heatmap, [class0, class1, class2]);
  assert.deepEqual([...result.classes], [0, 1, 2]);
  assert.deepEqual(result.activations.shape, [3, 2, 2, 2]);
});

Deno.test("gradCam explains the predicted class by default", () => {
  // For x: y0 = 2·mean(m) + mean(1 − m) = 2·1.5 − 0.5 = 2.5, y1 = −0.5, y2 = −mean(m) = −1.5.
  const model = handModel();
  const images = tensor([digit, digit.map((row) => row.map((v) => -v))]).view([2, 1, 4, 4]);
  const result = nn.gradCam(model, model.layers[0], images);
  // For −x: A0 = −m (mean −1.5), A1 = 1 + m (mean 2.5), so y = [−0.5, 2.5, 1.5].
  assert.deepEqual([...result.classes], [0, 1]);
  assertClose(result.logits, [[2.5, -0.5, -1.5], [-0.5, 2.5, 1.5]]);
});

/** conv → ReLU (the target) → conv → ReLU → global pooling → linear, seeded. */
function randomModel(): nn.Sequential {
  manualSeed(7);
  return new nn.Sequential(
    new nn.Conv2d(1, 3, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(3, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(4, 5),
  ).eval();
}

Deno.test("gradCam's gradients match finite differences of the class score in the activations", () => {
  const model = randomModel();
  const images = randn([2, 1, 6, 6]);
  const classes = [3, 1];
  const result = nn.gradCam(model, "1", images, { classes });
  const downstream = new nn.Sequential(...model.layers.slice(2));
  const activations = result.activations.data() as Float32Array;
  const [n, c, h, w] = result.activations.shape;
  const perImage = c * h * w;
  const score = (values: Float32Array, i: number) =>
    noGrad(() =>
      downstream.call(tensor(values, { shape: [n, c, h, w] })).data()[i * 5 + classes[i]]
    );
  const step = 1e-2;
  const numeric = new Float32Array(activations.length);
  for (let k = 0; k < activations.length; k++) {
    const image = Math.floor(k / perImage);
    const plus = activations.slice(), minus = activations.slice();
    plus[k] += step;
    minus[k] -= step;
    numeric[k] = (score(plus, image) - score(minus, image)) / (2 * step);
  }
  // The downstream is piecewise linear: central differences are exact up to float32 rounding of
  // scores of size ~1 (1e-7/1e-2 = 1e-5), unless a ReLU kink lies within the step.
  assertClose(result.gradients, numeric, { atol: 1e-3, rtol: 1e-2 });
  // α and the map recomputed from the numeric gradients.
  const weights: number[] = [], cam: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let total = 0;
      for (let p = 0; p < h * w; p++) total += numeric[i * perImage + k * h * w + p];
      weights.push(total / (h * w));
    }
    for (let p = 0; p < h * w; p++) {
      let value = 0;
      for (let k = 0; k < c; k++) {
        value += weights[i * c + k] * activations[i * perImage + k * h * w + p];
      }
      cam.push(Math.max(0, value));
    }
  }
  assertClose(result.weights, weights, { atol: 1e-3, rtol: 1e-2 });
  assertClose(result.cam, cam, { atol: 1e-3, rtol: 1e-2 });
  // Same size as the input: upsampling is the identity, so the heatmap is cam / max per image.
  const heat = result.heatmap.data();
  for (let i = 0; i < n; i++) {
    const slice = cam.slice(i * h * w, (i + 1) * h * w);
    const peak = Math.max(...slice);
    assertClose(heat.subarray(i * h * w, (i + 1) * h * w), slice.map((v) => v / peak), {
      atol: 2e-3,
    });
    assert.ok(Math.abs(Math.max(...heat.subarray(i * h * w, (i + 1) * h * w)) - 1) < 1e-6);
  }
});

Deno.test("gradCam removes its hook and leaves every parameter's .grad as it was", () => {
  const model = randomModel();
  const layer = model.layers[1];
  const before = hooksOf(layer).length;
  const weight = model.layers[0] as nn.Conv2d;
  weight.weight.grad = tensor(new Float32Array(weight.weight.size).fill(0.5), {
    shape: weight.weight.shape,
  });
  nn.gradCam(model, layer, randn([2, 1, 6, 6]));
  assert.equal(hooksOf(layer).length, before);
  assert.ok(model.parameters().every((p) => p === weight.weight || p.grad === null));
  assertClose(weight.weight.grad!, new Float32Array(weight.weight.size).fill(0.5));
  // On error (a layer without spatial output) the hook goes too.
  const flatten = model.layers[5];
  assert.throws(() => nn.gradCam(model, flatten, randn([1, 1, 6, 6])), /\[1, C, h, w\]/);
  assert.equal(hooksOf(flatten).length, 0);
});

Deno.test("gradCam works on a frozen model, and the frozen model records no graph afterwards", () => {
  const model = randomModel();
  for (const p of model.parameters()) p.setRequiresGrad(false);
  const images = randn([1, 1, 6, 6]);
  const frozen = nn.gradCam(model, "3", images);
  for (const p of model.parameters()) p.setRequiresGrad(true);
  const live = nn.gradCam(model, "3", images);
  assertClose(frozen.heatmap, live.heatmap, { atol: 1e-6 });
  for (const p of model.parameters()) p.setRequiresGrad(false);
  // A leftover hook would still mark the layer's output as requiring grad.
  const logits: Tensor = model.call(images);
  assert.equal(logits.requiresGrad, false);
});

Deno.test("gradCam errors name what is wrong", () => {
  const model = randomModel();
  const images = randn([2, 1, 6, 6]);
  assert.throws(() => nn.gradCam(model, "conv9", images), /no layer named "conv9".*"1" \(ReLU\)/);
  assert.throws(() => nn.gradCam(model, new nn.ReLU(), images), /not part of it/);
  assert.throws(() => nn.gradCam(model, "1", images, { classes: [0] }), /2 inputs but 1 classes/);
  assert.throws(() => nn.gradCam(model, "1", images, { classes: [0, 5] }), /class 5 \(input 1\)/);
  assert.throws(() => nn.gradCam(model, "1", randn([2, 36])), /expected images \[N, C, H, W\]/);
  const twice = new nn.ReLU();
  const shared = new nn.Sequential(new nn.Conv2d(1, 2, 3), twice, twice, new nn.Flatten());
  assert.throws(() => nn.gradCam(shared, twice, images), /ran 2 times/);
});

Deno.test("heatmap colours: colour-map anchors, and the overlay's blend of grey and colour", () => {
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  assertClose(viz.colormap(0), rgb("#440154"));
  assertClose(viz.colormap(1), rgb("#fde725"));
  assertClose(viz.colormap(2), rgb("#fde725")); // clamped
  // Jet's six anchors sit at 0, 0.2, ..., 1: 0.5 is halfway from cyan (0.4) to yellow (0.6).
  assertClose(viz.colormap(0.5, "jet"), [0.5, 1, 0.5]);
  // One image of two pixels, grey levels 0 and 2 (scaled to 0 and 1), heat 0 and 1.
  const images = tensor([[[[0, 2]]]]);
  const overlay = viz.overlayHeatmap(images, tensor([[[0, 1]]]), { alpha: 0.25 });
  assert.deepEqual(overlay.shape, [1, 3, 1, 2]);
  const [low, high] = [rgb("#440154"), rgb("#fde725")];
  assertClose(
    overlay,
    [0, 1, 2].flatMap((k) => [0.25 * low[k], 0.75 + 0.25 * high[k]]),
    { atol: 1e-6 },
  );
  assertClose(viz.colorizeHeatmap(tensor([[[1]]]), { colormap: "jet" }), rgb("#7f0000"));
  assert.throws(
    () => viz.overlayHeatmap(images, tensor([[[0, 1, 1]]])),
    /\[1, 1, 1, 2\] and the heatmaps \[1, 1, 3\] differ/,
  );
  assert.throws(() => viz.overlayHeatmap(images, tensor([[[0, 1]]]), { alpha: 2 }), /alpha/);
});
