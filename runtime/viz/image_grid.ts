/**
 * Image grids as PNG: a batch of images [N, H, W], [N, 1, H, W] or [N, 3, H, W] (e.g. generated
 * samples or misclassified digits) tiled in rows, scaled up by whole pixels, optionally with a
 * caption under each (drawn through SVG and resvg).
 */
import type { Tensor } from "../tensor.ts";
import { formatShape } from "../shape.ts";
import { encodePng } from "./png.ts";
import { base64, element, escapeXml, svgDocument, textWidth } from "./svg.ts";
import { svgToPng } from "./raster.ts";
import { type PicturePath, writeFileCreatingFolder } from "./output.ts";

/** A caption under an image, optionally coloured (e.g. red for a wrong prediction). */
export interface ImageLabel {
  text: string;
  color?: string;
}

/** Options of image grids. */
export interface ImageGridOptions {
  /** Images per row (default ⌈√N⌉). */
  columns?: number;
  /** Each image pixel becomes scale × scale pixels (default 2). */
  scale?: number;
  /** Pixels between images (default 2). */
  padding?: number;
  /**
   * Values shown as black and white. "auto" (default): [0, 1] when the values lie there, [−1, 1]
   * when they lie there (tanh outputs), else their minimum and maximum.
   */
  range?: readonly [number, number] | "auto";
  /** One caption per image. */
  labels?: readonly (string | ImageLabel)[];
  /** Font files for captions (see svgToPng). */
  fontFiles?: readonly string[];
}

interface Layout {
  count: number;
  channels: 1 | 3;
  height: number;
  width: number;
  columns: number;
  rows: number;
  scale: number;
  padding: number;
  captionHeight: number;
  gridWidth: number;
  gridHeight: number;
}

function layoutOf(images: Tensor, options: ImageGridOptions): Layout {
  const shape = images.shape;
  const ok = images.dtype === "float32" &&
    (shape.length === 3 || (shape.length === 4 && (shape[1] === 1 || shape[1] === 3)));
  if (!ok || images.size === 0) {
    throw new Error(
      `imageGrid: expected float32 images [N, H, W], [N, 1, H, W] or [N, 3, H, W], got ` +
        `${formatShape(shape)} (${images.dtype})`,
    );
  }
  const count = shape[0];
  const channels = shape.length === 4 ? (shape[1] as 1 | 3) : 1;
  const [height, width] = shape.slice(-2);
  const columns = options.columns ?? Math.ceil(Math.sqrt(count));
  const scale = options.scale ?? 2;
  const padding = options.padding ?? 2;
  for (
    const [name, value, least] of [["columns", columns, 1], ["scale", scale, 1], [
      "padding",
      padding,
      0,
    ]] as const
  ) {
    if (!Number.isInteger(value) || value < least) {
      throw new RangeError(`imageGrid: ${name} must be an integer ≥ ${least}, got ${value}`);
    }
  }
  if (options.labels !== undefined && options.labels.length !== count) {
    throw new Error(`imageGrid: ${count} images but ${options.labels.length} labels`);
  }
  const rows = Math.ceil(count / columns);
  const captionHeight = options.labels ? 16 : 0;
  return {
    count,
    channels,
    height,
    width,
    columns,
    rows,
    scale,
    padding,
    captionHeight,
    gridWidth: columns * width * scale + (columns + 1) * padding,
    gridHeight: rows * (height * scale + captionHeight) + (rows + 1) * padding,
  };
}

function valueRange(values: Float32Array, range: ImageGridOptions["range"]): [number, number] {
  if (range !== undefined && range !== "auto") return [range[0], range[1]];
  let low = Infinity, high = -Infinity;
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (low >= 0 && high <= 1) return [0, 1];
  if (low >= -1 && high <= 1) return [-1, 1];
  return high > low ? [low, high] : [low - 1, high + 1];
}

/** Top-left pixel of image i. */
function origin(layout: Layout, i: number): [number, number] {
  const column = i % layout.columns, row = Math.floor(i / layout.columns);
  return [
    layout.padding + column * (layout.width * layout.scale + layout.padding),
    layout.padding + row * (layout.height * layout.scale + layout.captionHeight + layout.padding),
  ];
}

