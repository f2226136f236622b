/**
 * From a decoded model to a runnable program: checks the opset, lists every unsupported node in
 * one error, orders the nodes (refusing cycles and dangling inputs, naming the node), turns
 * initializers into parameters and buffers, and folds at load every node whose inputs are all
 * constants (the Shape → Gather → Concat arithmetic of exported models, Constant nodes, ...).
 */
import { Tensor } from "../tensor.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { keep } from "../backend/scope.ts";
import { buffer, parameter } from "../nn/parameter.ts";
import type { GraphProto, ModelProto, ValueInfo } from "./proto.ts";
import { type ExternalReader, tensorValue } from "./tensor_data.ts";
import { Attributes, type NodeContext, type OpSpec } from "./op.ts";
import { OPS } from "./ops/registry.ts";
import { DataType, HostTensor, type Value } from "./value.ts";

/** The default-domain opsets an import accepts. */
export const MIN_OPSET = 6, MAX_OPSET = 17;

/** Raised when a model cannot be imported; the message lists what is wrong, node by node. */
export class OnnxImportError extends Error {
  override name = "OnnxImportError";
}

/** A node ready to run. */
export interface ProgramNode {
  readonly context: NodeContext;
  readonly spec: OpSpec;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** A model prepared for running. */
export interface Program {
  readonly opset: number;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly nodes: readonly ProgramNode[];
  /** Constants: host initializers, folded node outputs (available before any input arrives). */
  readonly constants: Map<string, Value>;
  /** Float initializers that train. */
  readonly parameters: Map<string, Tensor>;
  /** Float initializers that are running statistics (BatchNormalization mean and variance). */
  readonly buffers: Map<string, Tensor>;
  /** The mode the nodes run in (the module's `training` flag is copied here before each run). */
  readonly mode: { training: boolean };
}

function nodeName(index: number, name: string, opType: string): string {
  return name ? `'${name}' (${opType})` : `#${index} (${opType})`;
}

function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx");
  if (entry === undefined) {
    throw new OnnxImportError("the model imports no opset of the default ONNX domain");
  }
  if (entry.version < MIN_OPSET || entry.version > MAX_OPSET) {
    throw new OnnxImportError(
      `the model uses opset ${entry.version} of the default domain; edgegrad imports opsets ` +
        `${MIN_OPSET} to ${MAX_OPSET} (re-export it with opset_version in that range)`,
    );
  }
  return entry.version;
}

/** Every node edgegrad cannot run, one line each: name, op, opset, attribute or reason. */
function unsupported(graph: GraphProto, opset: number): string[] {
  const problems: string[] = [];
  graph.nodes.forEach((node, index) => {
    const where = `node ${nodeName(index, node.name, node.opType)}, opset ${opset}`;
    if (node.domain !== "" && node.domain !== "ai.onnx") {
      problems.push(`${where}: domain '${node.domain}' is not supported`);
      return;
    }
    const spec = OPS[node.opType];
    if (spec === undefined || !Object.hasOwn(OPS, node.opType)) {
      problems.push(`${where}: op ${node.opType} is not supported`);
      return;
    }
    const attributes = new Attributes(node.name || node.opType, node.attributes);
    for (const name of attributes.names()) {
      if (!spec.attributes.includes(name)) {
        problems.push(`${where}: attribute '${name}' is not supported`);
      }
    }
    const graphAttribute = node.attributes.find((a) => a.g !== null || a.graphs.length > 0);
    if (graphAttribute) problems.push(`${where}: subgraph attribute '${graphAttribute.name}'`);
    try {
      const reason = spec.check?.(attributes, opset, node.inputs.length, node.outputs.length);
      if (reason) problems.push(`${where}: ${reason} is not supported`);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  });
  return problems;
}

/** Kahn's order of the nodes; a cycle or a dangling input is an error naming the node. */
function order(graph: GraphProto, available: Set<string>): number[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    for (const output of node.outputs) {
      if (output === "") continue;
      if (producer.has(output) || available.has(output)) {
        throw new OnnxImportError(
          `node ${nodeName(index, node.name, node.opType)} writes '${output}', which is ` +
            "already produced elsewhere (an ONNX graph assigns each value once)",
        );
      }
      producer.set(output, index);
    }
  });
  const waiting = graph.nodes.map((node, index) => {
    const missing = node.inputs.filter((name) => name !== "" && !available.has(name));
    for (const name of missing) {
      if (!producer.has(name)) {
        throw new OnnxImportError(
          `node ${nodeName(index, node.name, node.opType)} reads '${name}', which no node, ` +
            "initializer or graph input provides",
        );
      }
    }
    return new Set(missing);
  });
  const consumers = new Map<string, number[]>();
  waiting.forEach((names, index) => {
    for (const name of names) consumers.set(name, [...(consumers.get(name) ?? []), index]);
  });
  const ready = waiting.flatMap((names, index) => (names.size === 0 ? [index] : []));
  const sorted: number[] = [];
  while (ready.length > 0) {
    const index = ready.shift()!;
    sorted.push(index);
    for (const output of graph.nodes[index].outputs) {
      for (const consumer of consumers.get(output) ?? []) {
        const names = waiting[consumer];
        names.delete(output);
        if (names.size === 0) ready.push(consumer);
      }
    }
  }
  if (sorted.length < graph.nodes.length) {
    const stuck = graph.nodes.flatMap((node, index) =>
      waiting[index].size > 0 ? [nodeName(index, node.name, node.opType)] : []
    );
    throw new OnnxImportError(
      `the graph has a cycle through node ${stuck[0]} (nodes waiting on each other: ` +
        `${stuck.slice(0, 8).join(", ")}${stuck.length > 8 ? ", ..." : ""})`,
    );
  }
  return sorted;
}

