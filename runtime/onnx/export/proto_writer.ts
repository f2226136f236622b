/**
 * The encoder beside proto.ts's decoder: writes the same message shapes (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto) with protobufjs's minimal `Writer`, so a
 * decoded model can be written back and a built one written the same way. Field numbers follow
 * onnx.proto (ONNX 1.12). Repeated integers are written unpacked, as onnx's own writer does.
 */
import type protobufModule from "protobufjs/minimal.js";
import { protobuf } from "../protobuf.ts";
import {
  type AttributeProto,
  AttributeType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfo,
} from "../proto.ts";

type Writer = protobufModule.Writer;

const WIRE_VARINT = 0, WIRE_I32 = 5, WIRE_LEN = 2;

function tag(w: Writer, field: number, wire: number): Writer {
  return w.uint32((field << 3) | wire);
}

/** A length-delimited sub-message written by `body`. */
function message(w: Writer, field: number, body: (w: Writer) => void): void {
  tag(w, field, WIRE_LEN).fork();
  body(w);
  w.ldelim();
}

function string(w: Writer, field: number, value: string): void {
  if (value !== "") tag(w, field, WIRE_LEN).string(value);
}

function int64s(w: Writer, field: number, values: readonly number[]): void {
  for (const v of values) tag(w, field, WIRE_VARINT).int64(v);
}

/** Floats as one packed field: raw little-endian bytes kept as they are, numbers encoded. */
function packedFloats(
  w: Writer,
  field: number,
  values: Uint8Array | readonly number[],
  width: 4 | 8,
) {
  if (values.length === 0) return;
  if (values instanceof Uint8Array) {
    tag(w, field, WIRE_LEN).bytes(values);
    return;
  }
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) =>
    width === 4 ? view.setFloat32(i * 4, v, true) : view.setFloat64(i * 8, v, true)
  );
  tag(w, field, WIRE_LEN).bytes(bytes);
}

function writeTensor(w: Writer, t: TensorProto): void {
  int64s(w, 1, t.dims);
  tag(w, 2, WIRE_VARINT).int32(t.dataType);
  packedFloats(w, 4, t.floatData, 4);
  for (const v of t.int32Data) tag(w, 5, WIRE_VARINT).int32(v);
  for (const s of t.stringData) tag(w, 6, WIRE_LEN).bytes(s);
  int64s(w, 7, t.int64Data);
  string(w, 8, t.name);
  if (t.rawData !== null) tag(w, 9, WIRE_LEN).bytes(t.rawData);
  packedFloats(w, 10, t.doubleData, 8);
  for (const v of t.uint64Data) tag(w, 11, WIRE_VARINT).uint64(v);
  for (const [key, value] of t.externalData) {
    message(w, 13, (w) => {
      string(w, 1, key);
      string(w, 2, value);
    });
  }
  if (t.dataLocation !== 0) tag(w, 14, WIRE_VARINT).int32(t.dataLocation);
}

/** The attribute's declared type, or the one its filled field implies (IR < 3 files omit it). */
function attributeType(a: AttributeProto): number {
  if (a.type !== 0) return a.type;
  if (a.t !== null) return AttributeType.TENSOR;
  if (a.g !== null) return AttributeType.GRAPH;
  if (a.floats.length > 0) return AttributeType.FLOATS;
  if (a.ints.length > 0) return AttributeType.INTS;
  if (a.strings.length > 0) return AttributeType.STRINGS;
  if (a.tensors.length > 0) return AttributeType.TENSORS;
  if (a.graphs.length > 0) return AttributeType.GRAPHS;
  if (a.s.length > 0) return AttributeType.STRING;
  return a.f !== 0 ? AttributeType.FLOAT : AttributeType.INT;
}

function writeAttribute(w: Writer, a: AttributeProto): void {
  string(w, 1, a.name);
  const type = attributeType(a);
  switch (type) {
    case AttributeType.FLOAT:
      tag(w, 2, WIRE_I32).float(a.f);
      break;
    case AttributeType.INT:
      tag(w, 3, WIRE_VARINT).int64(a.i);
      break;
    case AttributeType.STRING:
      tag(w, 4, WIRE_LEN).bytes(a.s);
      break;
    case AttributeType.TENSOR:
      if (a.t !== null) message(w, 5, (w) => writeTensor(w, a.t!));
      break;
    case AttributeType.GRAPH:
      if (a.g !== null) message(w, 6, (w) => writeGraph(w, a.g!));
      break;
    case AttributeType.FLOATS:
      for (const v of a.floats) tag(w, 7, WIRE_I32).float(v);
      break;
    case AttributeType.INTS:
      int64s(w, 8, a.ints);
      break;
    case AttributeType.STRINGS:
      for (const s of a.strings) tag(w, 9, WIRE_LEN).bytes(s);
      break;
    case AttributeType.TENSORS:
      for (const t of a.tensors) message(w, 10, (w) => writeTensor(w, t));
      break;
    case AttributeType.GRAPHS:
      for (const g of a.graphs) message(w, 11, (w) => writeGraph(w, g));
      break;
  }
  tag(w, 20, WIRE_VARINT).int32(type);
  string(w, 21, a.refAttrName);
}

function writeNode(w: Writer, node: NodeProto): void {
  for (const input of node.inputs) tag(w, 1, WIRE_LEN).string(input);
  for (const output of node.outputs) tag(w, 2, WIRE_LEN).string(output);
  string(w, 3, node.name);
  string(w, 4, node.opType);
  for (const a of node.attributes) message(w, 5, (w) => writeAttribute(w, a));
  string(w, 7, node.domain);
}

function writeValueInfo(w: Writer, info: ValueInfo): void {
  string(w, 1, info.name);
  message(w, 2, (w) =>
    message(w, 1, (w) => {
      tag(w, 1, WIRE_VARINT).int32(info.elemType);
      if (info.shape === null) return;
      message(w, 2, (w) => {
        for (const dim of info.shape!) {
          message(w, 1, (w) => {
            if (typeof dim === "number") tag(w, 1, WIRE_VARINT).int64(dim);
            else if (typeof dim === "string") string(w, 2, dim);
          });
        }
      });
    }));
}

function writeGraph(w: Writer, graph: GraphProto): void {
  for (const node of graph.nodes) message(w, 1, (w) => writeNode(w, node));
  string(w, 2, graph.name);
  for (const t of graph.initializers) message(w, 5, (w) => writeTensor(w, t));
  for (const info of graph.inputs) message(w, 11, (w) => writeValueInfo(w, info));
  for (const info of graph.outputs) message(w, 12, (w) => writeValueInfo(w, info));
  for (const info of graph.valueInfo) message(w, 13, (w) => writeValueInfo(w, info));
}

/** Encodes a model as the bytes of an `.onnx` file. */
export function encodeModel(model: ModelProto): Uint8Array {
  if (model.functions > 0) {
    throw new Error(
      `encodeModel: the model has ${model.functions} local functions, which the encoder ` +
        "does not keep",
    );
  }
  if (model.graph.sparseInitializers > 0) {
    throw new Error("encodeModel: sparse initializers are not kept by the encoder");
  }
  const w = protobuf().Writer.create();
  tag(w, 1, WIRE_VARINT).int64(model.irVersion);
  string(w, 2, model.producerName);
  message(w, 7, (w) => writeGraph(w, model.graph));
  for (const opset of model.opsetImports) {
    message(w, 8, (w) => {
      string(w, 1, opset.domain);
      tag(w, 2, WIRE_VARINT).int64(opset.version);
    });
  }
  return w.finish();
}
