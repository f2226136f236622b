/**
 * Line charts as SVG, written by hand: a few hundred bytes of code give axes with round ticks,
 * linear or log y, dashed lines, markers and a legend, and render the same under Deno, in
 * browsers and through resvg (no DOM, no layout engine, nothing to load).
 */
import { element, fixed, svgDocument } from "./svg.ts";
import { extent, linearScale, logScale } from "./scale.ts";
import { colorOf } from "./palette.ts";
import { axes, type AxisLabels, type Box, legend } from "./axes.ts";
import { type PicturePath, writePicture } from "./output.ts";
import type { RasterOptions } from "./raster.ts";

/** One line: y values at x (default 1, 2, 3, ...). Non-finite values break the line. */
export interface LineSeries {
  name: string;
  y: readonly number[];
  x?: readonly number[];
  /** Default: the palette colour of its position. */
  color?: string;
  dashed?: boolean;
  /** Stroke width (default 2). */
  width?: number;
  /** Stroke opacity (default 1). */
  opacity?: number;
  /** Dots at the points (default: when there are at most 40). */
  markers?: boolean;
  /** Leave it out of the legend. */
  hideInLegend?: boolean;
}

/** Options of a line chart. */
export interface LineChartOptions extends AxisLabels {
  /** Pixels (default 640 × 400). */
  width?: number;
  height?: number;
  /** "log" for losses that fall over decades (non-positive values are left out). Default "linear". */
  yScale?: "linear" | "log";
}

function pathOf(
  xs: readonly number[],
  ys: readonly number[],
  px: (v: number) => number,
  py: (v: number) => number,
): string {
  let d = "", drawing = false;
  for (let i = 0; i < ys.length; i++) {
    if (!Number.isFinite(ys[i]) || !Number.isFinite(xs[i])) {
      drawing = false;
      continue;
    }
    d += `${drawing ? "L" : "M"}${fixed(px(xs[i]))} ${fixed(py(ys[i]))}`;
    drawing = true;
  }
  return d;
}

/** The elements of a chart panel of the given size (for placing several in one picture). */
export function chartPanel(
  series: readonly LineSeries[],
  options: LineChartOptions,
  width: number,
  height: number,
): string[] {
  const box: Box = {
    left: options.yLabel ? 66 : 52,
    top: options.title ? 34 : 14,
    right: width - 14,
    bottom: height - (options.xLabel ? 46 : 30),
  };
  const log = options.yScale === "log";
  const xsOf = (s: LineSeries) => s.x ?? s.y.map((_, i) => i + 1);
  const x = linearScale(extent(series.flatMap(xsOf)), [box.left, box.right], 8);
  const yDomain = extent(series.flatMap((s) => s.y), log);
  const y = log
    ? logScale(yDomain, [box.bottom, box.top])
    : linearScale(yDomain, [box.bottom, box.top]);
  const parts = axes(box, x, y, options, width);
  const clip = `clip${Math.round(box.left)}x${Math.round(box.top)}x${Math.round(width)}x${
    Math.round(height)
  }`;
  parts.push(
    element(
      "clipPath",
      { id: clip },
      element("rect", {
        x: box.left,
        y: box.top,
        width: box.right - box.left,
        height: box.bottom - box.top,
      }),
    ),
  );
  series.forEach((s, i) => {
    const color = s.color ?? colorOf(i);
    const xs = xsOf(s);
    const ys = log ? s.y.map((v) => (v > 0 ? v : NaN)) : s.y;
    const lines = [element("path", {
      class: "series",
      "data-name": s.name,
      d: pathOf(xs, ys, x, y),
      fill: "none",
      stroke: color,
      "stroke-width": s.width ?? 2,
      "stroke-opacity": s.opacity,
      "stroke-dasharray": s.dashed ? "6 4" : undefined,
      "stroke-linejoin": "round",
    })];
    if (s.markers ?? ys.length <= 40) {
      ys.forEach((v, j) => {
        if (Number.isFinite(v)) {
          lines.push(
            element("circle", { class: "marker", cx: x(xs[j]), cy: y(v), r: 3, fill: color }),
          );
        }
      });
    }
    parts.push(element("g", { "clip-path": `url(#${clip})` }, lines));
  });
  const entries = series.map((s, i) => ({
    name: s.name,
    color: s.color ?? colorOf(i),
    dashed: s.dashed,
    opacity: s.opacity,
    hidden: s.hideInLegend,
  }));
  parts.push(legend(box, entries.filter((e) => !e.hidden)));
  return parts;
}

/**
 * A line chart of one or more series as an SVG document.
 * @example
 * const svg = lineChart([{ name: "SGD", y: sgdLosses }, { name: "Adam", y: adamLosses }], {
 *   title: "loss per step", xLabel: "step", yScale: "log",
 * });
 */
export function lineChart(series: readonly LineSeries[], options: LineChartOptions = {}): string {
  const width = options.width ?? 640, height = options.height ?? 400;
  return svgDocument(width, height, chartPanel(series, options, width, height));
}

/**
 * Writes a line chart to `path` (.svg, or .png through resvg) and returns what it wrote.
 * @example
 * const series = [{ name: "SGD", y: sgd.stepLosses }, { name: "Adam", y: adam.stepLosses }];
 * await plotLines(series, "out/optimizers.png", { yScale: "log", xLabel: "step" });
 */
export function plotLines(
  series: readonly LineSeries[],
  path: `${string}.png`,
  options?: LineChartOptions & RasterOptions,
): Promise<Uint8Array>;
export function plotLines(
  series: readonly LineSeries[],
  path: `${string}.svg`,
  options?: LineChartOptions & RasterOptions,
): Promise<string>;
export function plotLines(
  series: readonly LineSeries[],
  path: PicturePath,
  options?: LineChartOptions & RasterOptions,
): Promise<string | Uint8Array>;
export function plotLines(
  series: readonly LineSeries[],
  path: PicturePath,
  options: LineChartOptions & RasterOptions = {},
): Promise<string | Uint8Array> {
  return writePicture("plotLines", lineChart(series, options), path, options);
}
