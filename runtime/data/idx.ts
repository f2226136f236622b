/**
 * The IDX format of MNIST and its kin: a magic number `00 00 <type code> <number of dims>`, the
 * dims as big-endian u32, then the elements in row-major order, big-endian. Files may be gzip
 * compressed (detected by the 1f 8b magic). Every size is checked before it is used, so a
 * truncated or corrupt file is a clear error naming the file, never a wrong array.
 */
import { Tensor } from "../tensor.ts";
import type { DType } from "../tensor.ts";
import { fillWords } from "../backend/memory.ts";
import { concat, gunzip, isGzip } from "./gzip.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Element types of IDX files (type codes 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E). */
export type IdxDType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array holding an IDX file's elements. */
export type IdxData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** An IDX file's contents: element type, dims (outermost first) and the elements. */
export interface IdxArray {
  dtype: IdxDType;
  /** The dims read (dim 0 cut to `limit`). */
  shape: number[];
  data: IdxData;
  /** Entries of dim 0 in the file (more than shape[0] when `limit` cut it). */
  fileRows: number;
}

/** Options of the IDX readers. */
export interface IdxOptions {
  /** Keep at most this many entries of the first dim (e.g. the first 1000 images). */
  limit?: number;
  /** What to call the data in errors when it is not read from a path. */
  name?: string;
}

const IDX_KEYS: OptionKeys<IdxOptions> = { limit: true, name: true };

const TYPES: Record<number, { dtype: IdxDType; bytes: number }> = {
  0x08: { dtype: "uint8", bytes: 1 },
  0x09: { dtype: "int8", bytes: 1 },
  0x0b: { dtype: "int16", bytes: 2 },
  0x0c: { dtype: "int32", bytes: 4 },
  0x0d: { dtype: "float32", bytes: 4 },
  0x0e: { dtype: "float64", bytes: 8 },
};