function gridPixels(images: Tensor, layout: Layout, options: ImageGridOptions): Uint8Array {
  const values = images.data() as Float32Array;
  const [low, high] = valueRange(values, options.range);
  const pixels = new Uint8Array(layout.gridWidth * layout.gridHeight * 3).fill(255);
  const { channels, height, width, scale } = layout;
  const plane = height * width;
  for (let i = 0; i < layout.count; i++) {
    const [left, top] = origin(layout, i);
    for (let r = 0; r < height * scale; r++) {
      const rowStart = ((top + r) * layout.gridWidth + left) * 3;
      const sourceRow = Math.floor(r / scale) * width;
      for (let c = 0; c < width * scale; c++) {
        const source = i * channels * plane + sourceRow + Math.floor(c / scale);
        for (let k = 0; k < 3; k++) {
          const v = values[source + (channels === 3 ? k * plane : 0)];
          const level = Math.round((255 * (v - low)) / (high - low));
          pixels[rowStart + c * 3 + k] = Number.isNaN(level)
            ? 255
            : Math.min(255, Math.max(0, level));
        }
      }
    }
  }
  return pixels;
}

/**
 * The grid as SVG: the tiled images as one embedded PNG, the captions as text.
 * @example await Deno.writeTextFile("out/samples.svg", imageGridSvg(samples, { columns: 8 }));
 */
export function imageGridSvg(images: Tensor, options: ImageGridOptions = {}): string {
  const layout = layoutOf(images, options);
  const png = encodePng(
    gridPixels(images, layout, options),
    layout.gridWidth,
    layout.gridHeight,
    3,
  );
  const parts = [element("image", {
    x: 0,
    y: 0,
    width: layout.gridWidth,
    height: layout.gridHeight,
    "xlink:href": `data:image/png;base64,${base64(png)}`,
  })];
  const labels = (options.labels ?? []).map((l) => (typeof l === "string" ? { text: l } : l));
  const longest = Math.max(1, ...labels.map((l) => l.text.length));
  const tileWidth = layout.width * layout.scale;
  const fontSize = Math.max(6, Math.min(11, tileWidth / (textWidth("x", 1) * longest)));
  labels.forEach((label, i) => {
    const [left, top] = origin(layout, i);
    parts.push(element("text", {
      x: left + tileWidth / 2,
      y: top + layout.height * layout.scale + 12,
      "text-anchor": "middle",
      "font-size": fontSize,
      fill: label.color ?? "#222222",
    }, escapeXml(label.text)));
  });
  return svgDocument(layout.gridWidth, layout.gridHeight, parts);
}

/**
 * The images tiled in a grid, as PNG bytes (pixel-exact without captions).
 * @example
 * const png = await imageGrid(generator.call(noise), { columns: 8 });          // DCGAN samples
 * const labels = wrong.map((w) => ({ text: `${w.predicted}≠${w.actual}`, color: "#c00" }));
 * await imageGrid(wrongImages, { labels });
 */
export async function imageGrid(
  images: Tensor,
  options: ImageGridOptions = {},
): Promise<Uint8Array> {
  if (options.labels !== undefined) {
    return await svgToPng(imageGridSvg(images, options), {
      scale: 1,
      fontFiles: options.fontFiles,
    });
  }
  const layout = layoutOf(images, options);
  return encodePng(gridPixels(images, layout, options), layout.gridWidth, layout.gridHeight, 3);
}

/**
 * Writes an image grid to `path` (.png, or .svg with the images embedded) and returns what it wrote.
 * @example await plotImageGrid(samples, `out/samples-epoch-${epoch}.png`, { columns: 8, range: [-1, 1] });
 */
export function plotImageGrid(
  images: Tensor,
  path: `${string}.png`,
  options?: ImageGridOptions,
): Promise<Uint8Array>;
export function plotImageGrid(
  images: Tensor,
  path: `${string}.svg`,
  options?: ImageGridOptions,
): Promise<string>;
export function plotImageGrid(
  images: Tensor,
  path: PicturePath,
  options?: ImageGridOptions,
): Promise<string | Uint8Array>;
export async function plotImageGrid(
  images: Tensor,
  path: PicturePath,
  options: ImageGridOptions = {},
): Promise<string | Uint8Array> {
  const name = path instanceof URL ? path.pathname : path;
  const content = name.toLowerCase().endsWith(".svg")
    ? imageGridSvg(images, options)
    : name.toLowerCase().endsWith(".png")
    ? await imageGrid(images, options)
    : null;
  if (content === null) {
    throw new Error(`plotImageGrid: the file name must end in .svg or .png, got "${name}"`);
  }
  await writeFileCreatingFolder(path, content);
  return content;
}
