/**
 * A decoder for the ONNX protobuf messages a model needs (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto), written over protobufjs's minimal `Reader`. Field
 * numbers follow onnx.proto (ONNX 1.12). Bulk numeric fields (`raw_data`, packed `float_data`)
 * stay views of the file's bytes: no element is touched here.
 */
import type protobufModule from "protobufjs/minimal.js";
import { protobuf } from "./protobuf.ts";

type Reader = protobufModule.Reader;

/** Raised for bytes that are not a well-formed ONNX model; says where decoding stopped. */
export class OnnxFormatError extends Error {
  override name = "OnnxFormatError";
}

/** One entry of the `opset_import` list. */
export interface OpsetId {
  domain: string;
  version: number;
}

/** A dimension: a number, a symbolic name (dynamic), or unknown (null). */
export type Dim = number | string | null;

/** A graph input/output description: element type and shape (null when not given). */
export interface ValueInfo {
  name: string;
  elemType: number;
  shape: Dim[] | null;
}

/** TensorProto: dims, type, and the payload as it sits in the file. */
export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array | null;
  /** Packed float_data as bytes (little-endian f32), or unpacked values. */
  floatData: Uint8Array | number[];
  doubleData: Uint8Array | number[];
  int32Data: number[];
  int64Data: number[];
  uint64Data: number[];
  stringData: Uint8Array[];
  externalData: Map<string, string>;
  dataLocation: number;
}

/** AttributeProto with the value of its declared type. */
export interface AttributeProto {
  name: string;
  type: number;
  f: number;
  i: number;
  s: Uint8Array;
  t: TensorProto | null;
  g: GraphProto | null;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  refAttrName: string;
}

/** NodeProto. */
export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeProto[];
}

/** GraphProto. */
export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  sparseInitializers: number;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
}

/** ModelProto. */
export interface ModelProto {
  irVersion: number;
  producerName: string;
  opsetImports: OpsetId[];
  graph: GraphProto;
  functions: number;
}

/** Attribute type codes (AttributeProto.AttributeType). */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

const WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_I32 = 5;

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** int64 as a number (values past 2^53 lose precision, which no shape or index reaches). */
function int64(reader: Reader): number {
  const value: unknown = reader.int64();
  if (typeof value === "number") return value;
  return (value as { toNumber(): number }).toNumber();
}

function uint64(reader: Reader): number {
  const value: unknown = reader.uint64();
  if (typeof value === "number") return value;
  return (value as { toNumber(): number }).toNumber();
}

/** A length-delimited sub-message: a reader over its bytes (protobufjs's bytes() is a view). */
function sub(reader: Reader): Reader {
  return protobuf().Reader.create(reader.bytes());
}

/** Repeated int64 in packed or unpacked form. */
function repeatedInt64(reader: Reader, wire: number, out: number[], read = int64): void {
  if (wire === WIRE_LEN) {
    const inner = sub(reader);
    while (inner.pos < inner.len) out.push(read(inner));
  } else out.push(read(reader));
}

/** Repeated int32 in packed or unpacked form. */
function repeatedInt32(reader: Reader, wire: number, out: number[]): void {
  if (wire === WIRE_LEN) {
    const inner = sub(reader);
    while (inner.pos < inner.len) out.push(inner.int32());
  } else out.push(reader.int32());
}

/** Repeated float: packed stays as bytes; unpacked values are gathered one by one (rare). */
function repeatedFloat(
  reader: Reader,
  wire: number,
  current: Uint8Array | number[],
  width: 4 | 8,
): Uint8Array | number[] {
  if (wire === WIRE_LEN) {
    const bytes = reader.bytes();
    if (bytes.length % width !== 0) {
      throw new OnnxFormatError(
        `packed ${width === 4 ? "float" : "double"} data of ${bytes.length} bytes`,
      );
    }
    if (current instanceof Uint8Array && current.length > 0) {
      const merged = new Uint8Array(current.length + bytes.length);
      merged.set(current);
      merged.set(bytes, current.length);
      return merged;
    }
    return bytes;
  }
  const list = current instanceof Uint8Array ? [] : current;
  list.push(width === 4 ? reader.float() : reader.double());
  return list;
}

function skip(reader: Reader, wire: number): void {
  if (wire === 3 || wire === 4 || wire > 5) {
    throw new OnnxFormatError(`unsupported protobuf wire type ${wire} at byte ${reader.pos}`);
  }
  reader.skipType(wire);
}

/** Runs `field(number, wire)` for each field of the message in `reader`. */
function fields(reader: Reader, field: (number: number, wire: number) => boolean): void {
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const number = tag >>> 3, wire = tag & 7;
    if (number === 0) throw new OnnxFormatError(`field number 0 at byte ${reader.pos}`);
    if (!field(number, wire)) skip(reader, wire);
  }
}

