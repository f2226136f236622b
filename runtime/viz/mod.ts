/**
 * Pictures: training curves and line charts (hand-written SVG), decision regions of 2-D
 * classifiers, image grids (PNG via fast-png), the autodiff graph (Graphviz in WebAssembly), and
 * SVG → PNG through resvg in WebAssembly. Each `plot*` writes the file its path names (.svg or
 * .png) and returns what it wrote; the `*Chart` / `*Svg` functions only return the SVG.
 * Deno only (files, and the wasm renderers read from node_modules).
 * @example
 * import { train, viz } from "./runtime/mod.ts";
 * const history = await train.fit(model, { ... });
 * await viz.plotHistory(history, "out/curves.png");
 * await viz.plotDecisionBoundary(model, points, labels, "out/boundary.svg");
 * await viz.plotImageGrid(samples, "out/samples.png", { columns: 8 });
 * await viz.plotGraph(loss, "out/graph.svg");
 */
export { lineChart, type LineChartOptions, type LineSeries, plotLines } from "./line_chart.ts";
export { historyChart, type HistoryPlotOptions, plotHistory } from "./history_plot.ts";
export {
  decisionBoundaryChart,
  type DecisionBoundaryOptions,
  plotDecisionBoundary,
} from "./decision_boundary.ts";
export type { Classifier } from "./classifier.ts";
export {
  imageGrid,
  type ImageGridOptions,
  imageGridSvg,
  type ImageLabel,
  plotImageGrid,
} from "./image_grid.ts";
export { type ImageRow, type ImageRowsOptions, imageRowsSvg, plotImageRows } from "./image_rows.ts";
export {
  colorizeHeatmap,
  colormap,
  type ColormapName,
  type HeatmapOptions,
  type HeatmapOverlayOptions,
  overlayHeatmap,
} from "./heatmap.ts";
export { dotToSvg, type GraphOptions, graphSvg, plotGraph } from "./graph.ts";
export {
  type GraphLayoutOptions,
  type GraphLayoutPanel,
  graphLayoutSvg,
  plotGraphLayout,
} from "./graph_plot.ts";
export { type RasterOptions, svgToPng } from "./raster.ts";
export { encodePng } from "./png.ts";
export type { PicturePath } from "./output.ts";
