/**
 * The PyTorch fixture of the sequence layers (scripts/reference/seq_fixtures.py writes
 * test/fixtures/seq_reference.json) and a runner that loads a case's state dict by name into a
 * module, runs it, and compares outputs and gradients with PyTorch's.
 */
import assert from "node:assert/strict";
import { type nn, type Tensor, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

/** A tensor as the script writes it (booleans as 0/1 with dtype "bool"). */
export interface TensorJson {
  shape: number[];
  dtype?: "bool";
  /** The numbers separated by spaces (infinities as "inf" and "-inf"). */
  values: string;
}

/** One recorded case. */
export interface ReferenceCase {
  options: Record<string, unknown>;
  state: Record<string, TensorJson>;
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  upstream: Record<string, TensorJson>;
  inputGrads: Record<string, TensorJson>;
  paramGrads: Record<string, TensorJson>;
}

/** The whole fixture. */
export const reference: { torch: string; cases: Record<string, ReferenceCase> } = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/seq_reference.json", import.meta.url)),
);

/** A float32 tensor (int32 0/1 for booleans) from the fixture; float inputs collect gradients. */
/** The numbers of a fixture tensor. */
export function numbers(t: TensorJson): number[] {
  return t.values === ""
    ? []
    : t.values.split(" ").map((v) => v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v));
}

export function fromJson(t: TensorJson, requiresGrad = false): Tensor {
  if (t.dtype === "bool") {
    return tensor(Int32Array.from(numbers(t)), { shape: t.shape, dtype: "int32" });
  }
  return tensor(Float32Array.from(numbers(t)), { shape: t.shape, requiresGrad });
}

/**
 * Float32 agreement: outputs within 1e-5 absolute (values are of order 1), gradients within 1e-5
 * absolute plus 1e-4 relative (sums over steps and heads of products of order-1 terms).
 */
export const OUTPUT_TOLERANCE = { atol: 1e-5, rtol: 1e-5 };
export const GRAD_TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

/**
 * Loads the case's state dict by name into `module` (strict: the names must be PyTorch's), runs
 * `run` on the fixture's inputs, and checks every output, and the gradients of
 * Σ output·upstream for every float input and every parameter, against PyTorch's.
 */
export function checkAgainstReference(
  name: string,
  module: nn.Module,
  run: (inputs: Record<string, Tensor>) => Record<string, Tensor>,
): void {
  const c = reference.cases[name];
  assert.ok(c, `no case ${name} in the fixture`);
  module.loadStateDict(
    Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromJson(v)])),
  );
  module.eval();
  const inputs = Object.fromEntries(
    Object.entries(c.inputs).map(([k, v]) => [k, fromJson(v, v.dtype !== "bool")]),
  );
  const outputs = run(inputs);
  assert.deepEqual(Object.keys(outputs).sort(), Object.keys(c.outputs).sort());
  let loss: Tensor | null = null;
  for (const [key, expected] of Object.entries(c.outputs)) {
    const actual = outputs[key];
    assert.deepEqual(actual.shape, expected.shape, `${name}: shape of ${key}`);
    try {
      assertClose(actual, numbers(expected), OUTPUT_TOLERANCE);
    } catch (error) {
      throw new Error(`${name}: output ${key}: ${(error as Error).message}`);
    }
    const term = actual.mul(fromJson(c.upstream[key])).sum();
    loss = loss === null ? term : loss.add(term);
  }
  loss!.backward();
  const check = (kind: string, key: string, actual: Tensor | null, expected: TensorJson) => {
    assert.ok(actual, `${name}: no gradient for ${kind} ${key}`);
    try {
      assertClose(actual, numbers(expected), GRAD_TOLERANCE);
    } catch (error) {
      throw new Error(`${name}: gradient of ${kind} ${key}: ${(error as Error).message}`);
    }
  };
  for (const [key, expected] of Object.entries(c.inputGrads)) {
    check("input", key, inputs[key].grad, expected);
  }
  const parameters = new Map(module.namedParameters());
  assert.deepEqual([...parameters.keys()], Object.keys(c.paramGrads), `${name}: parameter names`);
  for (const [key, expected] of Object.entries(c.paramGrads)) {
    check("parameter", key, parameters.get(key)!.grad, expected);
  }
}
