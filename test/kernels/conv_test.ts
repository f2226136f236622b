/**
 * The convolution kernels on both builds: im2col and col2im against a direct reading of their
 * definition, split into row/channel ranges as a scheduler would, checked as adjoints of each
 * other, and the bias broadcast.
 */
import assert from "node:assert/strict";
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertClose, assertSameF32 } from "./close.ts";

const harnesses = await bothBuilds();

interface Geometry {
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
}

/** A geometry with PyTorch's output size for symmetric padding, or the given output size. */
function geometry(
  channels: number,
  [height, width]: [number, number],
  [kernelH, kernelW]: [number, number],
  stride: [number, number],
  pad: [number, number],
  dilation: [number, number],
  out?: [number, number],
): Geometry {
  const size = (n: number, k: number, s: number, p: number, d: number) =>
    Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  return {
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH: stride[0],
    strideW: stride[1],
    padH: pad[0],
    padW: pad[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    outH: out?.[0] ?? size(height, kernelH, stride[0], pad[0], dilation[0]),
    outW: out?.[1] ?? size(width, kernelW, stride[1], pad[1], dilation[1]),
  };
}

const GEOMETRIES: [string, Geometry][] = [
  ["3x3 stride 1 pad 1", geometry(2, [5, 7], [3, 3], [1, 1], [1, 1], [1, 1])],
  ["5x5 stride 1 pad 2 on 14x14", geometry(3, [14, 14], [5, 5], [1, 1], [2, 2], [1, 1])],
  ["5x5 stride 2 pad 2 on 13x9", geometry(2, [13, 9], [5, 5], [2, 2], [2, 2], [1, 1])],
  ["3x2 stride [3, 1] dilation [1, 2]", geometry(2, [11, 10], [3, 2], [3, 1], [0, 1], [1, 2])],
  ["dilation 2 pad 2 (whole rows of padding)", geometry(1, [4, 6], [3, 3], [1, 1], [2, 2], [2, 2])],
  ["1x1 stride 2", geometry(3, [7, 7], [1, 1], [2, 2], [0, 0], [1, 1])],
  ["even kernel, asymmetric 'same'", geometry(2, [6, 5], [4, 2], [1, 1], [1, 0], [1, 1], [6, 5])],
  ["kernel larger than the input", geometry(1, [2, 3], [4, 5], [1, 2], [2, 2], [1, 1])],
  [
    "stride 2 on 23 wide (vector body and tail)",
    geometry(2, [5, 23], [3, 3], [2, 2], [1, 1], [1, 1]),
  ],
  ["stride [1, 3] on 5x20", geometry(2, [5, 20], [3, 3], [1, 3], [1, 0], [1, 1])],
  ["padding 5 (more than a vector of zeros)", geometry(1, [6, 12], [3, 3], [1, 1], [5, 5], [1, 1])],
];

const rowsOf = (g: Geometry) => g.channels * g.kernelH * g.kernelW;
const colsSize = (g: Geometry) => rowsOf(g) * g.outH * g.outW;
const imageSize = (g: Geometry) => g.channels * g.height * g.width;

/** The input element tap (i, j) of output (oh, ow) reads, or -1 in the padding. */
function source(g: Geometry, c: number, i: number, j: number, oh: number, ow: number): number {
  const ih = oh * g.strideH - g.padH + i * g.dilationH;
  const iw = ow * g.strideW - g.padW + j * g.dilationW;
  if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width) return -1;
  return (c * g.height + ih) * g.width + iw;
}

function forEachEntry(g: Geometry, visit: (colsIndex: number, imageIndex: number) => void): void {
  let index = 0;
  for (let c = 0; c < g.channels; c++) {
    for (let i = 0; i < g.kernelH; i++) {
      for (let j = 0; j < g.kernelW; j++) {
        for (let oh = 0; oh < g.outH; oh++) {
          for (let ow = 0; ow < g.outW; ow++) visit(index++, source(g, c, i, j, oh, ow));
        }
      }
    }
  }
}