interface IdxHeader {
  dtype: IdxDType;
  itemBytes: number;
  shape: number[];
  headerBytes: number;
  totalBytes: number;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Checks the 4-byte magic number; returns the element type and the number of dims. */
function parseMagic(
  bytes: Uint8Array,
  name: string,
): { dtype: IdxDType; bytes: number; rank: number } {
  if (bytes.length < 4) {
    throw new Error(
      `${name}: ${bytes.length} bytes is too short for an IDX file (it starts with the 4-byte ` +
        "magic number 00 00 <type> <dims>)",
    );
  }
  const type = TYPES[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined) {
    throw new Error(
      `${name}: not an IDX file: the magic number is ${hex(bytes.subarray(0, 4))}, expected ` +
        "00 00 <type> <dims> with type 08 (ubyte), 09 (byte), 0b (short), 0c (int), 0d (float) " +
        "or 0e (double)",
    );
  }
  const rank = bytes[3];
  if (rank === 0) throw new Error(`${name}: the IDX header declares 0 dims, expected at least 1`);
  return { ...type, rank };
}

/** Reads and checks the magic number and dims; needs the first 4 + 4·rank bytes. */
function parseHeader(bytes: Uint8Array, name: string): IdxHeader {
  const { rank, ...type } = parseMagic(bytes, name);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(
      `${name}: truncated IDX header: ${rank} dims need ${headerBytes} header bytes, the data has ` +
        `${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const elements = shape.reduce((n, d) => n * d, 1);
  const totalBytes = headerBytes + elements * type.bytes;
  if (!Number.isSafeInteger(totalBytes)) {
    throw new Error(`${name}: the IDX dims [${shape.join(", ")}] describe an impossible size`);
  }
  return { dtype: type.dtype, itemBytes: type.bytes, shape, headerBytes, totalBytes };
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`IDX: limit must be a non-negative integer, got ${limit}`);
  }
}

/**
 * Parses raw (uncompressed) IDX bytes. A uint8/int8 result shares memory with `bytes`.
 * @example const labels = parseIdx(await Deno.readFile("t10k-labels-idx1-ubyte"));
 */
export function parseIdx(bytes: Uint8Array, options: IdxOptions = {}): IdxArray {
  checkOptions("parseIdx", options, IDX_KEYS);
  const name = options.name ?? "IDX data";
  checkLimit(options.limit);
  if (isGzip(bytes)) {
    throw new Error(`${name}: the data is gzip-compressed; use readIdx, which decompresses it`);
  }
  const header = parseHeader(bytes, name);
  checkSize(header, bytes.length, name);
  return extract(bytes, header, options.limit);
}

/** The file's size must be exactly what the dims say. */
function checkSize(header: IdxHeader, size: number, name: string): void {
  const { shape, headerBytes, totalBytes, dtype } = header;
  if (size !== totalBytes) {
    throw new Error(
      `${name}: ${size < totalBytes ? "truncated" : "too long"}: dims [${shape.join(", ")}] of ` +
        `${dtype} need ${totalBytes - headerBytes} data bytes after the ${headerBytes}-byte ` +
        `header, the data has ${size - headerBytes}`,
    );
  }
}

/** Bytes (from the file's start) that hold the header and the first `limit` rows. */
function bytesFor(header: IdxHeader, limit: number | undefined): number {
  const rows = Math.min(limit ?? header.shape[0], header.shape[0]);
  const rowElements = header.shape.slice(1).reduce((n, d) => n * d, 1);
  return header.headerBytes + rows * rowElements * header.itemBytes;
}

/** The elements of the first `limit` rows; `bytes` holds at least bytesFor(header, limit). */
function extract(bytes: Uint8Array, header: IdxHeader, limit: number | undefined): IdxArray {
  const { shape, itemBytes, headerBytes, dtype } = header;
  const rows = Math.min(limit ?? shape[0], shape[0]);
  const outShape = [rows, ...shape.slice(1)];
  const count = outShape.reduce((n, d) => n * d, 1);
  const data = elements(bytes, headerBytes, count, itemBytes, dtype);
  return { dtype, shape: outShape, data, fileRows: shape[0] };
}

function elements(
  bytes: Uint8Array,
  start: number,
  count: number,
  itemBytes: number,
  dtype: IdxDType,
): IdxData {
  if (dtype === "uint8") return bytes.subarray(start, start + count);
  if (dtype === "int8") return new Int8Array(bytes.buffer, bytes.byteOffset + start, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * itemBytes);
  const read = {
    int16: (i: number) => view.getInt16(2 * i, false),
    int32: (i: number) => view.getInt32(4 * i, false),
    float32: (i: number) => view.getFloat32(4 * i, false),
    float64: (i: number) => view.getFloat64(8 * i, false),
  }[dtype];
  const out = dtype === "int16"
    ? new Int16Array(count)
    : dtype === "int32"
    ? new Int32Array(count)
    : dtype === "float32"
    ? new Float32Array(count)
    : new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = read(i);
  return out;
}

/**
 * Decodes IDX bytes, raw or gzip. Decompression stops as soon as the output exceeds what the
 * header's dims account for.
 */
export async function decodeIdx(bytes: Uint8Array, options: IdxOptions = {}): Promise<IdxArray> {
  checkOptions("decodeIdx", options, IDX_KEYS);
  if (!isGzip(bytes)) return parseIdx(bytes, options);
  const name = options.name ?? "IDX data";
  let expected: number | null = null;
  const raw = await gunzip(bytes, name, (chunks, received) => {
    if (expected === null) {
      const head = concat(chunks);
      if (head.length >= 4 && head.length >= 4 + 4 * head[3]) {
        expected = parseHeader(head, name).totalBytes;
      } else if (head.length >= 4) parseMagic(head, name);
    }
    if (expected !== null && received > expected) {
      throw new Error(
        `${name}: too long: the gzip data decompresses to more than the ${expected} bytes its ` +
          "IDX dims account for",
      );
    }
  });
  return parseIdx(raw, { ...options, name });
}

/**
 * Reads an IDX file (raw or gzip) from a path, a file URL or bytes. From a raw file with `limit`,
 * only the header and the rows kept are read (the file's size is still checked against its dims).
 * @example
 * const images = await readIdx("data/train-images-idx3-ubyte.gz", { limit: 1000 });
 * images.shape; // [1000, 28, 28]
 */
export async function readIdx(
  source: string | URL | Uint8Array,
  options: IdxOptions = {},
): Promise<IdxArray> {
  checkOptions("readIdx", options, IDX_KEYS);
  if (source instanceof Uint8Array) return await decodeIdx(source, options);
  const name = source instanceof URL ? decodeURIComponent(source.pathname) : source;
  checkLimit(options.limit);
  let file: Deno.FsFile | null = null;
  try {
    file = await Deno.open(source, { read: true });
    const size = (await file.stat()).size;
    // The longest header: the 4-byte magic and 255 dims.
    const head = await readPrefix(file, Math.min(size, 4 + 4 * 255));
    if (isGzip(head) || options.limit === undefined || head.length < 4) {
      return await decodeIdx(await readPrefix(file, size), { ...options, name });
    }
    const header = parseHeader(head, name);
    checkSize(header, size, name);
    return extract(await readPrefix(file, bytesFor(header, options.limit)), header, options.limit);
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith(`${name}: `)) throw error;
    throw new Error(`${name}: cannot read the IDX file (${message})`);
  } finally {
    file?.close();
  }
}

/** The first `length` bytes of the file. */
async function readPrefix(file: Deno.FsFile, length: number): Promise<Uint8Array> {
  await file.seek(0, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  for (let filled = 0; filled < length;) {
    const read = await file.read(out.subarray(filled));
    if (read === null) throw new Error("the file shrank while being read");
    filled += read;
  }
  return out;
}

/**
 * Copies an IDX array into a tensor of the same shape: float32 for float files, int32 for integer
 * ones, unless `dtype` says otherwise (values convert as typed arrays convert them).
 * @example const labels = tensorFromIdx(await readIdx(path)); // int32 [60000]
 */
export function tensorFromIdx(idx: IdxArray, dtype?: DType): Tensor {
  const target = dtype ?? (idx.dtype.startsWith("float") ? "float32" : "int32");
  const out = Tensor.empty(idx.shape, target);
  const data = idx.data;
  fillWords(out.ptr, out.size, target, (i) => data[i]);
  return out;
}
