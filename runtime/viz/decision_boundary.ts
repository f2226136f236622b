/**
 * The decision regions of a 2-D classifier over its data points: the plane is coloured by the
 * predicted class (paler where the model is less sure, darker on the boundary), evaluated on a grid
 * in one batched forward pass and embedded as a PNG; the points are drawn on top as circles.
 */
import type { Tensor } from "../tensor.ts";
import { tensor } from "../ops/creation.ts";
import { sigmoid, softmax } from "../ops/activation.ts";
import { formatShape } from "../shape.ts";
import { type Classifier, runClassifier } from "./classifier.ts";
import { base64, element, svgDocument } from "./svg.ts";
import { extent, linearScale } from "./scale.ts";
import { colorOf, rgbOf } from "./palette.ts";
import { axes, type AxisLabels, type Box, legend } from "./axes.ts";
import { encodePng } from "./png.ts";
import { type PicturePath, writePicture } from "./output.ts";
import type { RasterOptions } from "./raster.ts";

/** Options of the decision-boundary plot. */
export interface DecisionBoundaryOptions extends AxisLabels, RasterOptions {
  /** Grid cells per side (default 160). */
  resolution?: number;
  /** Space around the points, as a fraction of their range (default 0.1). */
  margin?: number;
  /** Pixels (default 520 × 480). */
  width?: number;
  height?: number;
  /** Binary outputs ([M] or [M, 1]) are logits; default: when any output lies outside [0, 1]. */
  fromLogits?: boolean;
  /** Legend names of the classes (default "class 0", ...). */
  classNames?: readonly string[];
}

/** Class probabilities [M, C] of the grid points, copied out once. */
function probabilities(
  model: Classifier,
  grid: Tensor,
  fromLogits: boolean | undefined,
): { values: Float32Array; classes: number } {
  return runClassifier(model, grid, (output) => {
    const rows = grid.shape[0];
    if (output.ndim === 2 && output.shape[0] === rows && output.shape[1] >= 2) {
      return { values: softmax(output, 1).data() as Float32Array, classes: output.shape[1] };
    }
    if (output.size === rows && (output.ndim === 1 || output.ndim === 2)) {
      const raw = output.data() as Float32Array;
      const logits = fromLogits ?? raw.some((v) => v < 0 || v > 1);
      const p = logits ? sigmoid(output).data() as Float32Array : raw;
      const values = new Float32Array(rows * 2);
      p.forEach((q, i) => {
        values[2 * i] = 1 - q;
        values[2 * i + 1] = q;
      });
      return { values, classes: 2 };
    }
    throw new Error(
      `plotDecisionBoundary: for ${rows} grid points the model returned ${
        formatShape(output.shape)
      }; ` +
        `expected class scores [${rows}, C] or binary scores [${rows}] / [${rows}, 1]`,
    );
  });
}

function regionPixels(values: Float32Array, classes: number, resolution: number): Uint8Array {
  const cells = resolution * resolution;
  const predicted = new Int32Array(cells);
  const confidence = new Float32Array(cells);
  for (let i = 0; i < cells; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (values[i * classes + c] > values[i * classes + best]) best = c;
    }
    predicted[i] = best;
    confidence[i] = values[i * classes + best];
  }
  const pixels = new Uint8Array(cells * 3);
  const chance = 1 / classes;
  for (let i = 0; i < cells; i++) {
    const row = Math.floor(i / resolution), column = i % resolution;
    const sure = Math.min(1, Math.max(0, (confidence[i] - chance) / (1 - chance)));
    let mix = 0.15 + 0.45 * sure;
    let rgb = rgbOf(colorOf(predicted[i]));
    const edge = (column + 1 < resolution && predicted[i + 1] !== predicted[i]) ||
      (row + 1 < resolution && predicted[i + resolution] !== predicted[i]);
    if (edge) {
      rgb = [60, 60, 60];
      mix = 0.7;
    }
    for (let k = 0; k < 3; k++) pixels[i * 3 + k] = Math.round(255 * (1 - mix) + rgb[k] * mix);
  }
  return pixels;
}

function readPoints(points: Tensor, labels: Tensor): { xy: Float32Array; classOf: number[] } {
  if (points.ndim !== 2 || points.shape[1] !== 2 || points.dtype !== "float32") {
    throw new Error(
      `plotDecisionBoundary: points must be float32 [N, 2], got ${
        formatShape(points.shape)
      } (${points.dtype})`,
    );
  }
  if (labels.size !== points.shape[0]) {
    throw new Error(
      `plotDecisionBoundary: ${points.shape[0]} points but ${labels.size} labels ` +
        `(shape ${formatShape(labels.shape)}); give one class per point`,
    );
  }
  const classOf = Array.from(labels.data(), (v) => Math.round(v));
  return { xy: points.data() as Float32Array, classOf };
}

