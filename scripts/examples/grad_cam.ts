/**
 * `deno task grad-cam`: what the MNIST CNN looks at. Loads `models/mnist-cnn` (training and saving
 * it first, as `deno task mnist-cnn` does, when it is missing), prints its summary (layers, output
 * shapes, parameters, FLOPs per sample) with a key to the table, and draws Grad-CAM heatmaps of
 * the last convolution's activations (the ReLU after it, layer "4", 64×14×14) for 16 test digits:
 * `out/grad-cam/grad_cam.png`, each digit as the grey image, the heatmap of its predicted class
 * and the two blended, misclassified digits captioned in red.
 *
 * It also checks that the maps point at what the network uses, on the first 1,000 test digits:
 * the share of heat that falls on inked pixels against the share of the image they cover, and the
 * accuracy after erasing the quarter of each digit's inked pixels that Grad-CAM rates hottest,
 * against erasing as many inked pixels at random, or the coldest quarter.
 *
 * Usage: `deno task grad-cam [--layer NAME] [--model DIR] [--out DIR] [--check N]`.
 */
import { parseArgs } from "node:util";
import { data, F, load, nn, scope, type Tensor, tensor, viz } from "../../runtime/mod.ts";
import { trainAndSaveMnistCnn } from "./mnist_cnn.ts";
import { predict } from "./mnist_fit.ts";
import { mulberry32 } from "../../runtime/seeded_uniform.ts";
import { exampleArgs } from "./live_flag.ts";

/** The normalised value of an empty (black) MNIST pixel. */
const BACKGROUND = -data.MNIST_MEAN / data.MNIST_STD;
/** A pixel counts as inked when its raw intensity is above this (in [0, 1]). */
const INK_LEVEL = 0.25;

/** The mnist-cnn model from `dir`; trained (3 epochs, about 6 minutes) and saved there if missing. */
export async function loadOrTrainMnistCnn(dir: string): Promise<nn.Module> {
  try {
    await Deno.stat(`${dir}/config.json`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    await trainAndSaveMnistCnn(dir);
  }
  return (await load(dir)).model.eval();
}

/**
 * Indices of `count` test digits to show: up to `mistakes` misclassified ones, the rest correctly
 * classified ones taken round-robin over the classes (first of each class, then second, ...).
 */
export function pickDigits(
  predicted: Int32Array,
  truth: Int32Array,
  count = 16,
  mistakes = 4,
): number[] {
  const wrong = [...predicted.keys()].filter((i) => predicted[i] !== truth[i]).slice(0, mistakes);
  const byClass = Array.from(
    { length: 10 },
    (_, c) => [...truth.keys()].filter((i) => truth[i] === c && predicted[i] === c),
  );
  const right: number[] = [];
  for (let round = 0; right.length < count - wrong.length; round++) {
    for (const members of byClass) {
      if (round < members.length && right.length < count - wrong.length) {
        right.push(members[round]);
      }
    }
  }
  return [...right, ...wrong].sort((a, b) => truth[a] - truth[b] || a - b);
}

/** Grad-CAM heatmaps [N, 28, 28] of the predicted classes, a batch at a time. */
export function heatmaps(
  model: nn.Module,
  layer: string,
  images: Tensor,
  batchSize = 100,
): Float32Array {
  const n = images.shape[0];
  const [h, w] = images.shape.slice(2);
  const out = new Float32Array(n * h * w);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const heat = scope(() =>
      nn.gradCam(model, layer, F.narrow(images, 0, start, count)).heatmap.data()
    );
    out.set(heat, start * h * w);
  }
  return out;
}