function expectWire(message: string, number: number, wire: number, expected: number): void {
  if (wire !== expected) {
    throw new OnnxFormatError(
      `${message} field ${number} has wire type ${wire}, expected ${expected}`,
    );
  }
}

function decodeTensor(reader: Reader): TensorProto {
  const t: TensorProto = {
    name: "",
    dims: [],
    dataType: 0,
    rawData: null,
    floatData: [],
    doubleData: [],
    int32Data: [],
    int64Data: [],
    uint64Data: [],
    stringData: [],
    externalData: new Map(),
    dataLocation: 0,
  };
  fields(reader, (number, wire) => {
    switch (number) {
      case 1:
        repeatedInt64(reader, wire, t.dims);
        return true;
      case 2:
        expectWire("TensorProto", number, wire, WIRE_VARINT);
        t.dataType = reader.int32();
        return true;
      case 4:
        t.floatData = repeatedFloat(reader, wire, t.floatData, 4);
        return true;
      case 5:
        repeatedInt32(reader, wire, t.int32Data);
        return true;
      case 6:
        expectWire("TensorProto", number, wire, WIRE_LEN);
        t.stringData.push(reader.bytes());
        return true;
      case 7:
        repeatedInt64(reader, wire, t.int64Data);
        return true;
      case 8:
        expectWire("TensorProto", number, wire, WIRE_LEN);
        t.name = reader.string();
        return true;
      case 9:
        expectWire("TensorProto", number, wire, WIRE_LEN);
        t.rawData = reader.bytes();
        return true;
      case 10:
        t.doubleData = repeatedFloat(reader, wire, t.doubleData, 8);
        return true;
      case 11:
        repeatedInt64(reader, wire, t.uint64Data, uint64);
        return true;
      case 13: {
        expectWire("TensorProto", number, wire, WIRE_LEN);
        const entry = sub(reader);
        let key = "", value = "";
        fields(entry, (n, w) => {
          if (w !== WIRE_LEN || (n !== 1 && n !== 2)) return false;
          if (n === 1) key = entry.string();
          else value = entry.string();
          return true;
        });
        t.externalData.set(key, value);
        return true;
      }
      case 14:
        expectWire("TensorProto", number, wire, WIRE_VARINT);
        t.dataLocation = reader.int32();
        return true;
    }
    return false;
  });
  return t;
}

function decodeValueInfo(reader: Reader): ValueInfo {
  const info: ValueInfo = { name: "", elemType: 0, shape: null };
  fields(reader, (number, wire) => {
    if (number === 1 && wire === WIRE_LEN) {
      info.name = reader.string();
      return true;
    }
    if (number !== 2 || wire !== WIRE_LEN) return false;
    const type = sub(reader);
    fields(type, (n, w) => {
      if (n !== 1 || w !== WIRE_LEN) return false;
      const tensorType = sub(type);
      fields(tensorType, (tn, tw) => {
        if (tn === 1 && tw === WIRE_VARINT) {
          info.elemType = tensorType.int32();
          return true;
        }
        if (tn !== 2 || tw !== WIRE_LEN) return false;
        const shape = sub(tensorType);
        info.shape = [];
        fields(shape, (sn, sw) => {
          if (sn !== 1 || sw !== WIRE_LEN) return false;
          const dimension = sub(shape);
          let dim: Dim = null;
          fields(dimension, (dn, dw) => {
            if (dn === 1 && dw === WIRE_VARINT) dim = int64(dimension);
            else if (dn === 2 && dw === WIRE_LEN) dim = dimension.string();
            else return false;
            return true;
          });
          info.shape!.push(dim);
          return true;
        });
        return true;
      });
      return true;
    });
    return true;
  });
  return info;
}

