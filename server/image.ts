/**
 * PNG upload → model input, for the classify route (and for a browser page that wants the very same
 * numbers): decode with fast-png, convert to grayscale 0..255 (alpha composited over black, MNIST's
 * background), resize by area averaging to the model's image size, then apply the config's
 * preprocessing ((v·scale − mean) / std). Host-neutral: Web streams only.
 *
 * The header is checked before anything is decoded: at most `MAX_IMAGE_PIXELS` pixels, no side
 * over `MAX_IMAGE_SIDE` and no aspect ratio over `MAX_ASPECT_RATIO` (an 8 KB 1×4194304 PNG would
 * otherwise cost seconds and gigabytes to resize), a palette for a palette image, and compressed
 * image data that does not inflate past the size its header declares (a "zip bomb" of a few
 * megabytes could otherwise inflate to gigabytes).
 */
import type { DecodedPng } from "fast-png";
import { RequestError } from "./http.ts";

/** The largest image accepted, in pixels (2048 × 2048). */
export const MAX_IMAGE_PIXELS = 2048 * 2048;
/** The longest side accepted, in pixels: it bounds the resize's buffers (source side × target). */
export const MAX_IMAGE_SIDE = 4096;
/** The most elongated image accepted: longer side over shorter side. */
export const MAX_ASPECT_RATIO = 32;

/** A grayscale image, row-major, values 0 (black) to 255 (white), fractional after conversion. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Channels per PNG colour type (0 gray, 2 RGB, 3 indexed, 4 gray+alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function invalid(message: string): RequestError {
  return new RequestError(400, `not a usable PNG image: ${message}`);
}

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Bytes of the filtered (pre-compression) image data: a filter byte per row, per Adam7 pass. */
function rawSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (
    w: number,
    h: number,
  ) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  // Adam7 passes: [x start, x step, y start, y step].
  const passes = [[0, 8, 0, 8], [4, 8, 0, 8], [0, 4, 4, 8], [2, 4, 0, 4], [0, 2, 2, 4], [
    1,
    2,
    0,
    2,
  ], [
    0,
    1,
    1,
    2,
  ]];
  let total = 0;
  for (const [x0, dx, y0, dy] of passes) {
    total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  }
  return total;
}

/** Inflates zlib data only to count its size, refusing it once it passes `limit` bytes. */
async function checkInflatedSize(parts: Uint8Array[], limit: number, what: string): Promise<void> {
  const reader = new Blob(parts as BlobPart[]).stream()
    .pipeThrough(new DecompressionStream("deflate")).getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw invalid(`${what} inflates past ${limit} bytes`);
      }
    }
  } catch (error) {
    if (error instanceof RequestError) throw error;
    throw invalid(`${what} is corrupt (${(error as Error).message})`);
  }
}

/** Largest embedded colour profile (iCCP) accepted once inflated. */
const MAX_PROFILE_BYTES = 1 << 20;

/** Refuses (413/400) an IHDR size that is empty, too large, too long a side or too elongated. */
function checkSize(width: number, height: number): void {
  if (width === 0 || height === 0) throw invalid(`the image is ${width}×${height}`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new RequestError(
      413,
      `image of ${width}×${height} pixels exceeds the limit of ${MAX_IMAGE_PIXELS} pixels`,
    );
  }
  if (Math.max(width, height) > MAX_IMAGE_SIDE) {
    throw new RequestError(
      413,
      `image of ${width}×${height} pixels has a side over the limit of ${MAX_IMAGE_SIDE} pixels`,
    );
  }
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio > MAX_ASPECT_RATIO) {
    throw invalid(
      `the image of ${width}×${height} pixels is ${Number(ratio.toFixed(1))} times as ${
        width > height ? "wide as it is tall" : "tall as it is wide"
      }; ` +
        `at most ${MAX_ASPECT_RATIO}:1 is accepted (crop it to the digit)`,
    );
  }
}

/**
 * Walks the chunks and checks sizes before fast-png decodes anything: one IHDR first, a size
 * `checkSize` accepts, a PLTE before the image data of a palette image, image data that inflates
 * to no more than its header declares, and a bounded colour profile (the two things fast-png
 * inflates).
 */
