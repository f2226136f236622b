/**
 * Which modules have an ONNX form: a table from a module class to the function that writes its
 * nodes. A leaf exporter writes one layer; a container exporter hands its children back to the
 * walk. Lookup is by exact class (a subclass may compute something else) and a module with its
 * own `forward` or `call` set on the instance has none.
 */
import type { Module } from "../../nn/module.ts";
import type { Attribute, GraphBuilder } from "./graph_builder.ts";

/** Raised when a model cannot be exported; the message lists every module that has no ONNX form. */
export class OnnxExportError extends Error {
  override name = "OnnxExportError";
}

/** Thrown by an exporter that cannot write this module (collected with the others by the walk). */
export class ExportRefusal extends Error {
  override name = "ExportRefusal";
}

/** A value of the graph under construction: its name, element type and shape (dim 0 the batch). */
export interface ExportedValue {
  readonly name: string;
  /** The shape of the probe the walk ran (dim 0 is the batch: dynamic in the graph). */
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
}

/** What a leaf exporter sees. */
export interface LayerContext {
  /** The module's dotted path in the model ("" for the model itself). */
  readonly path: string;
  readonly graph: GraphBuilder;
  readonly opset: number;
  readonly input: ExportedValue;
  /** The module's output shape on the probe (dim 0 the batch). */
  readonly outputShape: readonly number[];
  /** Adds a node named after the module and returns its (single) output. */
  node(opType: string, inputs: readonly string[], attributes?: Record<string, Attribute>): string;
  /** Adds a node named after the module with `outputs` outputs and returns their names. */
  nodeOutputs(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute>,
    outputs: number,
  ): string[];
  /** Refuses the module with a reason that says how to fix it. */
  refuse(reason: string): never;
}

/** Writes one layer's nodes from `context.input.name`; returns the name of its output value. */
export type LayerExporter<M extends Module> = (module: M, context: LayerContext) => string;

/** What a container exporter sees: `child` exports a submodule and returns its output. */
export interface ContainerContext {
  readonly path: string;
  readonly input: ExportedValue;
  child(name: string, module: Module, input: ExportedValue): ExportedValue;
}

/** Exports a container by calling `context.child` on its children in the order forward runs them. */
export type ContainerExporter<M extends Module> = (
  module: M,
  context: ContainerContext,
) => ExportedValue;

/** A table entry. */
export type ExporterEntry =
  | { kind: "layer"; run: LayerExporter<Module> }
  | { kind: "container"; run: ContainerExporter<Module> };

// deno-lint-ignore no-explicit-any
type ModuleClass<M extends Module> = abstract new (...args: any[]) => M;

const table = new Map<object, ExporterEntry>();

/**
 * Registers the ONNX form of a layer class (exact class, not its subclasses).
 * @example
 * registerOnnxExporter(Scale, (m, ctx) => ctx.node("Mul", [ctx.input.name, ctx.graph.weight(m.factor)]));
 */
export function registerOnnxExporter<M extends Module>(
  type: ModuleClass<M>,
  exporter: LayerExporter<M>,
): void {
  table.set(type.prototype, { kind: "layer", run: exporter as LayerExporter<Module> });
}

/**
 * Registers a module class whose forward is its children run in turn, so the export walks into
 * them (as for `Sequential`).
 * @example
 * registerOnnxContainer(Autoencoder, (m, ctx) =>
 *   ctx.child("decoder", m.decoder, ctx.child("encoder", m.encoder, ctx.input)));
 */
export function registerOnnxContainer<M extends Module>(
  type: ModuleClass<M>,
  exporter: ContainerExporter<M>,
): void {
  table.set(type.prototype, { kind: "container", run: exporter as ContainerExporter<Module> });
}

/** The exporter of `module`, or undefined when it has no ONNX form. */
export function exporterOf(module: Module): ExporterEntry | undefined {
  if (Object.hasOwn(module, "forward") || Object.hasOwn(module, "call")) return undefined;
  return table.get(Object.getPrototypeOf(module));
}
