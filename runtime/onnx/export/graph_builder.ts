/**
 * `GraphBuilder`: collects the nodes and initializers of an exported graph, gives each value a
 * unique name, and writes each parameter once as an initializer named after it (its dotted name
 * in the module tree, as `stateDict()` names it).
 */
import type { Tensor } from "../../tensor.ts";
import { type AttributeProto, AttributeType, type NodeProto, type TensorProto } from "../proto.ts";
import { DataType } from "../value.ts";

/** An attribute of a node, with its ONNX type made explicit. */
export type Attribute =
  | { int: number }
  | { ints: readonly number[] }
  | { float: number }
  | { floats: readonly number[] }
  | { string: string }
  | { strings: readonly string[] };

const utf8 = new TextEncoder();

function attribute(name: string, value: Attribute): AttributeProto {
  const a: AttributeProto = {
    name,
    type: 0,
    f: 0,
    i: 0,
    s: new Uint8Array(0),
    t: null,
    g: null,
    floats: [],
    ints: [],
    strings: [],
    tensors: [],
    graphs: [],
    refAttrName: "",
  };
  if ("int" in value) Object.assign(a, { type: AttributeType.INT, i: value.int });
  else if ("ints" in value) Object.assign(a, { type: AttributeType.INTS, ints: [...value.ints] });
  else if ("float" in value) Object.assign(a, { type: AttributeType.FLOAT, f: value.float });
  else if ("floats" in value) {
    Object.assign(a, { type: AttributeType.FLOATS, floats: [...value.floats] });
  } else if ("strings" in value) {
    Object.assign(a, {
      type: AttributeType.STRINGS,
      strings: value.strings.map((s) => utf8.encode(s)),
    });
  } else Object.assign(a, { type: AttributeType.STRING, s: utf8.encode(value.string) });
  return a;
}

/** A TensorProto holding `data` as raw little-endian bytes. */
export function tensorProto(
  name: string,
  dims: readonly number[],
  dataType: number,
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array,
): TensorProto {
  return {
    name,
    dims: [...dims],
    dataType,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    floatData: [],
    doubleData: [],
    int32Data: [],
    int64Data: [],
    uint64Data: [],
    stringData: [],
    externalData: new Map(),
    dataLocation: 0,
  };
}

/** The nodes and initializers of a graph under construction. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly written = new Map<Tensor, string>();

  /**
   * `names` gives each parameter and buffer its dotted name; those names are reserved from the
   * start so that no node output takes one.
   */
  constructor(private readonly names: ReadonlyMap<Tensor, string>) {
    for (const name of names.values()) this.used.add(name);
  }

  /** A value name not used yet: `hint`, or `hint_2`, `hint_3`, ... */
  fresh(hint: string): string {
    let name = hint, k = 2;
    while (this.used.has(name)) name = `${hint}_${k++}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name given from outside (the graph input). */
  reserve(name: string): void {
    if (this.used.has(name)) {
      throw new Error(
        `saveOnnx: a parameter is named '${name}', the name of the graph input; rename the field`,
      );
    }
    this.used.add(name);
  }

  /**
   * Adds a node and returns its output names (`outputs` of them, named after `hint`). `name`
   * is the node's name, unique among nodes.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    { hint = opType, outputs = 1 }: { hint?: string; outputs?: number } = {},
  ): string[] {
    let name = hint, k = 2;
    while (this.nodeNames.has(name)) name = `${hint}_${k++}`;
    this.nodeNames.add(name);
    const outputNames = Array.from(
      { length: outputs },
      (_, i) => this.fresh(`${name}_output_${i}`),
    );
    this.nodes.push({
      name,
      opType,
      domain: "",
      inputs: [...inputs],
      outputs: outputNames,
      attributes: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputNames;
  }

  /** The initializer of a parameter or buffer, named after it; written once however often used. */
  weight(t: Tensor): string {
    const seen = this.written.get(t);
    if (seen !== undefined) return seen;
    const name = this.names.get(t);
    if (name === undefined) {
      throw new Error(
        "GraphBuilder: a layer's tensor is not among the model's parameters or buffers " +
          "(was it assigned to a field of a module?)",
      );
    }
    this.initializers.push(tensorProto(name, t.shape, DataType.FLOAT, t.data() as Float32Array));
    this.written.set(t, name);
    return name;
  }

  /** An int64 constant initializer (shapes, axes). */
  int64(hint: string, values: readonly number[], dims: readonly number[] = [values.length]) {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push(tensorProto(name, dims, DataType.INT64, data));
    return name;
  }

  /** A float constant initializer (a scalar by default: dims []). */
  float(hint: string, values: readonly number[], dims: readonly number[] = []) {
    const name = this.fresh(hint);
    this.initializers.push(
      tensorProto(name, dims, DataType.FLOAT, Float32Array.from(values)),
    );
    return name;
  }

  /**
   * Renames the value `from` to `to` when `to` is free and `from` is a node output no other node
   * reads; says whether it did.
   */
  rename(from: string, to: string): boolean {
    if (this.used.has(to)) return false;
    const producer = this.nodes.findLast((n) => n.outputs.includes(from));
    if (producer === undefined) return false;
    if (this.nodes.some((n) => n !== producer && n.inputs.includes(from))) return false;
    producer.outputs = producer.outputs.map((o) => (o === from ? to : o));
    this.used.add(to);
    return true;
  }
}
