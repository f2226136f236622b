/**
 * Loading a safetensors file straight into a module's parameters and buffers: each F32 or I32
 * tensor's bytes are copied once, into the tensor that keeps them, instead of being decoded into
 * tensors of their own first and copied again (`decodeSafetensors` + `loadStateDict`). The checks
 * are theirs: every rule of the format, the same names on both sides, equal shapes and dtypes.
 */
import type { Module } from "../nn/module.ts";
import type { Tensor } from "../tensor.ts";
import { formatShape, sameShape } from "../shape.ts";
import {
  parseSafetensorsHeader,
  type SafetensorsEntry,
  SafetensorsError,
} from "./safetensors_header.ts";
import { loadedDType, tensorFromSafetensors } from "./safetensors_dtypes.ts";
import { tensorBytes, writeTensorBytes } from "./tensor_bytes.ts";

/** Names that one side has and the other lacks, as loadStateDict words them; null if none. */
function keyMismatch(own: Map<string, Tensor>, entries: SafetensorsEntry[]): string | null {
  const inFile = new Set(entries.map((e) => e.name));
  const missing = [...own.keys()].filter((name) => !inFile.has(name));
  const unexpected = entries.map((e) => e.name).filter((name) => !own.has(name));
  const parts = [
    ...(missing.length > 0 ? [`missing keys ${JSON.stringify(missing)}`] : []),
    ...(unexpected.length > 0 ? [`unexpected keys ${JSON.stringify(unexpected)}`] : []),
  ];
  return parts.length > 0 ? parts.join("; ") : null;
}

/**
 * Overwrites every parameter and buffer of `module` with the tensor of the same name in the
 * safetensors `bytes` (other float types convert to float32, other integer types to int32). A
 * file that breaks the format, or holds a dtype with no edgegrad form, throws a SafetensorsError
 * starting with `source`; names, shapes or dtypes that do not fit throw an Error saying which,
 * before anything is written.
 * @example loadSafetensorsInto(model, await Deno.readFile(path), path);
 */
export function loadSafetensorsInto(module: Module, bytes: Uint8Array, source: string): void {
  const { entries, dataStart } = parseSafetensorsHeader(bytes, source);
  const unsupported = entries.find((e) => loadedDType(e.dtype) === null);
  if (unsupported !== undefined) {
    throw new SafetensorsError(
      `${source}: tensor ${JSON.stringify(unsupported.name)} is ${unsupported.dtype}, which ` +
        "has no float32 or int32 form",
    );
  }
  const own = module.stateDict();
  const mismatch = keyMismatch(own, entries);
  if (mismatch !== null) throw new Error(mismatch);
  for (const { name, dtype, shape } of entries) {
    const target = own.get(name)!;
    const loaded = loadedDType(dtype);
    if (!sameShape(shape, target.shape) || loaded !== target.dtype) {
      throw new Error(
        `"${name}" has shape ${formatShape(shape)} (${loaded}) but the module expects ` +
          `${formatShape(target.shape)} (${target.dtype})`,
      );
    }
  }
  for (const { name, dtype, shape, begin, end } of entries) {
    const target = own.get(name)!;
    const data = bytes.subarray(dataStart + begin, dataStart + end);
    if (dtype === "F32" || dtype === "I32") {
      writeTensorBytes(target, data);
      continue;
    }
    const converted = tensorFromSafetensors(data, dtype, shape, `${source}: tensor "${name}"`);
    try {
      writeTensorBytes(target, tensorBytes(converted));
    } finally {
      converted.dispose();
    }
  }
}
