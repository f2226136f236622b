/**
 * Checks an inference request of the Open Inference Protocol (KServe v2) against the model it is
 * for, and turns it into float32 values, or says what is wrong with it (as Triton does: which
 * input, which field, what was expected and what came).
 */
import { describe, quote, RequestError } from "./http.ts";
import { INPUT_NAME, type ServedModel } from "./registry.ts";

/** A checked inference request: `batch` samples of the model's input shape, row-major. */
export interface InferRequest {
  id: string | undefined;
  batch: number;
  values: Float32Array;
  /** The outputs to answer with, in the model's order. */
  outputs: string[];
}

/** The tensor datatypes of the protocol; edgegrad models take FP32 only. */
const DATATYPES = new Set([
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
]);

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Parses a JSON request body (UTF-8); malformed text is a 400 saying where parsing stopped. */
export function parseJsonBody(body: Uint8Array): unknown {
  if (body.byteLength === 0) {
    throw new RequestError(400, "request body is empty; expected a JSON object");
  }
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new RequestError(400, "request body is not valid UTF-8 text; expected a JSON object");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Checks a parsed inference request for `served`: one input named "input", datatype FP32, shape
 * [batch, ...inputShape] with 1 ≤ batch ≤ maxBatch, and exactly that many finite float32 values,
 * flat or nested (nested no deeper than the shape's rank).
 */
export function checkInferRequest(
  body: unknown,
  served: ServedModel,
  maxBatch: number,
): InferRequest {
  if (!isObject(body)) {
    throw new RequestError(
      400,
      `request body must be a JSON object {"inputs": [...]}, got ${describe(body)}`,
    );
  }
  let id: string | undefined;
  if (body.id !== undefined) {
    if (typeof body.id !== "string") {
      throw new RequestError(400, `'id' must be a string, got ${describe(body.id)}`);
    }
    id = body.id;
  }
  if (body.inputs === undefined) {
    throw new RequestError(400, "missing field 'inputs' (an array of input tensors)");
  }
  if (!Array.isArray(body.inputs)) {
    throw new RequestError(400, `'inputs' must be an array, got ${describe(body.inputs)}`);
  }
  if (body.inputs.length !== 1) {
    throw new RequestError(
      400,
      `model ${quote(served.name)} takes 1 input ('${INPUT_NAME}'), got ${body.inputs.length}`,
    );
  }
  const outputs = checkRequestedOutputs(body.outputs, served);
  const input = body.inputs[0];
  if (!isObject(input)) {
    throw new RequestError(400, `inputs[0] must be an object, got ${describe(input)}`);
  }
  for (const field of ["name", "shape", "datatype", "data"]) {
    if (input[field] === undefined) {
      const binary = isObject(input.parameters) && input.parameters.binary_data_size !== undefined;
      throw new RequestError(
        400,
        binary
          ? "inputs[0]: binary tensor data is not supported; send the values in 'data'"
          : `inputs[0]: missing field '${field}'`,
      );
    }
  }
  if (typeof input.name !== "string") {
    throw new RequestError(400, `inputs[0]: 'name' must be a string, got ${describe(input.name)}`);
  }
  if (input.name !== INPUT_NAME) {
    throw new RequestError(
      400,
      `unexpected inference input ${quote(input.name)} for model ${quote(served.name)}; ` +
        `its input is '${INPUT_NAME}'`,
    );
  }
  const where = `input '${INPUT_NAME}'`;
  if (typeof input.datatype !== "string") {
    throw new RequestError(
      400,
      `${where}: 'datatype' must be a string, got ${describe(input.datatype)}`,
    );
  }
  if (input.datatype !== "FP32") {
    throw new RequestError(
      400,
      DATATYPES.has(input.datatype)
        ? `${where}: datatype is ${input.datatype} but model ${quote(served.name)} takes FP32`
        : `${where}: ${
          quote(input.datatype)
        } is not a datatype of the protocol; the model takes FP32`,
    );
  }
  const batch = checkShape(input.shape, served, maxBatch, where);
  if (!Array.isArray(input.data)) {
    throw new RequestError(
      400,
      `${where}: 'data' must be an array of numbers (flat, row-major, or nested), got ` +
        describe(input.data),
    );
  }
  const sampleSize = served.inputShape.reduce((a, b) => a * b, 1);
  const shape = input.shape as number[];
  const values = flattenData(input.data, batch * sampleSize, shape, where);
  return { id, batch, values, outputs };
}

function checkShape(
  shape: unknown,
  served: ServedModel,
  maxBatch: number,
  where: string,
): number {
  const expected = `[-1, ${served.inputShape.join(", ")}]`;
  if (!Array.isArray(shape)) {
    throw new RequestError(
      400,
      `${where}: 'shape' must be an array of integers, got ${describe(shape)}`,
    );
  }
  const bad = shape.findIndex((d) => !Number.isSafeInteger(d) || (d as number) < 0);
  if (bad >= 0) {
    throw new RequestError(
      400,
      `${where}: shape[${bad}] is ${describe(shape[bad])}; dims must be non-negative integers`,
    );
  }
  const dims = shape as number[];
  const fits = dims.length === served.inputShape.length + 1 &&
    served.inputShape.every((d, i) => dims[i + 1] === d);
  if (!fits) {
    throw new RequestError(
      400,
      `${where}: shape ${formatShape(dims)} does not match the model's input ${expected} ` +
        "(a batch dim, then one sample's shape)",
    );
  }
  const batch = dims[0];
  if (batch < 1) throw new RequestError(400, `${where}: shape ${formatShape(dims)} has no samples`);
  if (batch > maxBatch) {
    throw new RequestError(
      400,
      `${where}: a batch of ${batch} exceeds this server's limit of ${maxBatch} samples per request`,
    );
  }
  return batch;
}

/**
 * Flattens `data` (flat, or nested up to the shape's rank) into `expected` float32 values. The walk
 * keeps its own stack, so deeply nested input cannot overflow the call stack.
 */
function flattenData(
  data: unknown[],
  expected: number,
  shape: number[],
  where: string,
): Float32Array {
  const out = new Float32Array(expected);
  const arrays: unknown[][] = [data];
  const positions: number[] = [0];
  let count = 0;
  while (arrays.length > 0) {
    const top = arrays.length - 1;
    const array = arrays[top];
    const i = positions[top];
    if (i === array.length) {
      arrays.pop();
      positions.pop();
      continue;
    }
    positions[top] = i + 1;
    const value = array[i];
    if (typeof value === "number") {
      const single = Math.fround(value);
      if (!Number.isFinite(single)) {
        throw new RequestError(
          400,
          `${where}: value ${count} (${value}) overflows float32 (largest magnitude ` +
            "3.4028234663852886e38); FP32 data must be finite",
        );
      }
      if (count < expected) out[count] = single;
      count++;
    } else if (Array.isArray(value)) {
      if (arrays.length >= shape.length) {
        throw new RequestError(
          400,
          `${where}: 'data' is nested deeper than its shape ${formatShape(shape)} has dims`,
        );
      }
      arrays.push(value);
      positions.push(0);
    } else {
      throw new RequestError(
        400,
        `${where}: value ${count} is ${describe(value)}; FP32 data must be numbers ` +
          "(NaN and Infinity cannot be sent)",
      );
    }
  }
  if (count !== expected) {
    throw new RequestError(
      400,
      `${where}: shape ${formatShape(shape)} needs ${expected} values, got ${count} (too ` +
        `${count < expected ? "few" : "many"})`,
    );
  }
  return out;
}

function checkRequestedOutputs(requested: unknown, served: ServedModel): string[] {
  if (requested === undefined) return [...served.outputs];
  if (!Array.isArray(requested)) {
    throw new RequestError(400, `'outputs' must be an array, got ${describe(requested)}`);
  }
  const names = new Set<string>();
  requested.forEach((output, i) => {
    if (!isObject(output) || typeof output.name !== "string") {
      throw new RequestError(
        400,
        `outputs[${i}] must be an object with a string 'name', got ${describe(output)}`,
      );
    }
    if (!served.outputs.includes(output.name)) {
      throw new RequestError(
        400,
        `unexpected inference output ${quote(output.name)} for model ${quote(served.name)}; ` +
          `its outputs are ${served.outputs.map((o) => `'${o}'`).join(", ")}`,
      );
    }
    names.add(output.name);
  });
  if (names.size === 0) throw new RequestError(400, "'outputs' is empty; ask for at least one");
  return served.outputs.filter((o) => names.has(o));
}
