/**
 * Training curves of a `History`: one panel for the loss (per step, faint, and per epoch, for
 * training and validation) and one per metric (training solid, validation dashed).
 */
import type { History } from "../train/history.ts";
import { chartPanel, type LineSeries } from "./line_chart.ts";
import { element, escapeXml, svgDocument } from "./svg.ts";
import { colorOf } from "./palette.ts";
import { type PicturePath, writePicture } from "./output.ts";
import type { RasterOptions } from "./raster.ts";

/** Options of the history plot. */
export interface HistoryPlotOptions extends RasterOptions {
  /** Size of each panel in pixels (default 480 × 360). */
  panelWidth?: number;
  panelHeight?: number;
  /** Draw the loss of every step behind the epoch means (default true). */
  steps?: boolean;
  /** Loss axis scale (default "linear"). */
  lossScale?: "linear" | "log";
  /** Series to draw besides the loss (default: every metric in the history). */
  metrics?: readonly string[];
  /** A title above the panels. */
  title?: string;
}

function stepSeries(history: History): LineSeries {
  // Step i of an epoch with n steps sits at x = epoch − 1 + i/n, so the last step of epoch e is at e.
  const x: number[] = [];
  for (const log of history.epochs) {
    for (let i = 1; i <= log.steps; i++) x.push(log.epoch - 1 + i / log.steps);
  }
  const y = history.stepLosses.slice(-x.length);
  return {
    name: "loss per step",
    x: x.slice(0, y.length),
    y,
    color: colorOf(0),
    width: 1,
    opacity: 0.35,
    markers: false,
  };
}

/**
 * The curves of a history as an SVG document (panels side by side).
 * @example await Deno.writeTextFile("out/curves.svg", historyChart(history, { lossScale: "log" }));
 */
export function historyChart(history: History, options: HistoryPlotOptions = {}): string {
  if (history.epochs.length === 0) throw new Error("historyChart: the history has no epochs yet");
  const width = options.panelWidth ?? 480, height = options.panelHeight ?? 360;
  const names = history.names();
  const epochs = history.epochs.map((log) => log.epoch);
  const pair = (name: string): LineSeries[] => {
    const series: LineSeries[] = [{ name, x: epochs, y: history.series(name), color: colorOf(0) }];
    if (names.includes(`val_${name}`)) {
      series.push({
        name: `val_${name}`,
        x: epochs,
        y: history.series(`val_${name}`),
        color: colorOf(1),
        dashed: true,
      });
    }
    return series;
  };
  const metrics = options.metrics ?? names.filter((n) => n !== "loss" && !n.startsWith("val_"));
  const lossSeries = pair("loss");
  if ((options.steps ?? true) && history.stepLosses.length > 0) {
    lossSeries.unshift(stepSeries(history));
  }
  const panels = [
    chartPanel(
      lossSeries,
      { title: "loss", xLabel: "epoch", yScale: options.lossScale },
      width,
      height,
    ),
    ...metrics.map((name) =>
      chartPanel(pair(name), { title: name, xLabel: "epoch" }, width, height)
    ),
  ];
  const top = options.title ? 28 : 0;
  const body = panels.map((panel, i) =>
    element("g", { transform: `translate(${i * width} ${top})` }, panel)
  );
  if (options.title) {
    body.push(
      element("text", {
        x: (panels.length * width) / 2,
        y: 20,
        "text-anchor": "middle",
        "font-size": 16,
        "font-weight": "bold",
      }, escapeXml(options.title)),
    );
  }
  return svgDocument(panels.length * width, height + top, body);
}

/**
 * Writes the curves of a history to `path` (.svg, or .png through resvg) and returns what it wrote.
 * @example
 * const history = await fit(model, { ... });
 * await plotHistory(history, "out/curves.svg");
 * await plotHistory(history, "out/curves.png", { lossScale: "log" });
 */
export function plotHistory(
  history: History,
  path: `${string}.png`,
  options?: HistoryPlotOptions,
): Promise<Uint8Array>;
export function plotHistory(
  history: History,
  path: `${string}.svg`,
  options?: HistoryPlotOptions,
): Promise<string>;
export function plotHistory(
  history: History,
  path: PicturePath,
  options?: HistoryPlotOptions,
): Promise<string | Uint8Array>;
export function plotHistory(
  history: History,
  path: PicturePath,
  options: HistoryPlotOptions = {},
): Promise<string | Uint8Array> {
  return writePicture("plotHistory", historyChart(history, options), path, options);
}
