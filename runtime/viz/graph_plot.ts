/**
 * Pictures of graphs laid out in the plane: nodes as dots coloured by class (outlined or square
 * when asked, e.g. wrong predictions and labelled nodes), edges as faint lines beneath, one or more
 * panels side by side with a shared legend of classes. The layout is the caller's (a 2-D
 * embedding, a spring layout); it is scaled to fit with equal units on both axes.
 */
import { element, escapeXml, svgDocument, textWidth } from "./svg.ts";
import { colorOf } from "./palette.ts";
import { extent } from "./scale.ts";
import { type PicturePath, writePicture } from "./output.ts";
import type { RasterOptions } from "./raster.ts";

/** One panel: where the nodes are, their classes, the edges and which nodes to mark. */
export interface GraphLayoutPanel {
  title?: string;
  /** [x, y] of every node, in any units. */
  positions: readonly (readonly [number, number])[];
  /** The class of every node (its colour: the palette's i-th). */
  classes: ArrayLike<number>;
  /** Node pairs joined by a line (drawn once per pair as given). */
  edges?: readonly (readonly [number, number])[];
  /** Nodes drawn with a dark outline (e.g. misclassified ones). */
  outlined?: Iterable<number>;
  /** Nodes drawn as squares (e.g. the labelled ones). */
  squares?: Iterable<number>;
}

/** Options of the graph picture. */
export interface GraphLayoutOptions extends RasterOptions {
  /** Size of each panel in pixels (default 420 × 420). */
  panelWidth?: number;
  panelHeight?: number;
  /** A title above the panels. */
  title?: string;
  /** Names of the classes for the legend (default "class 0", "class 1", ...). */
  classNames?: readonly string[];
  /** What an outline means, for the legend (left out of the legend when absent). */
  outlinedLabel?: string;
  /** What a square means, for the legend (left out of the legend when absent). */
  squaresLabel?: string;
  /** Node radius in pixels (default 3.5). */
  nodeRadius?: number;
}

function checkPanel(panel: GraphLayoutPanel, index: number): void {
  const n = panel.positions.length;
  if (panel.classes.length !== n) {
    throw new Error(
      `graphLayoutSvg: panel ${index} has ${n} positions but ${panel.classes.length} classes; ` +
        "give one class per node",
    );
  }
  const badNode = (node: number) => !Number.isInteger(node) || node < 0 || node >= n;
  const badEdge = (panel.edges ?? []).findIndex(([a, b]) => badNode(a) || badNode(b));
  if (badEdge >= 0) {
    throw new RangeError(
      `graphLayoutSvg: edge ${badEdge} of panel ${index} is ${
        JSON.stringify(panel.edges![badEdge])
      } but the nodes are 0..${n - 1}`,
    );
  }
}

