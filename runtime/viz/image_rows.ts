/**
 * Rows of images with a label left of each row, e.g. test digits, their noisy versions and an
 * autoencoder's reconstructions one above the other, so that column j shows one digit throughout.
 */
import type { Tensor } from "../tensor.ts";
import { formatShape } from "../shape.ts";
import { imageGrid } from "./image_grid.ts";
import { base64, element, escapeXml, svgDocument, textWidth } from "./svg.ts";
import { type PicturePath, writePicture } from "./output.ts";

/** One row: a label and its images [N, H, W], [N, 1, H, W] or [N, 3, H, W]. */
export interface ImageRow {
  label: string;
  images: Tensor;
}

/** Options of image rows. */
export interface ImageRowsOptions {
  /** Each image pixel becomes scale × scale pixels (default 2). */
  scale?: number;
  /** Pixels between images (default 2). */
  padding?: number;
  /**
   * Values shown as black and white, the same for every row (default [0, 1]); "auto" lets each
   * row choose as `imageGrid` does.
   */
  range?: readonly [number, number] | "auto";
  /** A title above the rows. */
  title?: string;
  /** Font files for the labels (see svgToPng). */
  fontFiles?: readonly string[];
}

const FONT_SIZE = 12;
const TITLE_HEIGHT = 22;

/** Height and width of the images of a row, checking that every row has the same. */
function imageSize(rows: readonly ImageRow[]): [number, number] {
  if (rows.length === 0) throw new Error("imageRows: expected at least one row, got none");
  const sizes = rows.map(({ label, images }) => {
    if (images.ndim !== 3 && images.ndim !== 4) {
      throw new Error(
        `imageRows: row "${label}" has images of shape ${formatShape(images.shape)}; expected ` +
          "[N, H, W] or [N, C, H, W]",
      );
    }
    return images.shape.slice(-2) as [number, number];
  });
  const [height, width] = sizes[0];
  sizes.forEach(([h, w], i) => {
    if (h !== height || w !== width) {
      throw new Error(
        `imageRows: row "${rows[i].label}" has ${h}×${w} images but row "${rows[0].label}" has ` +
          `${height}×${width}; every row needs images of one size`,
      );
    }
  });
  return [height, width];
}

/**
 * The rows as an SVG document: each row one embedded PNG strip (pixel-exact), its label at the
 * left, the strips left-aligned so that equal columns line up.
 * @example
 * const svg = await imageRowsSvg([
 *   { label: "original", images: clean },
 *   { label: "reconstructed", images: model.call(clean) },
 * ]);
 */
export async function imageRowsSvg(
  rows: readonly ImageRow[],
  options: ImageRowsOptions = {},
): Promise<string> {
  const [height] = imageSize(rows);
  const scale = options.scale ?? 2, padding = options.padding ?? 2;
  const range = options.range ?? [0, 1];
  const labelWidth = Math.ceil(Math.max(...rows.map((r) => textWidth(r.label, FONT_SIZE)))) + 12;
  const stripHeight = height * scale + 2 * padding;
  const top = options.title === undefined ? 0 : TITLE_HEIGHT;
  const parts: string[] = [];
  let width = 0;
  for (const [i, row] of rows.entries()) {
    const count = row.images.shape[0];
    const png = await imageGrid(row.images, { columns: count, scale, padding, range });
    const stripWidth = count * (row.images.shape.at(-1) as number) * scale + (count + 1) * padding;
    width = Math.max(width, labelWidth + stripWidth);
    const y = top + i * stripHeight;
    parts.push(
      element("text", {
        x: labelWidth - 6,
        y: y + stripHeight / 2 + FONT_SIZE / 3,
        "text-anchor": "end",
        "font-size": FONT_SIZE,
        fill: "#222222",
      }, escapeXml(row.label)),
      element("image", {
        x: labelWidth,
        y,
        width: stripWidth,
        height: stripHeight,
        "xlink:href": `data:image/png;base64,${base64(png)}`,
      }),
    );
  }
  if (options.title !== undefined) {
    parts.push(element("text", {
      x: width / 2,
      y: TITLE_HEIGHT - 7,
      "text-anchor": "middle",
      "font-size": FONT_SIZE + 1,
      "font-weight": "bold",
      fill: "#222222",
    }, escapeXml(options.title)));
  }
  return svgDocument(width, top + rows.length * stripHeight, parts);
}

/**
 * Writes image rows to `path` (.png or .svg) and returns what it wrote. The PNG is rendered at
 * one pixel per SVG unit, so the images keep their pixels.
 * @example
 * await plotImageRows([
 *   { label: "original", images: clean },
 *   { label: "noisy", images: noisy },
 *   { label: "denoised", images: denoised },
 * ], "out/autoencoder/denoising.png");
 */
export async function plotImageRows(
  rows: readonly ImageRow[],
  path: PicturePath,
  options: ImageRowsOptions = {},
): Promise<string | Uint8Array> {
  const svg = await imageRowsSvg(rows, options);
  return await writePicture("plotImageRows", svg, path, { scale: 1, fontFiles: options.fontFiles });
}
