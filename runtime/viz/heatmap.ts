/**
 * Heatmaps as colour images: a colour map from [0, 1] to RGB, heatmaps [N, H, W] coloured, and
 * coloured heatmaps blended over grey images (Grad-CAM pictures). The results are RGB image
 * tensors [N, 3, H, W] in [0, 1], ready for `plotImageGrid`.
 */
import type { Tensor } from "../tensor.ts";
import { tensor } from "../ops/creation.ts";
import { formatShape } from "../shape.ts";
import { rgbOf } from "./palette.ts";

/** The colour maps: "viridis" (perceptually even, readable by colour-blind people) and "jet". */
export type ColormapName = "viridis" | "jet";

// Evenly spaced anchors, linearly interpolated: matplotlib's viridis at 0, 1/8, ..., 1, and the
// classic jet (dark blue, blue, cyan, yellow, red, dark red).
const ANCHORS: Record<ColormapName, string[]> = {
  viridis: [
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#fde725",
  ],
  jet: ["#00007f", "#0000ff", "#00ffff", "#ffff00", "#ff0000", "#7f0000"],
};

/**
 * The colour of `value` (clamped to [0, 1]) as [r, g, b] in [0, 1].
 * @example colormap(1, "viridis") // ≈ [0.99, 0.91, 0.15], yellow
 */
export function colormap(value: number, name: ColormapName = "viridis"): [number, number, number] {
  const anchors = ANCHORS[name];
  if (anchors === undefined) {
    throw new Error(
      `colormap: unknown colour map "${name}"; use one of ${Object.keys(ANCHORS).join(", ")}`,
    );
  }
  const position = (Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value))) *
    (anchors.length - 1);
  const low = Math.min(Math.floor(position), anchors.length - 2);
  const fraction = position - low;
  const a = rgbOf(anchors[low]), b = rgbOf(anchors[low + 1]);
  return [0, 1, 2].map((k) => (a[k] + (b[k] - a[k]) * fraction) / 255) as [
    number,
    number,
    number,
  ];
}

/** Options of coloured heatmaps. */
export interface HeatmapOptions {
  /** The colour map (default "viridis"). */
  colormap?: ColormapName;
}

/** Options of heatmaps over images. */
export interface HeatmapOverlayOptions extends HeatmapOptions {
  /** Weight of the heatmap's colour against the grey image, in [0, 1] (default 0.5). */
  alpha?: number;
}

/** [N, H, W] or [N, 1, H, W] → its size [N, H, W], or an error naming `what`. */
function mapShape(owner: string, what: string, t: Tensor): [number, number, number] {
  const ok = t.dtype === "float32" &&
    (t.ndim === 3 || (t.ndim === 4 && t.shape[1] === 1)) && t.size > 0;
  if (!ok) {
    throw new Error(
      `${owner}: expected ${what} as float32 [N, H, W] or [N, 1, H, W], got ` +
        `${formatShape(t.shape)} (${t.dtype})`,
    );
  }
  const [n, h, w] = [t.shape[0], ...t.shape.slice(-2)];
  return [n, h, w];
}

/** RGB planes [N, 3, H, W] from a per-pixel colour function of image i and pixel p. */
function rgbImages(
  [n, h, w]: [number, number, number],
  colorOf: (i: number, p: number) => readonly number[],
): Tensor {
  const plane = h * w;
  const out = new Float32Array(n * 3 * plane);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < plane; p++) {
      const rgb = colorOf(i, p);
      for (let k = 0; k < 3; k++) out[(i * 3 + k) * plane + p] = rgb[k];
    }
  }
  return tensor(out, { shape: [n, 3, h, w] });
}

/**
 * Heatmaps with values in [0, 1] ([N, H, W] or [N, 1, H, W]) as RGB images [N, 3, H, W].
 * @example await plotImageGrid(colorizeHeatmap(result.heatmap), "out/heat.png", { range: [0, 1] });
 */
export function colorizeHeatmap(heat: Tensor, options: HeatmapOptions = {}): Tensor {
  const shape = mapShape("colorizeHeatmap", "heatmaps", heat);
  const values = heat.data();
  return rgbImages(
    shape,
    (i, p) => colormap(values[i * shape[1] * shape[2] + p], options.colormap),
  );
}

/**
 * Heatmaps in [0, 1] blended over grey images of the same size: each image is scaled to [0, 1]
 * by its own minimum and maximum (so normalised inputs need no undoing), then
 * pixel = (1 − alpha)·grey + alpha·colour(heat). Returns RGB images [N, 3, H, W] in [0, 1].
 * @example
 * const { heatmap } = nn.gradCam(model, "4", images);
 * await viz.plotImageGrid(viz.overlayHeatmap(images, heatmap), "out/cam.png", { range: [0, 1] });
 */
export function overlayHeatmap(
  images: Tensor,
  heat: Tensor,
  options: HeatmapOverlayOptions = {},
): Tensor {
  const shape = mapShape("overlayHeatmap", "grey images", images);
  const heatShape = mapShape("overlayHeatmap", "heatmaps", heat);
  if (heatShape.some((d, k) => d !== shape[k])) {
    throw new Error(
      `overlayHeatmap: the images ${formatShape(images.shape)} and the heatmaps ` +
        `${formatShape(heat.shape)} differ in count or size`,
    );
  }
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`overlayHeatmap: alpha must be in [0, 1], got ${alpha}`);
  }
  const plane = shape[1] * shape[2];
  const grey = images.data(), values = heat.data();
  const ranges = Array.from({ length: shape[0] }, (_, i) => {
    const pixels = grey.subarray(i * plane, (i + 1) * plane);
    let low = Infinity, high = -Infinity;
    for (const v of pixels) [low, high] = [Math.min(low, v), Math.max(high, v)];
    return [low, high > low ? high - low : 1];
  });
  return rgbImages(shape, (i, p) => {
    const level = (grey[i * plane + p] - ranges[i][0]) / ranges[i][1];
    const color = colormap(values[i * plane + p], options.colormap);
    return color.map((c) => (1 - alpha) * level + alpha * c);
  });
}
