/**
 * Safetensors by its public specification: the bytes the writer produces follow each rule, match
 * the reference implementation's own test vectors, and the reader rejects files breaking each rule.
 */
import assert from "node:assert/strict";
import { type Tensor, tensor } from "../runtime/mod.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  MAX_HEADER_BYTES,
  SafetensorsError,
  saveSafetensors,
} from "../runtime/io/mod.ts";
import { values } from "./helpers.ts";

const text = new TextEncoder();

/** A file from a header (JSON value or raw text/bytes) and data, with an optional length field. */
function file(header: unknown, data: Uint8Array | number = 0, claimed?: bigint): Uint8Array {
  const json = header instanceof Uint8Array
    ? header
    : text.encode(typeof header === "string" ? header : JSON.stringify(header));
  const payload = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + payload.length);
  new DataView(out.buffer).setBigUint64(0, claimed ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(payload, 8 + json.length);
  return out;
}

function f32Bytes(...xs: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(xs).buffer);
}

/** The header of a file: its length field, JSON text (padding included) and parsed value. */
function headerOf(
  bytes: Uint8Array,
): { length: number; json: string; value: Record<string, Record<string, unknown>> } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + length));
  return { length, json, value: JSON.parse(json) };
}

Deno.test("safetensors round trip: float32, int32, 0-d and empty tensors, metadata", () => {
  const tensors = new Map<string, Tensor>([
    ["layer.weight", tensor([[1.5, -2], [3e-8, 4e30]])],
    ["labels", tensor([3, -1, 2147483647], { dtype: "int32" })],
    ["scalar", tensor(7)],
    ["empty", tensor([], { shape: [0, 3] })],
  ]);
  const bytes = encodeSafetensors(tensors, { note: "hello", epoch: "3" });
  const decoded = decodeSafetensors(bytes);
  assert.deepEqual([...decoded.tensors.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) {
    const back = decoded.tensors.get(name)!;
    assert.deepEqual(back.shape, t.shape, name);
    assert.equal(back.dtype, t.dtype, name);
    assert.deepEqual(values(back), values(t), name);
  }
  assert.deepEqual(decoded.metadata, { note: "hello", epoch: "3" });
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})).tensors.size, 0);
});

Deno.test("conformance: the bytes written follow every rule of the specification", () => {
  const w = tensor([[1.25, -2.5, 3], [4, 5, -6e-7]]);
  const b = tensor([0.1, 0.2]);
  const ids = tensor([7, -8, 9], { dtype: "int32" });
  const bytes = encodeSafetensors(new Map([["w", w], ["b", b], ["ids", ids]]), { source: "test" });
  // 1. An 8-byte little-endian u64 N, then N bytes of header.
  const { length, json, value } = headerOf(bytes);
  assert.equal(length, bytes[0] | (bytes[1] << 8) | (bytes[2] << 16));
  assert.deepEqual(Array.from(bytes.subarray(3, 8)), [0, 0, 0, 0, 0]);
  // 2. UTF-8 JSON beginning with "{", padded with spaces (0x20) so that the data is 8-byte aligned.
  assert.equal(json[0], "{");
  assert.equal((8 + length) % 8, 0);
  const end = json.lastIndexOf("}") + 1;
  assert.match(json.slice(end), /^ {0,7}$/);
  // 3. __metadata__ maps strings to strings.
  assert.deepEqual(value.__metadata__, { source: "test" });
  // 4. Each tensor has exactly dtype, shape and data_offsets, with the spec's dtype strings.
  assert.deepEqual(Object.keys(value).filter((k) => k !== "__metadata__"), ["w", "b", "ids"]);
  for (const name of ["w", "b", "ids"]) {
    assert.deepEqual(Object.keys(value[name]), ["dtype", "shape", "data_offsets"]);
  }
  assert.deepEqual([value.w.dtype, value.b.dtype, value.ids.dtype], ["F32", "F32", "I32"]);
  assert.deepEqual([value.w.shape, value.b.shape, value.ids.shape], [[2, 3], [2], [3]]);
  // 5. data_offsets are relative to the data, contiguous from 0, and cover it to the last byte.
  assert.deepEqual([value.w.data_offsets, value.b.data_offsets, value.ids.data_offsets], [
    [0, 24],
    [24, 32],
    [32, 44],
  ]);
  const data = bytes.subarray(8 + length);
  assert.equal(data.length, 44);
  // 6. Elements are little-endian, row-major, equal to the tensor's.
  const view = new DataView(data.buffer, data.byteOffset);
  const f32 = Array.from({ length: 8 }, (_, i) => view.getFloat32(4 * i, true));
  assert.deepEqual(f32, [...values(w), ...values(b)]);
  assert.deepEqual([32, 36, 40].map((o) => view.getInt32(o, true)), [7, -8, 9]);
});