async function checkPng(bytes: Uint8Array): Promise<void> {
  if (!isPng(bytes)) throw invalid("the data does not start with the PNG signature");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  const profiles: Uint8Array[] = [];
  let header: {
    width: number;
    height: number;
    bitsPerPixel: number;
    interlaced: boolean;
    palette: boolean;
  } | null = null;
  let palette = false;
  let offset = 8;
  let ended = false;
  while (!ended) {
    if (offset + 8 > bytes.length) throw invalid("the data ends before the IEND chunk");
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const start = offset + 8;
    if (start + length + 4 > bytes.length) {
      throw invalid(`chunk ${JSON.stringify(type)} is cut short`);
    }
    const data = bytes.subarray(start, start + length);
    if (header === null) {
      if (type !== "IHDR" || length !== 13) throw invalid("the first chunk is not a 13-byte IHDR");
      const width = view.getUint32(start), height = view.getUint32(start + 4);
      const depth = data[8], colorType = data[9];
      checkSize(width, height);
      if (!(colorType in CHANNELS) || !DEPTHS[colorType].includes(depth)) {
        throw invalid(`colour type ${colorType} with bit depth ${depth} is not valid PNG`);
      }
      header = {
        width,
        height,
        bitsPerPixel: CHANNELS[colorType] * depth,
        interlaced: data[12] === 1,
        palette: colorType === 3,
      };
    } else if (type === "IHDR") {
      throw invalid("more than one IHDR chunk");
    } else if (type === "PLTE") {
      palette = true;
    } else if (type === "IDAT") {
      if (header.palette && !palette) {
        // fast-png would decode the indices as if they were gray levels.
        throw invalid(
          "a palette image (colour type 3) needs a PLTE chunk before its image data, and this " +
            "one has none; save it as grayscale or RGB",
        );
      }
      idat.push(data);
    } else if (type === "iCCP") {
      const nameEnd = data.indexOf(0);
      if (nameEnd < 0 || nameEnd + 2 > data.length) throw invalid("the iCCP chunk is malformed");
      profiles.push(data.subarray(nameEnd + 2));
    } else if (type === "IEND") {
      ended = true;
    }
    offset = start + length + 4;
  }
  if (header === null) throw invalid("no IHDR chunk");
  if (idat.length === 0) throw invalid("no image data (IDAT)");
  const limit = rawSize(header.width, header.height, header.bitsPerPixel, header.interlaced);
  await checkInflatedSize(idat, limit, "the image data (its header declares at most that)");
  for (const profile of profiles) {
    await checkInflatedSize([profile], MAX_PROFILE_BYTES, "the colour profile (iCCP)");
  }
}

/** Unpacks 1-, 2- or 4-bit samples (rows padded to whole bytes) into one value per pixel. */
function unpackBits(png: DecodedPng): Uint8Array {
  const { width, height, depth, data } = png;
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = data[y * rowBytes + (bit >> 3)];
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/**
 * Decodes a PNG (any colour type and bit depth) to grayscale 0..255: luminance 0.299 R + 0.587 G +
 * 0.114 B for colour, alpha composited over black, `invert` for dark-on-light pictures.
 */
export async function decodePngGray(
  bytes: Uint8Array,
  { invert = false } = {},
): Promise<GrayImage> {
  await checkPng(bytes);
  const { convertIndexedToRgb, decode } = await import("./png_decoder.ts");
  let png: DecodedPng;
  try {
    png = decode(bytes);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const { width, height } = png;
  const n = width * height;
  let samples: ArrayLike<number> = png.data;
  let channels = png.channels;
  let max = 2 ** png.depth - 1;
  if (png.palette !== undefined) {
    try {
      samples = convertIndexedToRgb(png);
    } catch (error) {
      throw invalid((error as Error).message);
    }
    channels = samples.length / n;
    max = 255;
  } else if (png.depth < 8) {
    samples = unpackBits(png);
  }
  if (samples.length < n * channels) throw invalid("the image data is shorter than its size");
  const pixels = new Float32Array(n);
  const hasAlpha = channels === 2 || channels === 4;
  for (let p = 0; p < n; p++) {
    const base = p * channels;
    let value = channels >= 3
      ? 0.299 * samples[base] + 0.587 * samples[base + 1] + 0.114 * samples[base + 2]
      : samples[base];
    if (hasAlpha) value *= samples[base + channels - 1] / max;
    value = (value * 255) / max;
    pixels[p] = invert ? 255 - value : value;
  }
  return { width, height, pixels };
}

/**
 * Area-resampling taps along one axis, in flat typed arrays (no object per pixel): output `t`
 * averages source indices `index[k]` with weights `weight[k]` for `k` in `start[t]..start[t+1]`.
 */
interface AxisTaps {
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

/** The taps of each output index along an axis of `source` pixels resized to `target`. */
function areaTaps(source: number, target: number): AxisTaps {
  const ratio = source / target;
  // Output t covers at most ceil(end) − floor(start) ≤ ratio + 2 sources.
  const capacity = source + 2 * target;
  const start = new Int32Array(target + 1);
  const index = new Int32Array(capacity);
  const weight = new Float64Array(capacity);
  let k = 0;
  for (let t = 0; t < target; t++) {
    start[t] = k;
    const from = t * ratio, to = (t + 1) * ratio;
    for (let s = Math.floor(from); s < Math.min(Math.ceil(to), source); s++) {
      const overlap = Math.min(to, s + 1) - Math.max(from, s);
      if (overlap > 0) {
        index[k] = s;
        weight[k] = overlap / ratio;
        k++;
      }
    }
  }
  start[target] = k;
  return { start, index, weight };
}

/**
 * Resizes by area averaging (each output pixel is the mean of the source area it covers; an exact
 * 2:1 reduction averages 2×2 blocks). Upscaling repeats pixels, blending at the seams. Separable:
 * rows first into a source-height × target-width float64 buffer, then columns; memory is that
 * buffer plus taps linear in the sides, so `checkPng`'s side limit bounds it.
 */
export function resizeArea(image: GrayImage, width: number, height: number): GrayImage {
  if (image.width === width && image.height === height) return image;
  const columns = areaTaps(image.width, width);
  const rows = areaTaps(image.height, height);
  const source = image.pixels, sourceWidth = image.width;
  const horizontal = new Float64Array(image.height * width);
  for (let y = 0; y < image.height; y++) {
    const row = y * sourceWidth;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      const end = columns.start[x + 1];
      for (let k = columns.start[x]; k < end; k++) {
        sum += columns.weight[k] * source[row + columns.index[k]];
      }
      horizontal[y * width + x] = sum;
    }
  }
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const end = rows.start[y + 1];
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = rows.start[y]; k < end; k++) {
        sum += rows.weight[k] * horizontal[rows.index[k] * width + x];
      }
      pixels[y * width + x] = sum;
    }
  }
  return { width, height, pixels };
}

