/**
 * Tensors to safetensors bytes and back, by the public specification (see safetensors_header.ts
 * for the rules). The writer puts `__metadata__` first, then the tensors in the order given, each
 * range right after the previous one from offset 0, and pads the header with spaces to a multiple
 * of 8 bytes so that the data is 8-byte aligned, as the reference implementation does.
 */
import { Tensor } from "../tensor.ts";
import { formatShape } from "../shape.ts";
import { parseSafetensorsHeader, SafetensorsError } from "./safetensors_header.ts";
import { isConvertible, safetensorsDType, tensorFromSafetensors } from "./safetensors_dtypes.ts";
import { tensorBytes } from "./tensor_bytes.ts";

/** Named tensors, as a Map (kept in order) or a plain object. */
export type NamedTensors = Map<string, Tensor> | Record<string, Tensor>;

/** What a safetensors file holds, as edgegrad tensors. */
export interface SafetensorsContents {
  /** The tensors by name, in the order of their data in the file. */
  tensors: Map<string, Tensor>;
  /** The `__metadata__` strings ({} when absent). */
  metadata: Record<string, string>;
}

function entriesOf(tensors: NamedTensors): [string, Tensor][] {
  return tensors instanceof Map ? [...tensors] : Object.entries(tensors);
}

/**
 * The header (with its 8-byte length) and the tensor list, checked: every value a live float32 or
 * int32 tensor, no tensor named `__metadata__`, metadata values strings.
 */
function prepare(
  tensors: NamedTensors,
  metadata: Record<string, string> | undefined,
): { header: Uint8Array; list: [string, Tensor][] } {
  const list = entriesOf(tensors);
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") {
        throw new TypeError(
          `safetensors: metadata values must be strings; ${JSON.stringify(key)} is ${typeof value}`,
        );
      }
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    if (name === "__metadata__") {
      throw new Error('safetensors: "__metadata__" is reserved and cannot name a tensor');
    }
    if (!(t instanceof Tensor)) {
      throw new TypeError(`safetensors: ${JSON.stringify(name)} is not a Tensor`);
    }
    if (t.isDisposed) {
      throw new Error(
        `safetensors: tensor ${JSON.stringify(name)} ${formatShape(t.shape)} was disposed`,
      );
    }
    const info = {
      dtype: safetensorsDType(t.dtype),
      shape: t.shape,
      data_offsets: [offset, offset + t.size * 4],
    };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += t.size * 4;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, list };
}

/**
 * The file as a sequence of byte chunks: the header, then each tensor's data (copied out of
 * WebAssembly memory one tensor at a time, when the chunk is asked for).
 */
export function safetensorsChunks(
  tensors: NamedTensors,
  metadata?: Record<string, string>,
): Iterable<Uint8Array> {
  const { header, list } = prepare(tensors, metadata);
  return (function* () {
    yield header;
    for (const [, t] of list) yield tensorBytes(t);
  })();
}

/**
 * Encodes named tensors (float32 → F32, int32 → I32) and optional string metadata as a
 * safetensors file.
 * @example const bytes = encodeSafetensors(new Map([["w", w]]), { step: "100" });
 */
export function encodeSafetensors(
  tensors: NamedTensors,
  metadata?: Record<string, string>,
): Uint8Array {
  const chunks = [...safetensorsChunks(tensors, metadata)];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Decodes a safetensors file after checking every rule of the format. F32/I32 tensors load as
 * they are; other float types convert to float32, other integer types to int32. `source` (a path)
 * starts every error message.
 * @example const { tensors, metadata } = decodeSafetensors(bytes);
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = "safetensors data",
): SafetensorsContents {
  const { entries, metadata, dataStart } = parseSafetensorsHeader(bytes, source);
  const unsupported = entries.find((e) => !isConvertible(e.dtype));
  if (unsupported !== undefined) {
    throw new SafetensorsError(
      `${source}: tensor ${
        JSON.stringify(unsupported.name)
      } is ${unsupported.dtype}, which has no ` +
        "float32 or int32 form",
    );
  }
  const tensors = new Map<string, Tensor>();
  try {
    for (const { name, dtype, shape, begin, end } of entries) {
      const data = bytes.subarray(dataStart + begin, dataStart + end);
      tensors.set(
        name,
        tensorFromSafetensors(data, dtype, shape, `${source}: tensor ${JSON.stringify(name)}`),
      );
    }
  } catch (error) {
    for (const t of tensors.values()) t.dispose();
    throw error;
  }
  return { tensors, metadata };
}
