/**
 * Reading and writing linear memory by pointer: the only way code above the kernel layer moves
 * numbers in and out of WebAssembly memory (tensors' data and item, weight files, datasets,
 * gradcheck's perturbations). Every function takes a byte pointer and an element count of 4-byte
 * words (f32 or i32); views are made fresh on each call, so memory growth never leaves a stale
 * one behind.
 */
import { backend } from "./backend.ts";

/** The element type of a 4-byte word in memory. */
export type WordType = "float32" | "int32";

function words(type: WordType): Float32Array | Int32Array {
  const b = backend();
  return type === "int32" ? b.i32 : b.f32;
}

/** A copy of `count` words at `ptr`. */
export function readWords(ptr: number, count: number, type: WordType): Float32Array | Int32Array {
  const start = ptr >>> 2;
  return words(type).slice(start, start + count);
}

/** The word `index` words past `ptr`. */
export function readWord(ptr: number, index: number, type: WordType): number {
  return words(type)[(ptr >>> 2) + index];
}

/** Stores `value` as the word `index` words past `ptr`, and returns the value memory now holds. */
export function writeWord(ptr: number, index: number, type: WordType, value: number): number {
  const view = words(type);
  view[(ptr >>> 2) + index] = value;
  return view[(ptr >>> 2) + index];
}

/** Stores `values` (converted as typed arrays convert) as words from `ptr` on. */
export function writeWords(ptr: number, values: ArrayLike<number>, type: WordType): void {
  words(type).set(values, ptr >>> 2);
}

/**
 * Stores `count` values `value(i)` as words from `ptr` on, in one pass without an intermediate
 * array (decoders of large datasets: TypedArray.set across element types is several times slower).
 */
export function fillWords(
  ptr: number,
  count: number,
  type: WordType,
  value: (i: number) => number,
): void {
  const view = words(type).subarray(ptr >>> 2, (ptr >>> 2) + count);
  for (let i = 0; i < count; i++) view[i] = value(i);
}

/** Copies `count` words from `src` to `dst` (the ranges may overlap). */
export function copyWords(dst: number, src: number, count: number): void {
  const view = backend().f32;
  view.copyWithin(dst >>> 2, src >>> 2, (src >>> 2) + count);
}

/** A copy of `byteLength` bytes at `ptr`. */
export function readBytes(ptr: number, byteLength: number): Uint8Array {
  return new Uint8Array(backend().k.memory.buffer, ptr, byteLength).slice();
}

/** Stores `bytes` from `ptr` on. */
export function writeBytes(ptr: number, bytes: Uint8Array): void {
  new Uint8Array(backend().k.memory.buffer, ptr, bytes.length).set(bytes);
}
