// The generated TS ↔ wasm contract (runtime/backend/bindings/) against the module it describes:
// every declared function is exported with its arity, every opcode equals the module's enum
// global, split ranges name real xStart/xEnd parameters, and the generator reads what it must.
import assert from "node:assert/strict";
import * as bindings from "../runtime/backend/bindings/mod.ts";
import { KERNEL_ELEMENT_SPLITS, KERNEL_RANGES } from "../runtime/backend/bindings/mod.ts";
import { compileKernelFile, preferredBuild } from "../runtime/backend/module.ts";
import { kernelRange, parseDeclarations, sourceDocs } from "../scripts/kernel_bindings.ts";

const root = new URL("../", import.meta.url);
const instance = new WebAssembly.Instance(await compileKernelFile(preferredBuild()), {});
const declarations = parseDeclarations(
  await Deno.readTextFile(new URL(`build/kernels.${preferredBuild()}.d.ts`, root)),
);

Deno.test("every opcode in the bindings equals the module's exported enum value", () => {
  const tables = {
    UnaryOp: bindings.UnaryOp,
    BinaryOp: bindings.BinaryOp,
    ReduceOp: bindings.ReduceOp,
  };
  let checked = 0;
  for (const [name, table] of Object.entries(tables)) {
    for (const [member, value] of Object.entries(table)) {
      const global = instance.exports[`${name}.${member}`];
      assert.ok(global instanceof WebAssembly.Global, `the module exports ${name}.${member}`);
      assert.equal(value, global.value, `${name}.${member}`);
      checked++;
    }
  }
  const exportedGlobals = Object.entries(instance.exports).filter(([, v]) =>
    v instanceof WebAssembly.Global
  );
  assert.equal(checked, exportedGlobals.length, "every enum global of the module is in a table");
});

Deno.test("every function the compiler declares is exported with the declared arity", () => {
  const functions = declarations.filter((d) => d.kind === "function");
  const exportedFunctions = Object.values(instance.exports).filter((v) => typeof v === "function");
  assert.equal(functions.length, exportedFunctions.length, "every exported function is declared");
  for (const fn of functions) {
    const exported = instance.exports[fn.name];
    assert.equal(typeof exported, "function", fn.name);
    assert.equal((exported as (...a: unknown[]) => unknown).length, fn.params.length, fn.name);
  }
});

Deno.test("split ranges point at parameters named xStart and xEnd", () => {
  for (const [name, range] of Object.entries(KERNEL_RANGES)) {
    const fn = declarations.find((d) => d.kind === "function" && d.name === name);
    assert.ok(fn && fn.kind === "function", name);
    const start = fn.params[range.start].name;
    assert.match(start, /Start$/, name);
    assert.equal(fn.params[range.end].name, start.replace(/Start$/, "End"), name);
    if (range.workspace >= 0) assert.equal(fn.params[range.workspace].name, "workspace");
  }
  assert.equal(KERNEL_RANGES.gemm?.multipleOf, 4, "gemm's @splitMultipleOf 4 is carried over");
});

Deno.test("element splits name an i32 count and usize pointers", () => {
  const names = Object.keys(KERNEL_ELEMENT_SPLITS);
  assert.ok(names.includes("unaryF32") && names.includes("adamStepF32"), names.join(", "));
  for (const [name, split] of Object.entries(KERNEL_ELEMENT_SPLITS)) {
    const fn = declarations.find((d) => d.kind === "function" && d.name === name);
    assert.ok(fn && fn.kind === "function", name);
    assert.equal(fn.params[split.count].wasmType, "i32", `${name}'s count`);
    for (const p of split.pointers) {
      assert.equal(fn.params[p].wasmType, "usize", `${name} param ${p}`);
    }
  }
});

Deno.test("the generator reads declarations, doc comments and ranges", () => {
  const dts = [
    "declare namespace __AdaptedExports {",
    "  /** assembly/demo/Op */",
    "  export enum Op {",
    "    /** @type `i32` */",
    "    Add,",
    "    /** @type `i32` */",
    "    Mul,",
    "  }",
    "  /**",
    "   * assembly/demo/scale",
    "   * @param x `usize`",
    "   * @param rowStart `i32`",
    "   * @param rowEnd `i32`",
    "   * @returns `f32`",
    "   */",
    "  export function scale(x: number, rowStart: number, rowEnd: number): number;",
    "}",
  ].join("\n");
  const parsed = parseDeclarations(dts);
  assert.deepEqual(parsed, [
    { kind: "enum", family: "demo", name: "Op", members: ["Add", "Mul"] },
    {
      kind: "function",
      family: "demo",
      name: "scale",
      params: [
        { name: "x", tsType: "number", wasmType: "usize" },
        { name: "rowStart", tsType: "number", wasmType: "i32" },
        { name: "rowEnd", tsType: "number", wasmType: "i32" },
      ],
      tsReturn: "number",
      wasmReturn: "f32",
    },
  ]);
  const source = [
    "// Demo kernels.",
    "",
    "/** Not exported. */",
    "function helper(): void {}",
    "",
    "/**",
    " * Scales rows.",
    " * @splitMultipleOf 8",
    " */",
    "// @ts-ignore: decorator",
    "@inline",
    "export function scale(x: usize, rowStart: i32, rowEnd: i32): f32 { return 0; }",
    "/** Codes. */",
    "export enum Op {",
    "  /** a + b */",
    "  Add = 0,",
    "  Mul = 1,",
    "}",
  ].join("\n");
  const docs = sourceDocs(source);
  assert.deepEqual(docs.header, ["Demo kernels."]);
  assert.deepEqual(docs.exports.get("scale"), ["Scales rows.", "@splitMultipleOf 8"]);
  assert.deepEqual(docs.exports.get("Op"), ["Codes."]);
  assert.deepEqual(docs.members.get("Op.Add"), ["a + b"]);
  assert.equal(docs.members.get("Op.Mul"), undefined);
  const scale = parsed[1];
  assert.ok(scale.kind === "function");
  assert.deepEqual(kernelRange(scale, docs.exports.get("scale") ?? []), {
    start: 1,
    end: 2,
    multipleOf: 8,
    workspace: -1,
  });
});