Deno.test("conformance: the writer reproduces the reference implementation's test vectors", () => {
  // safetensors (Rust) tests `test_serialization`, `test_empty`, `test_serialization_forced_alignement`.
  const spaces = (n: number) => " ".repeat(n);
  const expected = (header: string, data: Uint8Array = new Uint8Array(0)) => file(header, data);
  const attn = tensor([0, 1, 2, 3, 4, 5], { shape: [1, 2, 3] });
  const serialized = encodeSafetensors(new Map([["attn.0", attn]]));
  assert.deepEqual(
    serialized,
    expected(
      '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}',
      f32Bytes(0, 1, 2, 3, 4, 5),
    ),
  );
  assert.equal(headerOf(serialized).length, 64);
  assert.deepEqual(encodeSafetensors(new Map()), expected(`{}${spaces(6)}`));
  assert.deepEqual(
    encodeSafetensors(new Map(), { framework: "pt" }),
    expected(`{"__metadata__":{"framework":"pt"}}${spaces(5)}`),
  );
  const aligned = encodeSafetensors(new Map([["attn0", attn.reshape(1, 1, 2, 3)]]));
  assert.deepEqual(
    aligned,
    expected(
      `{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}${spaces(7)}`,
      f32Bytes(0, 1, 2, 3, 4, 5),
    ),
  );
  assert.equal(headerOf(aligned).length, 72);
});

Deno.test("the reader accepts what the spec allows: no padding, any key order, unaligned data", () => {
  const header = {
    "1": { dtype: "F32", shape: [], data_offsets: [4, 8] },
    "0": { dtype: "F32", shape: [1], data_offsets: [0, 4] },
    e: { dtype: "I32", shape: [0], data_offsets: [8, 8] },
  };
  const bytes = file(`${JSON.stringify(header)}`, f32Bytes(1, 2));
  assert.notEqual((8 + headerOf(bytes).length) % 4, 0);
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual([...tensors.keys()], ["0", "1", "e"]);
  assert.deepEqual(tensors.get("1")!.shape, []);
  assert.equal(tensors.get("1")!.item(), 2);
  assert.deepEqual(tensors.get("e")!.shape, [0]);
});

/** Header entries for a small file. */
const entry = (dtype: string, shape: number[], begin: number, end: number) => ({
  dtype,
  shape,
  data_offsets: [begin, end],
});