/**
 * The decision regions of `model` over `points` [N, 2] coloured by `labels` [N], as an SVG document.
 * The model may return class scores [M, C] or one binary score per point.
 * @example
 * const svg = decisionBoundaryChart(model, points, labels, { title: "two moons" });
 */
export function decisionBoundaryChart(
  model: Classifier,
  points: Tensor,
  labels: Tensor,
  options: DecisionBoundaryOptions = {},
): string {
  const { xy, classOf } = readPoints(points, labels);
  const width = options.width ?? 520, height = options.height ?? 480;
  const resolution = options.resolution ?? 160;
  if (!Number.isInteger(resolution) || resolution < 2 || resolution > 1024) {
    throw new RangeError(
      `plotDecisionBoundary: resolution must be an integer in [2, 1024], got ${resolution}`,
    );
  }
  const margin = options.margin ?? 0.1;
  const widen = (
    [low, high]: [number, number],
  ): [number, number] => [low - margin * (high - low), high + margin * (high - low)];
  const box: Box = {
    left: options.yLabel ? 66 : 52,
    top: options.title ? 34 : 14,
    right: width - 14,
    bottom: height - (options.xLabel ? 46 : 30),
  };
  const x = linearScale(widen(extent(xy.filter((_, i) => i % 2 === 0))), [box.left, box.right]);
  const y = linearScale(widen(extent(xy.filter((_, i) => i % 2 === 1))), [box.bottom, box.top]);
  const [x0, x1] = [x.ticks[0], x.ticks.at(-1)!], [y0, y1] = [y.ticks[0], y.ticks.at(-1)!];

  // Row 0 of the image is the top of the plot (largest y).
  const gridValues = new Float32Array(resolution * resolution * 2);
  for (let row = 0; row < resolution; row++) {
    for (let column = 0; column < resolution; column++) {
      const i = row * resolution + column;
      gridValues[2 * i] = x0 + ((column + 0.5) / resolution) * (x1 - x0);
      gridValues[2 * i + 1] = y1 - ((row + 0.5) / resolution) * (y1 - y0);
    }
  }
  const grid = tensor(gridValues, { shape: [resolution * resolution, 2] });
  let predicted: { values: Float32Array; classes: number };
  try {
    predicted = probabilities(model, grid, options.fromLogits);
  } finally {
    grid.dispose();
  }
  const png = encodePng(
    regionPixels(predicted.values, predicted.classes, resolution),
    resolution,
    resolution,
    3,
  );

  const classes = classOf.reduce((most, c) => Math.max(most, c + 1), predicted.classes);
  const parts = [
    element("image", {
      x: box.left,
      y: box.top,
      width: box.right - box.left,
      height: box.bottom - box.top,
      preserveAspectRatio: "none",
      "xlink:href": `data:image/png;base64,${base64(png)}`,
    }),
    ...axes(box, x, y, options, width),
  ];
  const circles = classOf.map((c, i) =>
    element("circle", {
      class: "point",
      cx: x(xy[2 * i]),
      cy: y(xy[2 * i + 1]),
      r: 4,
      fill: colorOf(c),
      stroke: "#ffffff",
      "stroke-width": 1,
    })
  );
  parts.push(element("g", { class: "points" }, circles));
  const names = Array.from({ length: classes }, (_, c) => options.classNames?.[c] ?? `class ${c}`);
  parts.push(legend(box, names.map((name, c) => ({ name, color: colorOf(c), dot: true }))));
  return svgDocument(width, height, parts);
}

/**
 * Writes the decision regions of a 2-D classifier with its points to `path` (.svg or .png).
 * @example
 * await plotDecisionBoundary(model, points, labels, "out/boundary.png", { title: "blobs" });
 */
export function plotDecisionBoundary(
  model: Classifier,
  points: Tensor,
  labels: Tensor,
  path: `${string}.png`,
  options?: DecisionBoundaryOptions,
): Promise<Uint8Array>;
export function plotDecisionBoundary(
  model: Classifier,
  points: Tensor,
  labels: Tensor,
  path: `${string}.svg`,
  options?: DecisionBoundaryOptions,
): Promise<string>;
export function plotDecisionBoundary(
  model: Classifier,
  points: Tensor,
  labels: Tensor,
  path: PicturePath,
  options?: DecisionBoundaryOptions,
): Promise<string | Uint8Array>;
export function plotDecisionBoundary(
  model: Classifier,
  points: Tensor,
  labels: Tensor,
  path: PicturePath,
  options: DecisionBoundaryOptions = {},
): Promise<string | Uint8Array> {
  return writePicture(
    "plotDecisionBoundary",
    decisionBoundaryChart(model, points, labels, options),
    path,
    options,
  );
}
