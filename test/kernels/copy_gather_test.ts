import assert from "node:assert/strict";
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertClose } from "./close.ts";

const builds = await bothBuilds();

function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

/** Every multi-index of shape, in row-major order. */
function* indices(shape: number[]): Generator<number[]> {
  if (shape.some((s) => s === 0)) return;
  const index = new Array<number>(shape.length).fill(0);
  while (true) {
    yield index.slice();
    let d = shape.length - 1;
    for (; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

const dot = (index: number[], strides: number[]) =>
  index.reduce((s, v, d) => s + v * strides[d], 0);

interface CopyCase {
  label: string;
  shape: number[];
  /** Source strides and the element offset of the view's first element in the source buffer. */
  srcStrides: number[];
  srcOffset: number;
  srcLength: number;
  dstStrides: number[];
  dstOffset: number;
  dstLength: number;
}

/** Contiguous destination for a source view. */
function gatherCase(
  label: string,
  shape: number[],
  srcStrides: number[],
  srcOffset: number,
  srcLength: number,
): CopyCase {
  const size = shape.reduce((p, s) => p * s, 1);
  return {
    label,
    shape,
    srcStrides,
    srcOffset,
    srcLength,
    dstStrides: contiguousStrides(shape),
    dstOffset: 0,
    dstLength: size,
  };
}

const copyCases: CopyCase[] = [
  gatherCase("contiguous 1000", [1000], [1], 0, 1000),
  gatherCase("contiguous [3, 5, 7]", [3, 5, 7], [35, 7, 1], 0, 105),
  gatherCase("transpose [13, 7]ᵀ", [7, 13], [1, 7], 0, 91),
  gatherCase("transpose [33, 9]ᵀ", [9, 33], [1, 9], 0, 297),
  gatherCase("transpose [64, 64]ᵀ", [64, 64], [1, 64], 0, 4096),
  gatherCase("batched transpose [2, 6, 9] → (0, 2, 1)", [2, 9, 6], [54, 1, 9], 0, 108),
  gatherCase("NCHW → NHWC [2, 5, 3, 7]", [2, 3, 7, 5], [105, 7, 1, 21], 0, 210),
  gatherCase("transpose of a reversed view", [6, 11], [-1, 6], 5, 66),
  gatherCase("permute [2, 3, 4, 5] → (3, 1, 0, 2)", [5, 3, 2, 4], [1, 20, 60, 5], 0, 120),
  gatherCase("broadcast row", [6, 33], [0, 1], 0, 33),
  gatherCase("broadcast column", [33, 6], [1, 0], 0, 33),
  gatherCase("broadcast middle", [3, 4, 5], [5, 0, 1], 0, 15),
  gatherCase("flip", [7, 3], [-3, 1], 18, 21),
  gatherCase("slice [1:4, 2:9:3] of [5, 10]", [3, 3], [10, 3], 12, 50),
  gatherCase("rank 0", [], [], 3, 5),
  gatherCase("size-1 dims", [1, 7, 1, 3, 1], [99, 3, 99, 1, 99], 0, 21),
  gatherCase("empty", [3, 0, 2], [0, 2, 1], 0, 1),
  {
    label: "scatter into a transposed destination",
    shape: [4, 9],
    srcStrides: [9, 1],
    srcOffset: 0,
    srcLength: 36,
    dstStrides: [1, 4],
    dstOffset: 0,
    dstLength: 36,
  },
  {
    label: "strided into strided",
    shape: [3, 5],
    srcStrides: [2, 6],
    srcOffset: 1,
    srcLength: 30,
    dstStrides: [12, 2],
    dstOffset: 1,
    dstLength: 36,
  },
];

function runCopy(h: KernelHarness, c: CopyCase, source: Int32Array, fill: number): Int32Array {
  const src = h.i32(source);
  const dst = h.i32(new Int32Array(c.dstLength).fill(fill));
  h.k.copyStrided(
    src + c.srcOffset * 4,
    dst + c.dstOffset * 4,
    c.shape.length,
    h.i32(c.shape.length ? c.shape : [0]),
    h.i32(c.srcStrides.length ? c.srcStrides : [0]),
    h.i32(c.dstStrides.length ? c.dstStrides : [0]),
  );
  return h.readI32(dst, c.dstLength);
}

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`copyStrided copies views word for word ${tag}`, () => {
    for (const c of copyCases) {
      h.reset();
      // Arbitrary 32-bit words (NaN payloads included) must survive untouched.
      const source = Int32Array.from({ length: c.srcLength }, (_, i) => (i * 2654435761) | 0);
      const fill = -7;
      const expected = new Int32Array(c.dstLength).fill(fill);
      for (const index of indices(c.shape)) {
        expected[c.dstOffset + dot(index, c.dstStrides)] =
          source[c.srcOffset + dot(index, c.srcStrides)];
      }
      assert.deepEqual(runCopy(h, c, source, fill), expected, c.label);
    }
  });
}

// ---- gather / scatter-add / index-select / index-add ----

function gatherRef(
  x: ArrayLike<number>,
  index: ArrayLike<number>,
  [outer, sizeX, sizeIndex, inner]: number[],
): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < sizeIndex; j++) {
      for (let i = 0; i < inner; i++) {
        out.push(x[(o * sizeX + index[(o * sizeIndex + j) * inner + i]) * inner + i]);
      }
    }
  }
  return out;
}