const rejections: { rule: string; bytes: () => Uint8Array; error: RegExp }[] = [
  {
    rule: "a file shorter than the 8-byte length",
    bytes: () => new Uint8Array(5),
    error: /5 bytes is too short/,
  },
  {
    rule: "a header length beyond the sane limit",
    bytes: () => file({}, 0, BigInt(MAX_HEADER_BYTES) + 1n),
    error: /header length 100000001 exceeds the limit of 100000000 bytes/,
  },
  {
    rule: "a header length beyond the file (2^64 − 1 included)",
    bytes: () => file({ a: entry("F32", [1], 0, 4) }, 4, 200n),
    error: /says 200 bytes but only \d+ bytes follow/,
  },
  {
    rule: "a header that is not UTF-8",
    bytes: () => file(Uint8Array.from([...text.encode('{"a'), 0xff, ...text.encode('":1}')])),
    error: /not valid UTF-8/,
  },
  {
    rule: "a header not starting with {",
    bytes: () => file("[1, 2]"),
    error: /starting with "\{"/,
  },
  { rule: "a header that is not JSON", bytes: () => file('{"a": '), error: /not valid JSON/ },
  {
    rule: "a name given twice",
    bytes: () =>
      file(
        `{"w":${JSON.stringify(entry("F32", [1], 0, 4))},"w":${
          JSON.stringify(entry("F32", [1], 4, 8))
        }}`,
        8,
      ),
    error: /the name "w" appears twice/,
  },
  {
    rule: "an unknown dtype",
    bytes: () => file({ w: entry("F33", [1], 0, 4) }, 4),
    error: /tensor "w": unknown dtype string "F33" \(known: BOOL, U8/,
  },
  {
    rule: "a shape that is not a list of non-negative integers",
    bytes: () => file({ w: entry("F32", [-1], 0, 4) }, 4),
    error: /tensor "w": shape must be an array of non-negative integers/,
  },
  {
    rule: "data_offsets that are not [begin ≤ end]",
    bytes: () => file({ w: entry("F32", [1], 4, 0) }, 4),
    error: /data_offsets must be \[begin, end\] with 0 ≤ begin ≤ end/,
  },
  {
    rule: "data_offsets past the end of the data",
    bytes: () => file({ w: entry("F32", [4], 0, 16) }, 8),
    error: /data_offsets \[0, 16\] run past the end of the data, which has 8 bytes/,
  },
  {
    rule: "a range whose length is not shape × dtype size",
    bytes: () => file({ w: entry("F32", [3], 0, 8) }, 8),
    error: /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/,
  },
  {
    rule: "a shape whose size overflows (no allocation, no hang)",
    bytes: () => file({ w: entry("F64", [2 ** 40, 2 ** 40, 2 ** 40], 0, 8) }, 8),
    error: /needs 10633823966279326983230456482242756608 bytes/,
  },
  {
    rule: "overlapping ranges",
    bytes: () => file({ a: entry("F32", [2], 0, 8), b: entry("F32", [2], 4, 12) }, 12),
    error: /tensors "a" and "b" overlap/,
  },
  {
    rule: "a hole between ranges",
    bytes: () => file({ a: entry("F32", [1], 0, 4), b: entry("F32", [1], 8, 12) }, 12),
    error: /bytes 4\.\.8 of the data belong to no tensor \(a hole before "b"\)/,
  },
  {
    rule: "ranges not starting at 0",
    bytes: () => file({ a: entry("F32", [1], 4, 8) }, 8),
    error: /bytes 0\.\.4 of the data belong to no tensor/,
  },
  {
    rule: "extra bytes after the last range",
    bytes: () => file({ a: entry("F32", [1], 0, 4) }, 9),
    error: /5 bytes after the last tensor's data belong to no tensor/,
  },
  {
    rule: "metadata values that are not strings",
    bytes: () => file({ __metadata__: { epoch: 3 } }),
    error: /__metadata__ must map strings to strings, but "epoch" is number 3/,
  },
  {
    rule: "metadata that is not an object",
    bytes: () => file({ __metadata__: ["x"] }),
    error: /__metadata__ must be an object of strings/,
  },
  {
    rule: "a tensor entry that is not an object",
    bytes: () => file({ w: 3 }),
    error: /tensor "w": expected \{ dtype, shape, data_offsets \}, got number 3/,
  },
];

for (const { rule, bytes, error } of rejections) {
  Deno.test(`the reader rejects ${rule}`, () => {
    assert.throws(
      () => decodeSafetensors(bytes(), "bad.safetensors"),
      (e: Error) =>
        e instanceof SafetensorsError && e.message.startsWith("bad.safetensors: ") &&
        error.test(e.message),
    );
  });
}

Deno.test("every truncation of a valid file is a SafetensorsError", () => {
  const bytes = encodeSafetensors({ a: tensor([1, 2, 3]), b: tensor([[4]], { dtype: "int32" }) }, {
    k: "v",
  });
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(
      () => decodeSafetensors(bytes.subarray(0, cut)),
      SafetensorsError,
      `cut at ${cut}`,
    );
  }
});

