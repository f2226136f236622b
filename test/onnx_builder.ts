/**
 * Writes small ONNX models for the tests (protobufjs's Writer, the field numbers of onnx.proto),
 * so each bad-input case is one deliberate defect in an otherwise valid model.
 */
import protobuf from "protobufjs/minimal.js";

type Writer = protobuf.Writer;

/** An attribute value: number (INT unless `float`), list of ints, float list or string list. */
export type AttributeValue =
  | number
  | number[]
  | { float: number }
  | { floats: number[] }
  | { strings: string[] }
  | string;

/** A node of the graph. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

/** An initializer: float data (or int64 with `int64`) and dims. */
export interface InitializerSpec {
  name: string;
  dims: number[];
  data: number[];
  int64?: boolean;
  /** Bytes to store as raw_data instead of `data` (for corrupt payloads). */
  raw?: Uint8Array;
}

/** A graph input or output: name, element type (1 float, 7 int64) and dims (strings dynamic). */
export interface ValueSpec {
  name: string;
  type?: number;
  dims: (number | string)[];
}

/** The model to write. */
export interface ModelSpec {
  opset?: number;
  nodes: NodeSpec[];
  initializers?: InitializerSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

function message(w: Writer, field: number, body: (w: Writer) => void): void {
  w.uint32((field << 3) | 2).fork();
  body(w);
  w.ldelim();
}

function valueInfo(w: Writer, field: number, v: ValueSpec): void {
  message(w, field, (w) => {
    w.uint32(10).string(v.name);
    message(w, 2, (w) =>
      message(w, 1, (w) => {
        w.uint32(8).int32(v.type ?? 1);
        message(w, 2, (w) => {
          for (const d of v.dims) {
            message(w, 1, (w) => {
              if (typeof d === "number") w.uint32(8).int64(d);
              else w.uint32(18).string(d);
            });
          }
        });
      }));
  });
}

function attribute(w: Writer, name: string, value: AttributeValue): void {
  message(w, 5, (w) => {
    w.uint32(10).string(name);
    if (typeof value === "number") w.uint32(24).int64(value).uint32(160).int32(2);
    else if (typeof value === "string") w.uint32(34).string(value).uint32(160).int32(3);
    else if (Array.isArray(value)) {
      for (const v of value) w.uint32(64).int64(v);
      w.uint32(160).int32(7);
    } else if ("strings" in value) {
      for (const v of value.strings) w.uint32(74).string(v);
      w.uint32(160).int32(8);
    } else if ("float" in value) w.uint32(21).float(value.float).uint32(160).int32(1);
    else {
      for (const v of value.floats) w.uint32(61).float(v);
      w.uint32(160).int32(6);
    }
  });
}

/** The bytes of an ONNX model. */
export function buildModel(spec: ModelSpec): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(8).int64(8);
  message(w, 8, (w) => w.uint32(16).int64(spec.opset ?? 13));
  message(w, 7, (w) => {
    spec.nodes.forEach((node, index) => {
      message(w, 1, (w) => {
        for (const input of node.inputs) w.uint32(10).string(input);
        for (const output of node.outputs) w.uint32(18).string(output);
        w.uint32(26).string(node.name ?? `n${index}`);
        w.uint32(34).string(node.op);
        for (const [name, value] of Object.entries(node.attributes ?? {})) {
          attribute(w, name, value);
        }
        if (node.domain) w.uint32(58).string(node.domain);
      });
    });
    w.uint32(18).string("test");
    for (const init of spec.initializers ?? []) {
      message(w, 5, (w) => {
        for (const d of init.dims) w.uint32(8).int64(d);
        w.uint32(16).int32(init.int64 ? 7 : 1);
        w.uint32(66).string(init.name);
        if (init.raw) w.uint32(74).bytes(init.raw);
        else if (init.int64) { for (const v of init.data) w.uint32(56).int64(v); }
        else w.uint32(74).bytes(new Uint8Array(Float32Array.from(init.data).buffer));
      });
    }
    for (const input of spec.inputs) valueInfo(w, 11, input);
    for (const output of spec.outputs) valueInfo(w, 12, output);
  });
  return w.finish();
}
