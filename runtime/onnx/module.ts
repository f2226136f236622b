/**
 * `OnnxModule`: an imported graph as an edgegrad `Module`. Its forward runs the nodes on edgegrad
 * ops, so gradients flow to the parameters (named after the ONNX initializers) and the model can
 * be fine-tuned with any optimizer.
 */
import { Tensor } from "../tensor.ts";
import { tensor } from "../ops/creation.ts";
import { Module } from "../nn/module.ts";
import { formatShape } from "../shape.ts";
import { type Program, runNode } from "./graph.ts";
import type { ModelProto, ValueInfo } from "./proto.ts";
import { asHost, DataType, HostTensor, isFloatType, typeName, type Value } from "./value.ts";

/** A graph input or output: name, element type and shape (strings for dynamic dims). */
export interface OnnxTensorInfo {
  name: string;
  dtype: string;
  shape: (number | string | null)[] | null;
}

function describe(info: ValueInfo): OnnxTensorInfo {
  return { name: info.name, dtype: typeName(info.elemType), shape: info.shape };
}

/** An imported ONNX model. Call it with its inputs in graph order: `model(x)`. */
export class OnnxModule extends Module {
  /** The graph inputs (initializers excluded), in the order forward takes them. */
  declare readonly inputs: OnnxTensorInfo[];
  /** The graph outputs, in the order `forwardAll` returns them. */
  declare readonly outputs: OnnxTensorInfo[];
  declare private readonly program: Program;
  declare private readonly source: ModelProto | null;

  /**
   * Wraps a program built by `loadOnnx`; starts in evaluation mode (an exported graph's).
   * `source`, the decoded file, is what `saveOnnx` writes back with the current weights.
   */
  constructor(program: Program, source: ModelProto | null = null) {
    super();
    Object.defineProperty(this, "program", { value: program });
    Object.defineProperty(this, "source", { value: source });
    Object.defineProperty(this, "inputs", { value: program.inputs.map(describe) });
    Object.defineProperty(this, "outputs", { value: program.outputs.map(describe) });
    this.eval();
  }

  /** The initializers that train, by their ONNX names. */
  override namedParameters(): [string, Tensor][] {
    return [...this.program.parameters];
  }

  /** The BatchNormalization running statistics, by their ONNX names. */
  override namedBuffers(): [string, Tensor][] {
    return [...this.program.buffers];
  }

  /** The decoded file and the graph's constant values (for `saveOnnx`); null without a file. */
  exportSource(): { model: ModelProto; constants: ReadonlyMap<string, Value> } | null {
    return this.source === null ? null : { model: this.source, constants: this.program.constants };
  }

  /** The first output. Inputs [as the graph declares] → output 0. */
  forward(...inputs: Tensor[]): Tensor {
    return this.forwardAll(...inputs)[0];
  }

  /** Every graph output, in order (integer outputs as int32 tensors). */
  forwardAll(...inputs: Tensor[]): Tensor[] {
    return this.runValues(inputs).map((value, i) => toTensor(value, this.outputs[i].name));
  }

  /**
   * Runs the graph on values (tensors, or host arrays for integer inputs) and returns the output
   * values; for callers that need the ONNX types (the conformance runner).
   */
  runValues(inputs: readonly (Tensor | HostTensor)[]): Value[] {
    const program = this.program;
    if (inputs.length !== program.inputs.length) {
      throw new Error(
        `OnnxModule: the graph takes ${program.inputs.length} inputs (` +
          `${program.inputs.map((i) => i.name).join(", ")}), got ${inputs.length}`,
      );
    }
    const values = new Map<string, Value>(program.constants);
    for (const [name, t] of program.parameters) values.set(name, t);
    for (const [name, t] of program.buffers) values.set(name, t);
    program.inputs.forEach((info, i) => values.set(info.name, checkInput(info, inputs[i])));
    program.mode.training = this.training;
    for (const node of program.nodes) {
      const results = runNode(node, values);
      node.outputs.forEach((name, k) => {
        if (name !== "" && results[k] !== undefined) values.set(name, results[k]);
      });
    }
    return program.outputs.map((info) => {
      const value = values.get(info.name);
      if (value === undefined) {
        throw new Error(`OnnxModule: no node produced output '${info.name}'`);
      }
      return value;
    });
  }
}

/** Checks an input against the graph's declaration (rank, static dims, type) and converts it. */
function checkInput(info: ValueInfo, input: Tensor | HostTensor): Value {
  const expected = info.shape;
  const fits = expected === null ||
    (expected.length === input.shape.length &&
      expected.every((d, i) => typeof d !== "number" || d === input.shape[i]));
  if (!fits) {
    const declared = expected!.map((d) => (typeof d === "number" ? d : d ?? "?")).join(", ");
    throw new Error(
      `OnnxModule: input '${info.name}' should have shape [${declared}], got ` +
        formatShape(input.shape),
    );
  }
  if (input instanceof HostTensor) return input;
  if (info.elemType === 0 || isFloatType(info.elemType)) {
    if (input.dtype !== "float32") {
      throw new TypeError(
        `OnnxModule: input '${info.name}' is ${
          typeName(info.elemType)
        }, got an ${input.dtype} tensor`,
      );
    }
    return input;
  }
  if (input.dtype !== "int32") {
    throw new TypeError(
      `OnnxModule: input '${info.name}' is ${typeName(info.elemType)}; pass an int32 tensor`,
    );
  }
  return asHost(input, info.elemType);
}

function toTensor(value: Value, name: string): Tensor {
  if (value instanceof Tensor) return value;
  if (value.dtype === DataType.FLOAT || value.dtype === DataType.DOUBLE) {
    return tensor(Float32Array.from(value.data), { shape: value.shape });
  }
  if (!value.data.every((v) => v >= -(2 ** 31) && v < 2 ** 31)) {
    throw new RangeError(`OnnxModule: output '${name}' holds values beyond int32`);
  }
  return tensor(Int32Array.from(value.data), { shape: value.shape, dtype: "int32" });
}