Deno.test("other ecosystems' dtypes load as float32 or int32; what cannot is refused", () => {
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001]).buffer);
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer);
  const f64 = new Uint8Array(new Float64Array([0.1, -3]).buffer);
  const i64 = new Uint8Array(new BigInt64Array([-5n, 2147483647n]).buffer);
  const u8 = Uint8Array.of(0, 255);
  const bool = Uint8Array.of(1, 0);
  const chunks = [f16, bf16, f64, i64, u8, bool];
  const header: Record<string, unknown> = {};
  const names = ["F16", "BF16", "F64", "I64", "U8", "BOOL"];
  const counts = [5, 2, 2, 2, 2, 2];
  let offset = 0;
  chunks.forEach((c, i) => {
    header[names[i].toLowerCase()] = entry(names[i], [counts[i]], offset, offset + c.length);
    offset += c.length;
  });
  const { tensors } = decodeSafetensors(
    file(header, Uint8Array.from(chunks.flatMap((c) => [...c]))),
  );
  assert.deepEqual(values(tensors.get("f16")!), [1, -2, 0.5, 65504, 2 ** -24].map(Math.fround));
  assert.deepEqual(values(tensors.get("bf16")!), [1, -5]);
  assert.deepEqual(values(tensors.get("f64")!), [Math.fround(0.1), -3]);
  assert.deepEqual(values(tensors.get("i64")!), [-5, 2147483647]);
  assert.equal(tensors.get("i64")!.dtype, "int32");
  assert.deepEqual(values(tensors.get("u8")!), [0, 255]);
  assert.deepEqual(values(tensors.get("bool")!), [1, 0]);
  const big = new Uint8Array(new BigInt64Array([2n ** 40n]).buffer);
  assert.throws(
    () => decodeSafetensors(file({ n: entry("I64", [1], 0, 8) }, big)),
    /1099511627776, which int32 cannot hold/,
  );
  assert.throws(
    () => decodeSafetensors(file({ q: entry("F8_E4M3", [1], 0, 1) }, 1)),
    /tensor "q" is F8_E4M3, which has no float32 or int32 form/,
  );
});

Deno.test("the writer refuses what the format cannot say", () => {
  const t = tensor([1]);
  assert.throws(() => encodeSafetensors({ __metadata__: t }), /"__metadata__" is reserved/);
  assert.throws(
    () => encodeSafetensors({ a: t }, { n: 3 as unknown as string }),
    /metadata values must be strings; "n" is number/,
  );
  const gone = tensor([1, 2]);
  gone.dispose();
  assert.throws(() => encodeSafetensors({ gone }), /tensor "gone" \[2\] was disposed/);
});

Deno.test("saveSafetensors / loadSafetensors: files round trip; a damaged file's error names it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgegrad_st_" });
  const path = `${dir}/weights.safetensors`;
  await saveSafetensors(path, { w: tensor([[1, 2], [3, 4]]), i: tensor([5], { dtype: "int32" }) }, {
    a: "b",
  });
  const { tensors, metadata } = await loadSafetensors(path);
  assert.deepEqual(tensors.get("w")!.toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(tensors.get("i")!.toArray(), [5]);
  assert.deepEqual(metadata, { a: "b" });
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 3));
  await assert.rejects(
    loadSafetensors(path),
    (e: Error) => e instanceof SafetensorsError && e.message.startsWith(`${path}: `),
  );
  await assert.rejects(
    loadSafetensors(`${dir}/missing.safetensors`),
    /missing\.safetensors: cannot read the safetensors file/,
  );
});
