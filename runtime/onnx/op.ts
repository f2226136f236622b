/**
 * What an ONNX op implementation is: the attributes it understands, an optional check of their
 * values at load (so an unsupported form is refused before the first request), and `run`, which
 * maps input values to output values with edgegrad ops (so autograd sees every step).
 */
import type { Value } from "./value.ts";
import { type AttributeProto, AttributeType, text } from "./proto.ts";
import { tensorValue } from "./tensor_data.ts";

/** The attributes of one node, read with defaults. */
export class Attributes {
  private readonly byName: Map<string, AttributeProto>;
  constructor(readonly node: string, attributes: readonly AttributeProto[]) {
    this.byName = new Map(attributes.map((a) => [a.name, a]));
  }
  /** The attribute names present. */
  names(): string[] {
    return [...this.byName.keys()];
  }
  /** True when the node sets the attribute. */
  has(name: string): boolean {
    return this.byName.has(name);
  }
  private get(name: string, type: number): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (a !== undefined && a.type !== 0 && a.type !== type) {
      throw new Error(
        `node ${this.node}: attribute '${name}' has type ${a.type}, expected ${type}`,
      );
    }
    return a;
  }
  /** An INT attribute. */
  int(name: string, fallback: number): number {
    return this.get(name, AttributeType.INT)?.i ?? fallback;
  }
  /** A FLOAT attribute. */
  float(name: string, fallback: number): number {
    return this.get(name, AttributeType.FLOAT)?.f ?? fallback;
  }
  /** A STRING attribute. */
  string(name: string, fallback: string): string {
    const a = this.get(name, AttributeType.STRING);
    return a === undefined ? fallback : text(a.s);
  }
  /** An INTS attribute (undefined when absent). */
  ints(name: string): number[] | undefined {
    return this.get(name, AttributeType.INTS)?.ints;
  }
  /** A FLOATS attribute (undefined when absent). */
  floats(name: string): number[] | undefined {
    return this.get(name, AttributeType.FLOATS)?.floats;
  }
  /** A STRINGS attribute (undefined when absent). */
  strings(name: string): string[] | undefined {
    return this.get(name, AttributeType.STRINGS)?.strings.map((bytes) => text(bytes));
  }
  /** A TENSOR attribute as a value (undefined when absent). */
  tensor(name: string): Value | undefined {
    const a = this.get(name, AttributeType.TENSOR);
    return a?.t ? tensorValue(a.t, `attribute '${name}' of node ${this.node}`) : undefined;
  }
}

/** What a node's implementation sees besides its inputs. */
export interface NodeContext {
  /** The node's name (or op and index when unnamed), for errors. */
  readonly name: string;
  readonly attributes: Attributes;
  /** The opset version of the default domain the model imports. */
  readonly opset: number;
  /** The module's training flag (Dropout, BatchNormalization follow it). */
  readonly training: boolean;
  /** How many outputs the node declares. */
  readonly outputCount: number;
}

/** One ONNX op: its attributes and its implementation. */
export interface OpSpec {
  /** The attributes the implementation reads; any other one is refused at load. */
  readonly attributes: readonly string[];
  /** Reasons an attribute value (or opset) is not supported, or null. Run at load. */
  readonly check?: (
    attributes: Attributes,
    opset: number,
    inputCount: number,
    outputCount: number,
  ) => string | null;
  /** False for ops whose result may differ between runs (random), never folded at load. */
  readonly deterministic?: boolean;
  /** The outputs from the inputs (a missing optional input is undefined). */
  readonly run: (inputs: readonly (Value | undefined)[], context: NodeContext) => Value[];
}

/** A table of op specs by op type. */
export type OpTable = Record<string, OpSpec>;

/** Throws an error naming the node. */
export function fail(context: NodeContext, message: string): never {
  throw new Error(`ONNX node ${context.name}: ${message}`);
}

/** The input at `index`, which the op needs. */
export function required(
  inputs: readonly (Value | undefined)[],
  index: number,
  context: NodeContext,
): Value {
  const value = inputs[index];
  if (value === undefined) fail(context, `input ${index} is required but missing`);
  return value;
}