function scatterAddRef(
  g: ArrayLike<number>,
  index: ArrayLike<number>,
  [outer, sizeOut, sizeIndex, inner]: number[],
): number[] {
  const out = new Array<number>(outer * sizeOut * inner).fill(0);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < sizeIndex; j++) {
      for (let i = 0; i < inner; i++) {
        const k = (o * sizeIndex + j) * inner + i;
        out[(o * sizeOut + index[k]) * inner + i] += g[k];
      }
    }
  }
  return out;
}

/** [outer, size of the indexed axis, number of indices, inner] */
const indexLayouts = [
  [1, 1, 1, 1],
  [1, 10, 33, 1],
  [3, 7, 5, 1],
  [2, 5, 9, 3],
  [2, 4, 3, 13],
  [1, 1000, 7, 33],
];

function randomIndices(n: number, limit: number, seed: number): Int32Array {
  return Int32Array.from(seededValues(n, seed), (u) => Math.floor(((u + 1) / 2) * limit));
}

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`gatherF32 and scatterAddF32 match references; duplicates accumulate ${tag}`, () => {
    for (const layout of indexLayouts) {
      const [outer, size, count, inner] = layout;
      h.reset();
      const x = seededValues(outer * size * inner, 3);
      const index = randomIndices(outer * count * inner, size, 4);
      const out = h.alloc(outer * count * inner * 4);
      assert.equal(h.k.gatherF32(h.f32(x), h.i32(index), out, outer, size, count, inner), -1);
      assertClose(
        h.readF32(out, outer * count * inner),
        gatherRef(x, index, layout),
        {},
        `gather [${layout}]`,
      );
      const g = seededValues(outer * count * inner, 5);
      const grad = h.f32(new Float32Array(outer * size * inner));
      assert.equal(h.k.scatterAddF32(h.f32(g), h.i32(index), grad, outer, size, count, inner), -1);
      assertClose(
        h.readF32(grad, outer * size * inner),
        scatterAddRef(g, index, layout),
        { abs: 1e-6 },
        `scatterAdd [${layout}]`,
      );
    }
  });

  Deno.test(`indexSelectF32 and indexAddF32 match references; duplicates accumulate ${tag}`, () => {
    for (const layout of indexLayouts) {
      const [outer, size, count, inner] = layout;
      h.reset();
      const x = seededValues(outer * size * inner, 6);
      const index = randomIndices(count, size, 7);
      // The same index for every (o, i) makes index-select a gather with a broadcast index.
      const broadcastIndex = Array.from(
        { length: outer * count * inner },
        (_, k) => index[Math.floor(k / inner) % count],
      );
      const out = h.alloc(outer * count * inner * 4);
      assert.equal(h.k.indexSelectF32(h.f32(x), h.i32(index), out, outer, size, count, inner), -1);
      assertClose(
        h.readF32(out, outer * count * inner),
        gatherRef(x, broadcastIndex, layout),
        {},
        `indexSelect [${layout}]`,
      );
      const g = seededValues(outer * count * inner, 8);
      const grad = h.f32(new Float32Array(outer * size * inner));
      assert.equal(h.k.indexAddF32(h.f32(g), h.i32(index), grad, outer, size, count, inner), -1);
      assertClose(
        h.readF32(grad, outer * size * inner),
        scatterAddRef(g, broadcastIndex, layout),
        { abs: 1e-6 },
        `indexAdd [${layout}]`,
      );
    }
  });

  Deno.test(`index kernels report the first bad index and write nothing ${tag}`, () => {
    h.reset();
    const [outer, size, count, inner] = [2, 5, 9, 3];
    const x = h.f32(seededValues(outer * size * inner, 1));
    for (const bad of [size, -1, 2 ** 31 - 1, -(2 ** 31)]) {
      for (const position of [0, 13, outer * count * inner - 1]) {
        const index = randomIndices(outer * count * inner, size, 2);
        index[position] = bad;
        if (position + 2 < index.length) index[position + 2] = size + 1;
        const pIndex = h.i32(index);
        const out = h.f32(new Float32Array(outer * size * inner).fill(9));
        const label = `index ${bad} at ${position}`;
        assert.equal(h.k.gatherF32(x, pIndex, out, outer, size, count, inner), position, label);
        assert.equal(h.k.scatterAddF32(x, pIndex, out, outer, size, count, inner), position, label);
        assert.ok(h.readF32(out, outer * size * inner).every((v) => v === 9), `${label} wrote`);
      }
      for (const position of [0, 4, count - 1]) {
        const index = randomIndices(count, size, 3);
        index[position] = bad;
        const pIndex = h.i32(index);
        const out = h.f32(new Float32Array(outer * count * inner).fill(9));
        const label = `index-select ${bad} at ${position}`;
        assert.equal(
          h.k.indexSelectF32(x, pIndex, out, outer, size, count, inner),
          position,
          label,
        );
        assert.equal(h.k.indexAddF32(x, pIndex, out, outer, size, count, inner), position, label);
        assert.ok(h.readF32(out, outer * count * inner).every((v) => v === 9), `${label} wrote`);
      }
    }
  });
}
