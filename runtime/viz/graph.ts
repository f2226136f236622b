/**
 * The autodiff graph as SVG: `toDot` of a tensor laid out by Graphviz compiled to WebAssembly
 * (`@hpcc-js/wasm-graphviz`, loaded on first use).
 */
import type { Tensor } from "../tensor.ts";
import type { Module } from "../nn/module.ts";
import { toDot } from "../autograd/dot.ts";
import { type PicturePath, writePicture } from "./output.ts";
import type { RasterOptions } from "./raster.ts";

type Graphviz = Awaited<ReturnType<typeof import("@hpcc-js/wasm-graphviz").Graphviz.load>>;

let graphviz: Promise<Graphviz> | null = null;

/** Lays out any DOT source as SVG with Graphviz's `dot`. */
export async function dotToSvg(dot: string): Promise<string> {
  graphviz ??= import("@hpcc-js/wasm-graphviz").then((m) => m.Graphviz.load());
  return (await graphviz).dot(dot, "svg");
}

/** Options of the graph picture. */
export interface GraphOptions {
  /** The graph's title (DOT graph name). */
  title?: string;
  /** Label unnamed parameters with their names in this model ("0.weight", "fc1.bias"). */
  model?: Module;
}

/**
 * The graph that produced `root` (tensors as boxes, ops as ellipses) as an SVG document.
 * @example
 * const loss = F.crossEntropy(model.call(x), labels);
 * await Deno.writeTextFile("out/graph.svg", await graphSvg(loss, { model }));
 */
export async function graphSvg(root: Tensor, options: GraphOptions = {}): Promise<string> {
  const named = (options.model?.namedParameters() ?? []).filter(([, p]) => p.name === null);
  for (const [name, p] of named) p.name = name;
  let dot: string;
  try {
    dot = toDot(root, { title: options.title });
  } finally {
    for (const [, p] of named) p.name = null;
  }
  return await dotToSvg(dot);
}

/**
 * Writes the autodiff graph of `root` to `path` (.svg, or .png through resvg).
 * @example await plotGraph(loss, "out/graph.svg");
 */
export function plotGraph(
  root: Tensor,
  path: `${string}.png`,
  options?: RasterOptions & GraphOptions,
): Promise<Uint8Array>;
export function plotGraph(
  root: Tensor,
  path: `${string}.svg`,
  options?: RasterOptions & GraphOptions,
): Promise<string>;
export function plotGraph(
  root: Tensor,
  path: PicturePath,
  options?: RasterOptions & GraphOptions,
): Promise<string | Uint8Array>;
export async function plotGraph(
  root: Tensor,
  path: PicturePath,
  options: RasterOptions & GraphOptions = {},
): Promise<string | Uint8Array> {
  return await writePicture("plotGraph", await graphSvg(root, options), path, options);
}