/** Figures of how well the heatmaps point at what the network uses (see the file's comment). */
export interface Faithfulness {
  images: number;
  /** Images whose map is zero everywhere (no positive evidence at that layer). */
  emptyMaps: number;
  /** Mean over the other images of the heat on inked pixels divided by all the heat. */
  heatOnInk: number;
  /** Mean over images of the inked pixels' share of the image. */
  inkArea: number;
  /** Accuracy of the untouched images. */
  accuracy: number;
  /** Accuracy after erasing the hottest quarter of each image's inked pixels. */
  hottestErased: number;
  /** Accuracy after erasing the coldest quarter. */
  coldestErased: number;
  /** Accuracy after erasing as many inked pixels chosen at random. */
  randomErased: number;
}

/** Measures `Faithfulness` on images [N, 1, 28, 28] (normalised) with their labels. */
export function faithfulness(
  model: nn.Module,
  layer: string,
  images: Tensor,
  labels: Int32Array,
): Faithfulness {
  const n = images.shape[0], plane = images.size / n;
  const pixels = images.data() as Float32Array;
  const heat = heatmaps(model, layer, images);
  const [hottest, coldest, randomly] = [pixels.slice(), pixels.slice(), pixels.slice()];
  const next = mulberry32(0);
  let heatOnInk = 0, inkArea = 0, emptyMaps = 0;
  for (let i = 0; i < n; i++) {
    const offset = i * plane;
    const ink = [...Array(plane).keys()].filter((p) =>
      pixels[offset + p] * data.MNIST_STD + data.MNIST_MEAN > INK_LEVEL
    );
    let total = 0, onInk = 0;
    for (let p = 0; p < plane; p++) total += heat[offset + p];
    for (const p of ink) onInk += heat[offset + p];
    if (total > 0) heatOnInk += onInk / total;
    else emptyMaps++;
    inkArea += ink.length / plane;
    // Shuffled first, so that pixels of equal heat (often 0) are taken in random order, not
    // top to bottom (erasing a whole stroke hurts more than scattered pixels).
    for (let k = ink.length - 1; k > 0; k--) {
      const j = Math.floor(next() * (k + 1));
      [ink[k], ink[j]] = [ink[j], ink[k]];
    }
    const erase = Math.round(ink.length / 4);
    const byHeat = [...ink].sort((a, b) => heat[offset + b] - heat[offset + a]);
    for (const p of byHeat.slice(0, erase)) hottest[offset + p] = BACKGROUND;
    for (const p of byHeat.slice(ink.length - erase)) coldest[offset + p] = BACKGROUND;
    for (const p of ink.slice(0, erase)) randomly[offset + p] = BACKGROUND;
  }
  const accuracyOf = (values: Float32Array) => {
    const predicted = predict(model, tensor(values, { shape: images.shape }));
    return predicted.filter((c, i) => c === labels[i]).length / n;
  };
  return {
    images: n,
    emptyMaps,
    heatOnInk: emptyMaps < n ? heatOnInk / (n - emptyMaps) : 0,
    inkArea: inkArea / n,
    accuracy: accuracyOf(pixels),
    hottestErased: accuracyOf(hottest),
    coldestErased: accuracyOf(coldest),
    randomErased: accuracyOf(randomly),
  };
}

/** What each line of the summary table means (printed under it). */
export const SUMMARY_KEY = `How to read the summary:
  Layer (type)   each leaf module, named by its path in the model ("3" is the fourth layer of
                 the Sequential) and its class
  Output shape   what the layer gives for a batch of N images of [1, 28, 28]
  Params         weights and biases the layer owns: Conv2d out·in·kH·kW + out, Linear out·in + out
  FLOPs          floating-point operations for one image, a multiply-add counting 2: Conv2d
                 2·out·H·W·in·kH·kW, Linear 2·in·out; ReLU 1 per output element, max-pooling
                 one compare per window element (4 per output), Flatten nothing
  Parameter memory is 4 bytes per float32 parameter; FLOPs per sample is the sum of the column.`;