/**
 * The image size a model takes, from its input shape: [1, H, W], [H, W], or [N] with N a square
 * (a flattened square image, as an MLP on MNIST takes [784]); undefined for anything else.
 */
export function imageSize(
  inputShape: readonly number[],
): { width: number; height: number } | undefined {
  if (inputShape.length === 3 && inputShape[0] === 1) {
    return { height: inputShape[1], width: inputShape[2] };
  }
  if (inputShape.length === 2) return { height: inputShape[0], width: inputShape[1] };
  if (inputShape.length === 1) {
    const side = Math.round(Math.sqrt(inputShape[0]));
    if (side * side === inputShape[0]) return { height: side, width: side };
  }
  return undefined;
}

function preprocessingNumber(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  const number = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof number !== "number" || !Number.isFinite(number)) {
    throw new RequestError(
      422,
      `the model's preprocessing.${field} must be a finite number for a grayscale image, got ` +
        JSON.stringify(value),
    );
  }
  return number;
}

/**
 * Applies a config's preprocessing to 0..255 pixels: ((v · scale) − mean) / std, rounded to
 * float32 after each step as the MNIST loader does. Defaults: scale 1/255, mean 0, std 1.
 */
export function preprocessPixels(
  pixels: Float32Array,
  preprocessing: Record<string, unknown> | undefined,
): Float32Array {
  const scale = preprocessingNumber(preprocessing?.scale, 1 / 255, "scale");
  const mean = preprocessingNumber(preprocessing?.mean, 0, "mean");
  const std = preprocessingNumber(preprocessing?.std, 1, "std");
  if (!(std > 0)) {
    throw new RequestError(422, `the model's preprocessing.std must be positive, got ${std}`);
  }
  const fround = Math.fround;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    out[i] = fround(fround(pixels[i] * scale) - fround(mean)) / fround(std);
  }
  return out;
}

/**
 * A PNG's bytes → one model input (flat, the model's input shape), as the classify route computes
 * it. A browser page can call it too and get the same numbers.
 * @example
 * const input = await pngToInput(bytes, config.inputShape, config.preprocessing);
 */
export async function pngToInput(
  bytes: Uint8Array,
  inputShape: readonly number[],
  preprocessing: Record<string, unknown> | undefined,
  { invert = false } = {},
): Promise<Float32Array> {
  const size = imageSize(inputShape);
  if (size === undefined) {
    throw new RequestError(
      400,
      `the model's input shape [${inputShape.join(", ")}] is not a grayscale image ([1, H, W], ` +
        "[H, W] or [H·W]); send tensors to /infer instead",
    );
  }
  const image = resizeArea(await decodePngGray(bytes, { invert }), size.width, size.height);
  return preprocessPixels(image.pixels, preprocessing);
}