function nodeShape(x: number, y: number, r: number, color: string, square: boolean, dark: boolean) {
  const stroke = dark
    ? { stroke: "#111", "stroke-width": 1.8 }
    : { stroke: "#fff", "stroke-width": 0.6 };
  return square
    ? element("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: color, ...stroke })
    : element("circle", { cx: x, cy: y, r, fill: color, ...stroke });
}

/** The elements of one panel of the given size. */
function panelElements(
  panel: GraphLayoutPanel,
  width: number,
  height: number,
  radius: number,
): string[] {
  const top = panel.title ? 30 : 10, margin = 12;
  const [x0, x1] = extent(panel.positions.map((p) => p[0]));
  const [y0, y1] = extent(panel.positions.map((p) => p[1]));
  const boxWidth = width - 2 * margin, boxHeight = height - top - margin;
  const unit = Math.min(boxWidth / (x1 - x0), boxHeight / (y1 - y0));
  const cx = margin + boxWidth / 2, cy = top + boxHeight / 2;
  const px = (v: number) => cx + (v - (x0 + x1) / 2) * unit;
  const py = (v: number) => cy - (v - (y0 + y1) / 2) * unit;
  const points = panel.positions.map(([x, y]) => [px(x), py(y)]);
  const parts: string[] = [
    element("rect", {
      x: 1,
      y: top - 4,
      width: width - 2,
      height: height - top + 2,
      fill: "none",
      stroke: "#ddd",
    }),
  ];
  if (panel.title) {
    parts.push(
      element("text", { x: width / 2, y: 20, "text-anchor": "middle", "font-size": 14 }, [
        escapeXml(panel.title),
      ]),
    );
  }
  const lines = (panel.edges ?? []).map(([a, b]) =>
    `M${points[a][0].toFixed(1)} ${points[a][1].toFixed(1)}L${points[b][0].toFixed(1)} ${
      points[b][1].toFixed(1)
    }`
  );
  if (lines.length > 0) {
    parts.push(
      element("path", {
        class: "edges",
        d: lines.join(""),
        stroke: "#555",
        "stroke-opacity": 0.12,
        "stroke-width": 0.7,
        fill: "none",
      }),
    );
  }
  const outlined = new Set(panel.outlined ?? []), squares = new Set(panel.squares ?? []);
  // Plain nodes first, marked ones on top so that their marks stay visible.
  const order = points.map((_, i) => i).sort((a, b) =>
    Number(outlined.has(a) || squares.has(a)) - Number(outlined.has(b) || squares.has(b))
  );
  parts.push(element(
    "g",
    { class: "nodes" },
    order.map((i) =>
      nodeShape(
        points[i][0],
        points[i][1],
        radius,
        colorOf(panel.classes[i]),
        squares.has(i),
        outlined.has(i),
      )
    ),
  ));
  return parts;
}

/** The legend row under the panels: class colours, then the meaning of outlines and squares. */
function legendRow(classCount: number, options: GraphLayoutOptions, y: number): string[] {
  const entries: { label: string; shape: string }[] = [];
  for (let c = 0; c < classCount; c++) {
    entries.push({
      label: options.classNames?.[c] ?? `class ${c}`,
      shape: nodeShape(0, 0, 5, colorOf(c), false, false),
    });
  }
  if (options.squaresLabel) {
    entries.push({ label: options.squaresLabel, shape: nodeShape(0, 0, 5, "#bbb", true, false) });
  }
  if (options.outlinedLabel) {
    entries.push({ label: options.outlinedLabel, shape: nodeShape(0, 0, 5, "#bbb", false, true) });
  }
  let x = 16;
  return entries.map(({ label, shape }) => {
    const item = element("g", { transform: `translate(${x} ${y})` }, [
      shape,
      element("text", { x: 10, y: 4, "font-size": 12 }, escapeXml(label)),
    ]);
    x += 28 + textWidth(label, 12);
    return item;
  });
}

/**
 * Panels of laid-out graphs side by side, as an SVG document.
 * @example
 * const svg = graphLayoutSvg([{ title: "GCN hidden layer", positions, classes: predicted, edges }], {
 *   classNames: ["A", "B", "C", "D"],
 * });
 */
export function graphLayoutSvg(
  panels: readonly GraphLayoutPanel[],
  options: GraphLayoutOptions = {},
): string {
  if (panels.length === 0) throw new Error("graphLayoutSvg: give at least one panel");
  panels.forEach(checkPanel);
  const width = options.panelWidth ?? 420, height = options.panelHeight ?? 420;
  const radius = options.nodeRadius ?? 3.5;
  const top = options.title ? 30 : 0;
  const body = panels.map((panel, i) =>
    element(
      "g",
      { transform: `translate(${i * width} ${top})` },
      panelElements(panel, width, height, radius),
    )
  );
  if (options.title) {
    body.push(
      element("text", {
        x: (panels.length * width) / 2,
        y: 21,
        "text-anchor": "middle",
        "font-size": 16,
        "font-weight": "bold",
      }, escapeXml(options.title)),
    );
  }
  const classCount = Math.max(
    ...panels.flatMap((p) => Array.from(p.classes, (c) => c + 1)),
    options.classNames?.length ?? 0,
  );
  body.push(...legendRow(classCount, options, top + height + 16));
  return svgDocument(panels.length * width, top + height + 32, body);
}

/**
 * Writes panels of laid-out graphs to `path` (.svg, or .png through resvg) and returns what it
 * wrote.
 * @example
 * await plotGraphLayout([{ positions, classes, edges, outlined: wrong }], "out/graph.png");
 */
export function plotGraphLayout(
  panels: readonly GraphLayoutPanel[],
  path: PicturePath,
  options: GraphLayoutOptions = {},
): Promise<string | Uint8Array> {
  return writePicture("plotGraphLayout", graphLayoutSvg(panels, options), path, options);
}