/** Draws the grid: per digit the grey image, its heatmap, and the two blended. */
export async function plotGradCams(
  model: nn.Module,
  layer: string,
  test: data.MnistSplit,
  chosen: number[],
  predicted: Int32Array,
  path: `${string}.png`,
): Promise<void> {
  const truth = test.labels.data();
  const tiles = scope(() => {
    const index = tensor(Int32Array.from(chosen), { dtype: "int32" });
    const images = F.indexSelect(test.images, 0, index);
    const { heatmap } = nn.gradCam(model, layer, images);
    const grey = viz.overlayHeatmap(images, heatmap, { alpha: 0 });
    const colour = viz.colorizeHeatmap(heatmap, { colormap: "jet" });
    const blend = viz.overlayHeatmap(images, heatmap, { alpha: 0.5, colormap: "jet" });
    const [n, , h, w] = grey.shape;
    return F.reshape(F.stack([grey, colour, blend], 1), [3 * n, 3, h, w]);
  });
  const labels = chosen.flatMap((i) => {
    const wrong = predicted[i] !== truth[i];
    const color = wrong ? "#c00000" : "#222222";
    return [
      { text: `digit ${truth[i]}` },
      { text: `CAM of ${predicted[i]}`, color },
      { text: wrong ? `says ${predicted[i]}!` : `says ${predicted[i]}`, color },
    ];
  });
  await viz.plotImageGrid(tiles, path, { columns: 12, scale: 3, range: [0, 1], labels });
  tiles.dispose();
}

/** Everything the task does; returns the figures it printed. */
export async function runGradCam({
  modelDir = "models/mnist-cnn",
  layer = "4",
  outDir = "out/grad-cam",
  check = 1000,
}: { modelDir?: string; layer?: string; outDir?: string; check?: number } = {}): Promise<
  { summary: nn.ModelSummary; faithfulness: Faithfulness; mistakesShown: number }
> {
  if (!Number.isInteger(check) || check < 1 || check > 10_000) {
    throw new RangeError(`grad-cam: --check must be an integer in 1..10000, got ${check}`);
  }
  const model = await loadOrTrainMnistCnn(modelDir);
  const summary = nn.summary(model, [1, 28, 28]);
  console.log(summary.toString());
  console.log(SUMMARY_KEY);
  const test = await data.mnistSplit("test", { normalize: true });
  const truth = test.labels.data() as Int32Array;
  const predicted = predict(model, test.images);
  const chosen = pickDigits(predicted, truth);
  await plotGradCams(model, layer, test, chosen, predicted, `${outDir}/grad_cam.png`);
  const mistakesShown = chosen.filter((i) => predicted[i] !== truth[i]).length;
  console.log(
    `\nwrote ${outDir}/grad_cam.png: ${chosen.length} test digits (${mistakesShown} ` +
      `misclassified), Grad-CAM of layer "${layer}" for the predicted class`,
  );
  const figures = scope(() =>
    faithfulness(
      model,
      layer,
      F.narrow(test.images, 0, 0, check),
      truth.subarray(0, check),
    )
  );
  const percent = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(
    `On the first ${figures.images} test digits (${figures.emptyMaps} with an empty map): ` +
      `${percent(figures.heatOnInk)} of the heat lies on inked pixels, which cover ` +
      `${percent(figures.inkArea)} of the image.\n` +
      `Erasing a quarter of each digit's ink: accuracy ${percent(figures.accuracy)} → ` +
      `${percent(figures.hottestErased)} when Grad-CAM's hottest pixels go, ` +
      `${percent(figures.randomErased)} when random ones go, ${percent(figures.coldestErased)} ` +
      "when the coldest go.",
  );
  return { summary, faithfulness: figures, mistakesShown };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: exampleArgs(),
    options: {
      layer: { type: "string", default: "4" },
      model: { type: "string", default: "models/mnist-cnn" },
      out: { type: "string", default: "out/grad-cam" },
      check: { type: "string", default: "1000" },
    },
  });
  await runGradCam({
    modelDir: values.model,
    layer: values.layer,
    outDir: values.out,
    check: Number(values.check),
  });
}