/** Initializer names the BatchNormalization nodes read as running statistics. */
function runningStatistics(graph: GraphProto): Set<string> {
  const names = new Set<string>();
  for (const node of graph.nodes) {
    if (node.opType === "BatchNormalization") {
      for (const name of node.inputs.slice(3, 5)) names.add(name);
    }
  }
  return names;
}

/** Builds the program of a decoded model. */
export function buildProgram(model: ModelProto, external?: ExternalReader): Program {
  const opset = defaultOpset(model);
  const graph = model.graph;
  const problems = unsupported(graph, opset);
  if (model.functions > 0) problems.push(`the model defines ${model.functions} local functions`);
  if (graph.sparseInitializers > 0) problems.push("sparse initializers are not supported");
  if (problems.length > 0) {
    throw new OnnxImportError(
      `cannot import the model: ${problems.length} unsupported ` +
        `${problems.length === 1 ? "item" : "items"}:\n  ${problems.join("\n  ")}`,
    );
  }
  const constants = new Map<string, Value>();
  const parameters = new Map<string, Tensor>();
  const buffers = new Map<string, Tensor>();
  const statistics = runningStatistics(graph);
  const initialized = new Set<string>();
  for (const initializer of graph.initializers) {
    const value = tensorValue(initializer, `initializer '${initializer.name}'`, external);
    initialized.add(initializer.name);
    if (value instanceof HostTensor) constants.set(initializer.name, value);
    else if (statistics.has(initializer.name)) buffers.set(initializer.name, buffer(value));
    else parameters.set(initializer.name, parameter(value));
  }
  const inputs = graph.inputs.filter((input) => !initialized.has(input.name));
  for (const input of inputs) {
    if (input.elemType === DataType.STRING) {
      throw new OnnxImportError(
        `graph input '${input.name}' is a string tensor, which is not supported`,
      );
    }
  }
  const available = new Set([...initialized, ...inputs.map((i) => i.name)]);
  const sorted = order(graph, available);
  const nodes: ProgramNode[] = [];
  const mode = { training: false };
  for (const index of sorted) {
    const node = graph.nodes[index];
    const spec = OPS[node.opType];
    const context = {
      name: nodeName(index, node.name, node.opType),
      attributes: new Attributes(node.name || node.opType, node.attributes),
      opset,
      get training() {
        return mode.training;
      },
      outputCount: node.outputs.length,
    };
    const programNode: ProgramNode = { context, spec, inputs: node.inputs, outputs: node.outputs };
    const foldable = spec.deterministic !== false &&
      node.inputs.every((name) => name === "" || constants.has(name));
    if (!foldable) {
      nodes.push(programNode);
      continue;
    }
    const results = noGrad(() => runNode(programNode, constants));
    node.outputs.forEach((name, k) => {
      const value = results[k];
      if (name !== "" && value !== undefined) {
        constants.set(name, value instanceof Tensor ? keep(value) : value);
      }
    });
  }
  return { opset, inputs, outputs: graph.outputs, nodes, constants, parameters, buffers, mode };
}

/** Runs one node on the values in `values`, wrapping errors with the node's name. */
export function runNode(node: ProgramNode, values: Map<string, Value>): Value[] {
  const inputs = node.inputs.map((name) => (name === "" ? undefined : values.get(name)));
  try {
    return node.spec.run(inputs, node.context);
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith("ONNX node")) throw error;
    throw new Error(`ONNX node ${node.context.name}: ${message}`);
  }
}