function referenceIm2col(g: Geometry, x: Float32Array): Float32Array {
  const cols = new Float32Array(colsSize(g));
  forEachEntry(g, (at, from) => (cols[at] = from < 0 ? 0 : x[from]));
  return cols;
}

function referenceCol2im(g: Geometry, cols: Float32Array, bias: Float32Array | null): Float64Array {
  const x = new Float64Array(imageSize(g));
  const plane = g.height * g.width;
  if (bias) x.forEach((_, e) => (x[e] = bias[Math.floor(e / plane)]));
  forEachEntry(g, (at, to) => {
    if (to >= 0) x[to] += cols[at];
  });
  return x;
}

function im2col(
  h: KernelHarness,
  g: Geometry,
  x: number,
  cols: number,
  start: number,
  end: number,
  colsStride = g.outH * g.outW,
) {
  h.k.im2colF32(
    x,
    g.channels,
    g.height,
    g.width,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.outH,
    g.outW,
    cols,
    colsStride,
    start,
    end,
  );
}

function col2im(
  h: KernelHarness,
  g: Geometry,
  cols: number,
  x: number,
  bias: number,
  start: number,
  end: number,
  colsStride = g.outH * g.outW,
) {
  h.k.col2imF32(
    cols,
    colsStride,
    g.channels,
    g.height,
    g.width,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.outH,
    g.outW,
    x,
    bias,
    start,
    end,
  );
}