function decodeAttribute(reader: Reader, depth: number): AttributeProto {
  const a: AttributeProto = {
    name: "",
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
  fields(reader, (number, wire) => {
    switch (number) {
      case 1:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.name = reader.string();
        return true;
      case 2:
        expectWire("AttributeProto", number, wire, WIRE_I32);
        a.f = reader.float();
        return true;
      case 3:
        expectWire("AttributeProto", number, wire, WIRE_VARINT);
        a.i = int64(reader);
        return true;
      case 4:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.s = reader.bytes();
        return true;
      case 5:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.t = decodeTensor(sub(reader));
        return true;
      case 6:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.g = decodeGraph(sub(reader), depth + 1);
        return true;
      case 7: {
        const values = repeatedFloat(reader, wire, [], 4);
        if (values instanceof Uint8Array) {
          const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
          for (let k = 0; k < values.length; k += 4) a.floats.push(view.getFloat32(k, true));
        } else a.floats.push(...values);
        return true;
      }
      case 8:
        repeatedInt64(reader, wire, a.ints);
        return true;
      case 9:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.strings.push(reader.bytes());
        return true;
      case 10:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.tensors.push(decodeTensor(sub(reader)));
        return true;
      case 11:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.graphs.push(decodeGraph(sub(reader), depth + 1));
        return true;
      case 20:
        expectWire("AttributeProto", number, wire, WIRE_VARINT);
        a.type = reader.int32();
        return true;
      case 21:
        expectWire("AttributeProto", number, wire, WIRE_LEN);
        a.refAttrName = reader.string();
        return true;
    }
    return false;
  });
  return a;
}

function decodeNode(reader: Reader, depth: number): NodeProto {
  const node: NodeProto = {
    name: "",
    opType: "",
    domain: "",
    inputs: [],
    outputs: [],
    attributes: [],
  };
  fields(reader, (number, wire) => {
    if (wire !== WIRE_LEN) return false;
    switch (number) {
      case 1:
        node.inputs.push(reader.string());
        return true;
      case 2:
        node.outputs.push(reader.string());
        return true;
      case 3:
        node.name = reader.string();
        return true;
      case 4:
        node.opType = reader.string();
        return true;
      case 5:
        node.attributes.push(decodeAttribute(sub(reader), depth));
        return true;
      case 7:
        node.domain = reader.string();
        return true;
    }
    return false;
  });
  return node;
}

/** Subgraphs (If/Loop bodies) nest; a corrupt file must not recurse without end. */
const MAX_GRAPH_DEPTH = 32;

function decodeGraph(reader: Reader, depth: number): GraphProto {
  if (depth > MAX_GRAPH_DEPTH) {
    throw new OnnxFormatError(`graphs nested more than ${MAX_GRAPH_DEPTH} deep`);
  }
  const graph: GraphProto = {
    name: "",
    nodes: [],
    initializers: [],
    sparseInitializers: 0,
    inputs: [],
    outputs: [],
    valueInfo: [],
  };
  fields(reader, (number, wire) => {
    if (wire !== WIRE_LEN) return false;
    switch (number) {
      case 1:
        graph.nodes.push(decodeNode(sub(reader), depth));
        return true;
      case 2:
        graph.name = reader.string();
        return true;
      case 5:
        graph.initializers.push(decodeTensor(sub(reader)));
        return true;
      case 11:
        graph.inputs.push(decodeValueInfo(sub(reader)));
        return true;
      case 12:
        graph.outputs.push(decodeValueInfo(sub(reader)));
        return true;
      case 13:
        graph.valueInfo.push(decodeValueInfo(sub(reader)));
        return true;
      case 15:
        reader.bytes();
        graph.sparseInitializers++;
        return true;
    }
    return false;
  });
  return graph;
}

/** Runs a decoder, turning protobufjs's range errors into one clear OnnxFormatError. */
function decoding<T>(what: string, bytes: Uint8Array, decode: (reader: Reader) => T): T {
  try {
    return decode(protobuf().Reader.create(bytes));
  } catch (error) {
    if (error instanceof OnnxFormatError) {
      throw new OnnxFormatError(`${what}: ${error.message} (truncated or not ONNX?)`);
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new OnnxFormatError(
      `${what}: the ${bytes.length} bytes are not a well-formed protobuf message (${message}); ` +
        "the file is truncated or corrupt",
    );
  }
}

/** Decodes a whole `.onnx` file. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return decoding("ONNX model", bytes, (reader) => {
    const model: ModelProto = {
      irVersion: 0,
      producerName: "",
      opsetImports: [],
      graph: null as unknown as GraphProto,
      functions: 0,
    };
    fields(reader, (number, wire) => {
      if (number === 1 && wire === WIRE_VARINT) model.irVersion = int64(reader);
      else if (number === 2 && wire === WIRE_LEN) model.producerName = reader.string();
      else if (number === 7 && wire === WIRE_LEN) model.graph = decodeGraph(sub(reader), 0);
      else if (number === 8 && wire === WIRE_LEN) {
        const entry = sub(reader);
        const opset: OpsetId = { domain: "", version: 0 };
        fields(entry, (n, w) => {
          if (n === 1 && w === WIRE_LEN) opset.domain = entry.string();
          else if (n === 2 && w === WIRE_VARINT) opset.version = int64(entry);
          else return false;
          return true;
        });
        model.opsetImports.push(opset);
      } else if (number === 25 && wire === WIRE_LEN) {
        reader.bytes();
        model.functions++;
      } else return false;
      return true;
    });
    if (model.graph === null) {
      throw new OnnxFormatError("the model has no graph (field 7 of ModelProto is missing)");
    }
    return model;
  });
}

/** Decodes one serialized TensorProto (the suite's `input_0.pb` files). */
export function decodeTensorProto(bytes: Uint8Array): TensorProto {
  return decoding("ONNX tensor", bytes, decodeTensor);
}

/** A UTF-8 string attribute. */
export function text(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
