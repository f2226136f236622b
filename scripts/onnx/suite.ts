/**
 * The ONNX backend conformance suite (Debian's libonnx-testdata, ONNX 1.12) run on edgegrad:
 * each test is a `model.onnx` and `test_data_set_N/{input,output}_K.pb`; a test passes when every
 * output of every data set matches within the suite's tolerance (rtol 1e-3, atol 1e-7). A test
 * whose model edgegrad refuses at load (unsupported op, attribute or opset) is "unsupported".
 */
import { scope } from "../../runtime/mod.ts";
import { onnxFromBytes, OnnxImportError } from "../../runtime/onnx/mod.ts";
import { decodeModel, decodeTensorProto } from "../../runtime/onnx/proto.ts";
import { tensorValue } from "../../runtime/onnx/tensor_data.ts";
import { numbers, type Value } from "../../runtime/onnx/value.ts";
import { onnxReady } from "../../runtime/onnx/protobuf.ts";

// The ONNX reader and writer load protobufjs on first use; the synchronous calls below need it.
await onnxReady();

/** Where apt puts the suite. */
export const SUITE_ROOT = "/usr/share/libonnx-testdata/data";
/** The suite's folders. */
export const FOLDERS = ["node", "pytorch-converted", "pytorch-operator", "simple"] as const;
/** The suite's tolerance. */
export const RTOL = 1e-3, ATOL = 1e-7;

/** What happened to one test. */
export interface SuiteResult {
  /** "folder/test_name". */
  id: string;
  folder: string;
  /** The op types of the model's graph. */
  ops: string[];
  status: "pass" | "fail" | "unsupported" | "error";
  detail: string;
}

/** The ids of every test in the installed suite, "folder/name", sorted. */
export function listTests(root = SUITE_ROOT): string[] {
  const ids: string[] = [];
  for (const folder of FOLDERS) {
    for (const entry of Deno.readDirSync(`${root}/${folder}`)) {
      if (entry.isDirectory) ids.push(`${folder}/${entry.name}`);
    }
  }
  return ids.sort();
}

function dataSets(dir: string): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isDirectory && e.name.startsWith("test_data_set_"))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}

function readTensors(dir: string, prefix: string): Value[] {
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.name.startsWith(prefix) && e.name.endsWith(".pb"))
    .map((e) => e.name)
    .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
  return files.map((name) =>
    tensorValue(decodeTensorProto(Deno.readFileSync(`${dir}/${name}`)), `${dir}/${name}`)
  );
}

/** The first mismatch between an output and its reference, or null when they agree. */
export function mismatch(actual: Value, expected: Value): string | null {
  if (actual.shape.join(",") !== expected.shape.join(",")) {
    return `shape [${actual.shape}] instead of [${expected.shape}]`;
  }
  const got = numbers(actual), want = numbers(expected);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], e = want[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= ATOL + RTOL * Math.abs(e))) {
      return `element ${i} is ${a} instead of ${e}`;
    }
  }
  return null;
}

/** Runs one test ("folder/name"). */
export function runTest(id: string, root = SUITE_ROOT): SuiteResult {
  const folder = id.slice(0, id.indexOf("/"));
  const dir = `${root}/${id}`;
  const bytes = Deno.readFileSync(`${dir}/model.onnx`);
  let ops: string[] = [];
  try {
    ops = [...new Set(decodeModel(bytes).graph.nodes.map((n) => n.opType))];
  } catch (error) {
    return { id, folder, ops, status: "error", detail: (error as Error).message };
  }
  return scope(() => {
    let model;
    try {
      model = onnxFromBytes(bytes);
    } catch (error) {
      const status = error instanceof OnnxImportError ? "unsupported" : "error";
      return {
        id,
        folder,
        ops,
        status,
        detail: (error as Error).message.split("\n").slice(0, 3).join(" "),
      };
    }
    for (const set of dataSets(dir)) {
      try {
        const inputs = readTensors(set, "input_");
        const expected = readTensors(set, "output_");
        const outputs = model.runValues(inputs as never);
        for (let k = 0; k < expected.length; k++) {
          const problem = outputs[k] === undefined ? "missing" : mismatch(outputs[k], expected[k]);
          if (problem !== null) {
            return {
              id,
              folder,
              ops,
              status: "fail" as const,
              detail: `${set.slice(dir.length + 1)} output ${k}: ${problem}`,
            };
          }
        }
      } catch (error) {
        return { id, folder, ops, status: "error" as const, detail: (error as Error).message };
      }
    }
    return { id, folder, ops, status: "pass" as const, detail: "" };
  });
}