for (const h of harnesses) {
  for (const [label, g] of GEOMETRIES) {
    Deno.test(`[${h.build}] im2colF32 ${label}: every entry, in row ranges`, () => {
      h.reset();
      const values = seededValues(imageSize(g), 3);
      const x = h.f32(values);
      const expected = referenceIm2col(g, values);
      // NaN everywhere first: an entry the kernel forgets to write shows up.
      const whole = h.f32(new Float32Array(colsSize(g)).fill(NaN));
      im2col(h, g, x, whole, 0, rowsOf(g));
      assertSameF32(h.readF32(whole, colsSize(g)), expected, `${label} im2col`);

      // Three calls over a split of the rows write exactly their rows, and together the same.
      const rows = rowsOf(g);
      const cuts = [0, Math.floor(rows / 3), Math.floor((2 * rows) / 3), rows];
      const split = h.f32(new Float32Array(colsSize(g)).fill(NaN));
      const rowSize = g.outH * g.outW;
      for (let part = 0; part < 3; part++) {
        im2col(h, g, x, split, cuts[part], cuts[part + 1]);
        const written = h.readF32(split, colsSize(g));
        assert.ok(
          written.subarray(cuts[part + 1] * rowSize).every(Number.isNaN),
          `${label}: rows past ${cuts[part + 1]} were written`,
        );
      }
      assertSameF32(h.readF32(split, colsSize(g)), expected, `${label} im2col split`);
    });

    Deno.test(`[${h.build}] col2imF32 ${label}: sums, bias, channel ranges`, () => {
      h.reset();
      const colsValues = seededValues(colsSize(g), 5);
      const biasValues = seededValues(g.channels, 7);
      const cols = h.f32(colsValues);
      const bias = h.f32(biasValues);
      // A tolerance for the order of summation: a few ulps of the sum of |terms| (≤ kH·kW terms).
      const tolerance = { abs: 1e-6 * g.kernelH * g.kernelW, rel: 1e-6 };
      const noBias = h.f32(new Float32Array(imageSize(g)).fill(NaN));
      col2im(h, g, cols, noBias, 0, 0, g.channels);
      assertClose(
        h.readF32(noBias, imageSize(g)),
        referenceCol2im(g, colsValues, null),
        tolerance,
        `${label} col2im`,
      );

      const split = h.f32(new Float32Array(imageSize(g)).fill(NaN));
      const plane = g.height * g.width;
      const middle = g.channels >> 1;
      col2im(h, g, cols, split, bias, 0, middle);
      assert.ok(
        h.readF32(split + middle * plane * 4, (g.channels - middle) * plane).every(Number.isNaN),
        `${label}: channels past ${middle} were written`,
      );
      col2im(h, g, cols, split, bias, middle, g.channels);
      assertClose(
        h.readF32(split, imageSize(g)),
        referenceCol2im(g, colsValues, biasValues),
        tolerance,
        `${label} col2im with bias, split`,
      );
    });

    Deno.test(`[${h.build}] col2imF32 is the adjoint of im2colF32: ${label}`, () => {
      h.reset();
      const xValues = seededValues(imageSize(g), 11);
      const colsValues = seededValues(colsSize(g), 13);
      const cols = h.f32(new Float32Array(colsSize(g)));
      const x = h.f32(xValues);
      im2col(h, g, x, cols, 0, rowsOf(g));
      const image = h.f32(new Float32Array(imageSize(g)));
      col2im(h, g, h.f32(colsValues), image, 0, 0, g.channels);
      const forward = h.readF32(cols, colsSize(g));
      const backward = h.readF32(image, imageSize(g));
      let left = 0, right = 0, scale = 0;
      forward.forEach((v, e) => (left += v * colsValues[e]));
      backward.forEach((v, e) => (right += v * xValues[e]));
      forward.forEach((v, e) => (scale += Math.abs(v * colsValues[e])));
      // ⟨im2col(x), c⟩ and ⟨x, col2im(c)⟩ are the same sum in another order.
      assert.ok(
        Math.abs(left - right) <= 1e-5 * scale,
        `${label}: ⟨im2col x, c⟩ = ${left} but ⟨x, col2im c⟩ = ${right}`,
      );
    });
  }

  Deno.test(`[${h.build}] im2col/col2im in a matrix of two images side by side`, () => {
    h.reset();
    const g = GEOMETRIES[2][1];
    const rows = rowsOf(g), size = g.outH * g.outW, stride = 2 * size + 3;
    const images = [seededValues(imageSize(g), 17), seededValues(imageSize(g), 19)];
    const wide = h.f32(new Float32Array(rows * stride).fill(NaN));
    images.forEach((values, i) =>
      im2col(h, g, h.f32(values), wide + i * size * 4, 0, rows, stride)
    );
    const matrix = h.readF32(wide, rows * stride);
    images.forEach((values, i) => {
      const expected = referenceIm2col(g, values);
      for (let r = 0; r < rows; r++) {
        const start = r * stride + i * size;
        assertSameF32(
          matrix.subarray(start, start + size),
          expected.subarray(r * size, (r + 1) * size),
          `image ${i} row ${r}`,
        );
      }
    });
    for (let r = 0; r < rows; r++) {
      assert.ok(matrix.subarray(r * stride + 2 * size, (r + 1) * stride).every(Number.isNaN));
    }
    // col2im of each image's block reads only that block (the NaN gaps would spoil the sums).
    images.forEach((_, i) => {
      const back = h.f32(new Float32Array(imageSize(g)));
      col2im(h, g, wide + i * size * 4, back, 0, 0, g.channels, stride);
      const block = new Float32Array(rows * size);
      for (let r = 0; r < rows; r++) {
        block.set(matrix.subarray(r * stride + i * size, r * stride + (i + 1) * size), r * size);
      }
      assertClose(
        h.readF32(back, imageSize(g)),
        referenceCol2im(g, block, null),
        { abs: 1e-6 * g.kernelH * g.kernelW, rel: 1e-6 },
        `col2im of image ${i}`,
      );
    });
  });

  Deno.test(`[${h.build}] broadcastChannelsF32 fills each row with its channel's value`, () => {
    h.reset();
    const channels = 3, size = 13, rows = 2 * channels;
    const values = [0.5, -2, 7];
    const out = h.f32(new Float32Array(rows * size).fill(NaN));
    h.k.broadcastChannelsF32(h.f32(values), channels, size, out, 1, rows);
    const result = h.readF32(out, rows * size);
    assert.ok(result.subarray(0, size).every(Number.isNaN), "row 0 is outside the range");
    for (let r = 1; r < rows; r++) {
      assert.ok(result.subarray(r * size, (r + 1) * size).every((v) => v === values[r % channels]));
    }
  });
}
