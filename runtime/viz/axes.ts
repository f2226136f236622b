/** Axes, grid lines, titles and legends shared by the charts. */
import { element, escapeXml, textWidth } from "./svg.ts";
import type { Scale } from "./scale.ts";

/** The plotting area inside a panel, in pixels. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Labels of a panel. */
export interface AxisLabels {
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

function text(
  x: number,
  y: number,
  content: string,
  attributes: Record<string, string | number> = {},
) {
  return element("text", { x, y, ...attributes }, escapeXml(content));
}

/** Grid lines, tick labels, the frame, the axis labels and the title of a panel of `width`. */
export function axes(box: Box, x: Scale, y: Scale, labels: AxisLabels, width: number): string[] {
  const parts: string[] = [];
  const grid = { stroke: "#e6e6e6", "stroke-width": 1 };
  for (const tick of x.ticks) {
    const px = x(tick);
    parts.push(element("line", { x1: px, x2: px, y1: box.top, y2: box.bottom, ...grid }));
    parts.push(
      text(px, box.bottom + 16, x.format(tick), { "text-anchor": "middle", fill: "#444" }),
    );
  }
  for (const tick of y.ticks) {
    const py = y(tick);
    parts.push(element("line", { x1: box.left, x2: box.right, y1: py, y2: py, ...grid }));
    parts.push(text(box.left - 6, py + 4, y.format(tick), { "text-anchor": "end", fill: "#444" }));
  }
  parts.push(element("rect", {
    x: box.left,
    y: box.top,
    width: box.right - box.left,
    height: box.bottom - box.top,
    fill: "none",
    stroke: "#888",
  }));
  if (labels.xLabel) {
    parts.push(
      text((box.left + box.right) / 2, box.bottom + 34, labels.xLabel, { "text-anchor": "middle" }),
    );
  }
  if (labels.yLabel) {
    const cy = (box.top + box.bottom) / 2;
    parts.push(
      text(14, cy, labels.yLabel, { "text-anchor": "middle", transform: `rotate(-90 14 ${cy})` }),
    );
  }
  if (labels.title) {
    parts.push(
      text(width / 2, 20, labels.title, {
        "text-anchor": "middle",
        "font-size": 14,
        "font-weight": "bold",
      }),
    );
  }
  return parts;
}

/** One legend entry: a name and how its swatch looks. */
export interface LegendEntry {
  name: string;
  color: string;
  dashed?: boolean;
  /** Opacity of the swatch (default 1). */
  opacity?: number;
  /** A dot instead of a line. */
  dot?: boolean;
}

/** A legend in the top-right corner of the box. */
export function legend(box: Box, entries: readonly LegendEntry[]): string {
  if (entries.length === 0) return "";
  const width = 34 + Math.max(...entries.map((e) => textWidth(e.name, 11)));
  const left = box.right - width - 8, top = box.top + 8;
  const rows = entries.map((entry, i) => {
    const cy = top + 12 + i * 16;
    const swatch = entry.dot
      ? element("circle", {
        cx: left + 16,
        cy,
        r: 4,
        fill: entry.color,
        stroke: "#333",
        "stroke-width": 0.6,
      })
      : element("line", {
        x1: left + 6,
        x2: left + 26,
        y1: cy,
        y2: cy,
        stroke: entry.color,
        "stroke-width": 2,
        "stroke-opacity": entry.opacity,
        "stroke-dasharray": entry.dashed ? "5 3" : undefined,
      });
    return swatch + text(left + 30, cy + 4, entry.name, { "font-size": 11 });
  });
  return element("g", { class: "legend" }, [
    element("rect", {
      x: left,
      y: top,
      width,
      height: 8 + entries.length * 16,
      fill: "#ffffff",
      "fill-opacity": 0.85,
      stroke: "#ccc",
    }),
    ...rows,
  ]);
}
