/**
 * The safetensors header, read and checked by the public specification: an 8-byte little-endian
 * u64 N, then N bytes of UTF-8 JSON starting with `{` (space-padded at the end), mapping each tensor
 * name to `{ dtype, shape, data_offsets: [begin, end] }` (byte offsets into the data that follows
 * the header), with an optional `__metadata__` object of strings. The tensors' byte ranges must
 * tile the data exactly: from 0, contiguous, no overlap, no hole, nothing after the last one, and
 * each range as long as its shape and dtype say. Every rule broken is a SafetensorsError naming
 * the source, the tensor and what was expected; sizes are checked before anything is allocated.
 */
import { objectKeys } from "./json_keys.ts";

/** Bytes per element of each safetensors dtype. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
});

/** The largest header accepted (as the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** A file or buffer that breaks the safetensors format. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

/** One tensor of a safetensors header. `begin`/`end` are offsets into the data part. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A checked header: tensors in data order, metadata, and where the data starts in the file. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data in the file: 8 + the header length. */
  dataStart: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `the array ${JSON.stringify(value).slice(0, 80)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Reads and checks the header of a whole safetensors file held in `bytes`. `source` (a path)
 * starts every error message.
 * @example const { entries, metadata } = parseSafetensorsHeader(await Deno.readFile(path), path);
 */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  source = "safetensors data",
): SafetensorsHeader {
  const fail = (message: string): never => {
    throw new SafetensorsError(`${source}: ${message}`);
  };
  if (bytes.length < 8) {
    fail(
      `${bytes.length} bytes is too short: a safetensors file starts with an 8-byte header length`,
    );
  }
  const claimed = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (claimed > BigInt(MAX_HEADER_BYTES)) {
    fail(`the header length ${claimed} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  if (claimed > BigInt(bytes.length - 8)) {
    fail(
      `the header length field says ${claimed} bytes but only ${bytes.length - 8} bytes follow ` +
        "it (a truncated file, or not a safetensors file)",
    );
  }
  const headerBytes = Number(claimed);
  const dataStart = 8 + headerBytes;
  let text = "";
  try {
    text = utf8.decode(bytes.subarray(8, dataStart));
  } catch {
    fail("the header is not valid UTF-8");
  }
  if (!text.startsWith("{")) {
    fail(
      `the header must be a JSON object starting with "{", got ${
        JSON.stringify(text.slice(0, 20))
      }`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    fail(`the header must be a JSON object, got ${describe(json)}`);
  }
  const header = json as Record<string, unknown>;
  const names = objectKeysChecked(text, fail);
  const metadata = checkMetadata(header.__metadata__, fail);
  const dataLength = bytes.length - dataStart;
  const entries = names.filter((n) => n !== "__metadata__").map((name) =>
    checkEntry(name, header[name], dataLength, fail)
  );
  checkLayout(entries, dataLength, fail);
  return { entries, metadata, dataStart };
}

function objectKeysChecked(text: string, fail: (m: string) => never): string[] {
  const names = objectKeys(text);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) fail(`the name ${JSON.stringify(name)} appears twice in the header`);
    seen.add(name);
  }
  return names;
}

function checkMetadata(value: unknown, fail: (m: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`__metadata__ must be an object of strings, got ${describe(value)}`);
  }
  const metadata = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      fail(
        `__metadata__ must map strings to strings, but ${JSON.stringify(key)} is ${describe(v)}`,
      );
    }
  }
  return metadata as Record<string, string>;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function checkEntry(
  name: string,
  value: unknown,
  dataLength: number,
  fail: (m: string) => never,
): SafetensorsEntry {
  const what = `tensor ${JSON.stringify(name)}`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${what}: expected { dtype, shape, data_offsets }, got ${describe(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) {
    fail(
      `${what}: unknown dtype ${describe(dtype)} (known: ${Object.keys(DTYPE_BYTES).join(", ")})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`${what}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) ||
    offsets[0] > offsets[1]
  ) {
    fail(
      `${what}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${describe(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    fail(
      `${what}: data_offsets [${begin}, ${end}] run past the end of the data, which has ` +
        `${dataLength} bytes`,
    );
  }
  const dims = shape as number[];
  const needed = dims.reduce((n, d) => n * BigInt(d), BigInt(DTYPE_BYTES[dtype as string]));
  if (needed !== BigInt(end - begin)) {
    fail(
      `${what}: shape [${dims.join(", ")}] of ${dtype} needs ${needed} bytes but data_offsets ` +
        `[${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: dtype as string, shape: dims, begin, end };
}

/** The ranges, sorted, must tile [0, dataLength) exactly. Sorts `entries` in place. */
function checkLayout(
  entries: SafetensorsEntry[],
  dataLength: number,
  fail: (m: string) => never,
): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: SafetensorsEntry | null = null;
  for (const entry of entries) {
    if (entry.begin < position) {
      fail(
        `tensors ${JSON.stringify(previous!.name)} and ${
          JSON.stringify(entry.name)
        } overlap: the ` +
          `first ends at byte ${position}, the second begins at ${entry.begin}`,
      );
    }
    if (entry.begin > position) {
      fail(
        `bytes ${position}..${entry.begin} of the data belong to no tensor (a hole before ` +
          `${JSON.stringify(entry.name)}); data_offsets must be contiguous`,
      );
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataLength) {
    fail(
      `${dataLength - position} bytes after the last tensor's data belong to no tensor ` +
        `(the tensors cover ${position} of ${dataLength} data bytes)`,
    );
  }
}
