/**
 * The export walk: goes down the module tree from the model, asks each module's exporter for its
 * nodes, and collects every module that has none (or refuses) into one error. No tape is recorded;
 * each layer runs once on a probe (a batch of two zero examples, without gradients, in evaluation
 * mode) so that every exporter knows its input and output shapes from the layer's own shape rules.
 */
import { Tensor } from "../../tensor.ts";
import type { Module } from "../../nn/module.ts";
import { zeros } from "../../ops/creation.ts";
import { noGrad } from "../../autograd/grad_mode.ts";
import { scope } from "../../backend/scope.ts";
import type { GraphProto } from "../proto.ts";
import { DataType } from "../value.ts";
import { GraphBuilder } from "./graph_builder.ts";
import {
  type ExportedValue,
  exporterOf,
  ExportRefusal,
  type LayerContext,
  OnnxExportError,
} from "./registry.ts";

/** The graph input and output names, and the name of the dynamic batch dimension. */
export const INPUT_NAME = "input", OUTPUT_NAME = "output", BATCH_DIM = "batch";

const PROBE_BATCH = 2;

/** What the walk needs besides the model. */
export interface WalkOptions {
  /** The input shape without the batch dimension. */
  inputShape: readonly number[];
  /** "int32" for a model that starts with an Embedding (the graph input is then int64). */
  inputDtype: "float32" | "int32";
  opset: number;
}

function where(path: string, module: Module): string {
  return `${path === "" ? "the model" : `'${path}'`} (${module.constructor.name})`;
}

/** The graph of `model` (in its evaluation-mode form); throws OnnxExportError listing problems. */
export function exportGraph(model: Module, options: WalkOptions): GraphProto {
  const names = new Map<Tensor, string>();
  for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
    if (!names.has(t)) names.set(t, name);
  }
  const graph = new GraphBuilder(names);
  graph.reserve(INPUT_NAME);
  const modes = model.namedModules().map(([, m]): [Module, boolean] => [m, m.training]);
  model.eval();
  try {
    return scope(() => noGrad(() => walk(model, graph, options)));
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

function walk(model: Module, graph: GraphBuilder, options: WalkOptions): GraphProto {
  const problems: string[] = [];
  const probes = new WeakMap<ExportedValue, Tensor>();
  const flow = (name: string, probe: Tensor): ExportedValue => {
    const value: ExportedValue = {
      name,
      shape: probe.shape,
      dtype: probe.dtype === "int32" ? "int32" : "float32",
    };
    probes.set(value, probe);
    return value;
  };

  const visit = (module: Module, path: string, input: ExportedValue): ExportedValue => {
    const probe = probes.get(input);
    if (probe === undefined) {
      throw new Error(
        `saveOnnx: the exporter of the container above ${where(path, module)} passed a value ` +
          "it did not get from the walk (use context.input or what context.child returned)",
      );
    }
    const entry = exporterOf(module);
    if (entry?.kind === "container") {
      return entry.run(module, {
        path,
        input,
        child: (name, child, value) => visit(child, path === "" ? name : `${path}.${name}`, value),
      });
    }
    let output: unknown;
    try {
      output = module.call(probe);
    } catch (error) {
      throw new OnnxExportError(
        `saveOnnx: ${where(path, module)} fails on an input of shape ` +
          `[${BATCH_DIM}, ${probe.shape.slice(1).join(", ")}]: ${(error as Error).message} ` +
          "(is options.inputShape the shape of one example?)",
      );
    }
    if (!(output instanceof Tensor)) {
      problems.push(`${where(path, module)}: its forward returns no single tensor`);
      return flow(graph.fresh(`${path}:unexported`), probe);
    }
    if (entry === undefined) {
      problems.push(`${where(path, module)}: no ONNX exporter is registered for this class`);
      return flow(graph.fresh(`${path}:unexported`), output);
    }
    const hint = path === "" ? module.constructor.name : `/${path.replaceAll(".", "/")}`;
    const context: LayerContext = {
      path,
      graph,
      opset: options.opset,
      input,
      outputShape: output.shape,
      node: (opType, inputs, attributes = {}) =>
        graph.node(opType, inputs, attributes, { hint: `${hint}/${opType}` })[0],
      nodeOutputs: (opType, inputs, attributes, outputs) =>
        graph.node(opType, inputs, attributes, { hint: `${hint}/${opType}`, outputs }),
      refuse: (reason) => {
        throw new ExportRefusal(reason);
      },
    };
    try {
      return flow(entry.run(module, context), output);
    } catch (error) {
      if (!(error instanceof ExportRefusal)) throw error;
      problems.push(`${where(path, module)}: ${error.message}`);
      return flow(graph.fresh(`${path}:unexported`), output);
    }
  };

  // Two examples: a layer that needs batch statistics refuses a batch of one.
  const shape = [PROBE_BATCH, ...options.inputShape];
  const probe = options.inputDtype === "int32" ? zeros(shape, { dtype: "int32" }) : zeros(shape);
  const result = visit(model, "", flow(INPUT_NAME, probe));
  if (problems.length > 0) {
    throw new OnnxExportError(
      `saveOnnx: ${problems.length} ${
        problems.length === 1 ? "module has" : "modules have"
      } no ONNX form:\n  ${problems.join("\n  ")}\n` +
        "Replace each with layers that have one (Linear, Conv2d, ConvTranspose2d, BatchNorm1d/2d, " +
        "LayerNorm, the activations, pools, Flatten, Unflatten, Dropout, Embedding, batchFirst " +
        "RNN/LSTM/GRU and TransformerEncoder(Layer), Sequential), " +
        "or register its form with io.registerOnnxExporter(Class, ...), or with " +
        "io.registerOnnxContainer(Class, ...) when its forward runs its children in turn.",
    );
  }
  let outputName = result.name;
  if (outputName === INPUT_NAME) {
    outputName = graph.node("Identity", [INPUT_NAME], {}, { hint: "Identity" })[0];
  }
  if (graph.rename(outputName, OUTPUT_NAME)) outputName = OUTPUT_NAME;
  const elemType = options.inputDtype === "int32" ? DataType.INT64 : DataType.FLOAT;
  return {
    name: model.constructor.name || "model",
    nodes: graph.nodes,
    initializers: graph.initializers,
    sparseInitializers: 0,
    inputs: [{ name: INPUT_NAME, elemType, shape: [BATCH_DIM, ...options.inputShape] }],
    outputs: [{
      name: outputName,
      elemType: result.dtype === "int32" ? DataType.INT64 : DataType.FLOAT,
      shape: [BATCH_DIM, ...result.shape.slice(1)],
    }],
    valueInfo: [],
  };
}
