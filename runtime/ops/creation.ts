/** Creating tensors: from data, constants, ranges, identity, and seeded random numbers. */
import { type DType, type NestedArray, Tensor } from "../tensor.ts";
import { arangeKernel, cast, filled } from "../backend/kernels/fill.ts";
import { normalKernel, seedKernel, uniformKernel } from "../backend/kernels/random.ts";
import { fromArray } from "../backend/kernels/transfer.ts";
import { formatShape, sizeOf } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options shared by the creation functions. */
export interface CreationOptions {
  /** Element type; float32 unless given. */
  dtype?: DType;
  /** Make the tensor a leaf that collects gradients. */
  requiresGrad?: boolean;
}

/** Options of `tensor()`: a typed array or flat list may come with the shape to give it. */
export interface TensorOptions extends CreationOptions {
  shape?: readonly number[];
}

/** Options of randn. */
export interface RandnOptions extends CreationOptions {
  /** Mean of the normal distribution. Default 0. */
  mean?: number;
  /** Standard deviation. Default 1. */
  std?: number;
}

const CREATION_KEYS: OptionKeys<CreationOptions> = { dtype: true, requiresGrad: true };
const TENSOR_KEYS: OptionKeys<TensorOptions> = { ...CREATION_KEYS, shape: true };
const RANDN_KEYS: OptionKeys<RandnOptions> = { ...CREATION_KEYS, mean: true, std: true };

function finish(t: Tensor, options: CreationOptions): Tensor {
  if (options.requiresGrad) t.setRequiresGrad(true);
  return t;
}

function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(
      `${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
}

/**
 * A tensor from nested arrays, a number, or a typed array (with `shape`, else 1-D).
 * @example
 * const x = tensor([[1, 2], [3, 4]]); // shape [2, 2], float32
 * const labels = tensor([0, 2, 1], { dtype: "int32" });
 */
export function tensor(
  data: NestedArray | Float32Array | Int32Array | readonly number[],
  options: TensorOptions = {},
): Tensor {
  checkOptions("tensor", options, TENSOR_KEYS);
  const dtype: DType = options.dtype ?? (data instanceof Int32Array ? "int32" : "float32");
  let values: ArrayLike<number>;
  let shape: number[];
  if (typeof data === "number") {
    values = [data];
    shape = [];
  } else if (ArrayBuffer.isView(data)) {
    values = data as Float32Array | Int32Array;
    shape = [values.length];
  } else {
    shape = inferShape(data as NestedArray);
    values = flattenNested(data as NestedArray);
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== "number") {
        throw new TypeError(`tensor(): element ${i} is ${typeof values[i]}, expected a number`);
      }
    }
  }
  if (options.shape !== undefined) {
    checkShape("tensor()", options.shape);
    if (sizeOf(options.shape) !== values.length) {
      throw new Error(
        `tensor(): shape ${formatShape(options.shape)} needs ${sizeOf(options.shape)} values, ` +
          `got ${values.length}`,
      );
    }
    shape = [...options.shape];
  }
  if (dtype === "int32") {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i])) {
        throw new TypeError(`tensor(): int32 tensors need integers; element ${i} is ${values[i]}`);
      }
    }
  }
  return finish(fromArray(values, shape, dtype), options);
}

function flattenNested(data: NestedArray): number[] {
  const out: number[] = [];
  const walk = (value: NestedArray): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else out.push(value);
  };
  walk(data);
  return out;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (value: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(value)) throw new Error(`tensor(): ragged nested array at ${path}`);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      throw new Error(
        `tensor(): ragged nested array at ${path}: expected ${shape[depth]} elements, got ` +
          (Array.isArray(value) ? value.length : "a number"),
      );
    }
    value.forEach((v, i) => check(v, depth + 1, `${path}[${i}]`));
  };
  check(data, 0, "data");
  return shape;
}

/** A tensor of `shape` filled with `value`. */
export function full(
  shape: readonly number[],
  value: number,
  options: CreationOptions = {},
): Tensor {
  checkOptions("full", options, CREATION_KEYS);
  checkShape("full", shape);
  return finish(filled(shape, value, options.dtype ?? "float32"), options);
}

/** A tensor of zeros. @example const z = zeros([2, 3]); */
export function zeros(shape: readonly number[], options: CreationOptions = {}): Tensor {
  checkOptions("zeros", options, CREATION_KEYS);
  return full(shape, 0, options);
}

/** A tensor of ones. @example const o = ones([4]); */
export function ones(shape: readonly number[], options: CreationOptions = {}): Tensor {
  checkOptions("ones", options, CREATION_KEYS);
  return full(shape, 1, options);
}

/** Zeros shaped like x. */
export function zerosLike(x: Tensor, options: CreationOptions = {}): Tensor {
  checkOptions("zerosLike", options, CREATION_KEYS);
  return full(x.shape, 0, { dtype: x.dtype, ...options });
}

/** Ones shaped like x. */
export function onesLike(x: Tensor, options: CreationOptions = {}): Tensor {
  checkOptions("onesLike", options, CREATION_KEYS);
  return full(x.shape, 1, { dtype: x.dtype, ...options });
}

/**
 * Values start, start+step, ... below end (as `torch.arange`); `arange(n)` gives 0..n-1.
 * @example arange(5) // [0, 1, 2, 3, 4]
 */
export function arange(
  start: number,
  end?: number,
  step = 1,
  options: CreationOptions = {},
): Tensor {
  checkOptions("arange", options, CREATION_KEYS);
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) {
    throw new Error(`arange: step must be finite and nonzero, got ${step}`);
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const values = arangeKernel(n, start, step);
  if ((options.dtype ?? "float32") === "int32") {
    const ints = cast(values, "int32");
    values.dispose();
    return ints;
  }
  return finish(values, options);
}

/** The n×m identity matrix (m = n by default). */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  checkOptions("eye", options, CREATION_KEYS);
  const values = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(fromArray(values, [n, m], options.dtype ?? "float32"), options);
}

/** How many `skipInit` calls are running: while positive, the random creators draw nothing. */
let skipInitDepth = 0;

/**
 * Runs `build` with the random creators (`rand`, `uniform`, `randn`) handing out uninitialised
 * tensors instead of drawing numbers, as `torch.nn.utils.skip_init` does: for rebuilding a model
 * whose every parameter is then overwritten with saved weights (see `io.modelFromBytes`). Nothing
 * is drawn, so the random stream stays where it was. A tensor made inside and not overwritten
 * afterwards holds whatever the memory held.
 * @example const model = skipInit(() => moduleFromConfig(config)); model.loadStateDict(weights);
 */
export function skipInit<T>(build: () => T): T {
  skipInitDepth++;
  try {
    return build();
  } finally {
    skipInitDepth--;
  }
}

/** Random values from `draw`, or an uninitialised tensor inside `skipInit`. */
function random(shape: readonly number[], draw: () => Tensor): Tensor {
  return skipInitDepth > 0 ? Tensor.empty(shape) : draw();
}

/** Uniform random numbers in [0, 1) from the seeded generator (see `manualSeed`). */
export function rand(shape: readonly number[], options: CreationOptions = {}): Tensor {
  checkOptions("rand", options, CREATION_KEYS);
  checkShape("rand", shape);
  return finish(random(shape, () => uniformKernel(shape, 0, 1)), options);
}

/** Uniform random numbers in [low, high). */
export function uniform(
  shape: readonly number[],
  low: number,
  high: number,
  options: CreationOptions = {},
): Tensor {
  checkOptions("uniform", options, CREATION_KEYS);
  checkShape("uniform", shape);
  return finish(random(shape, () => uniformKernel(shape, low, high)), options);
}

/**
 * Standard normal random numbers from the seeded generator.
 * @example manualSeed(0); const w = randn([784, 10], { requiresGrad: true });
 */
export function randn(
  shape: readonly number[],
  options: RandnOptions = {},
): Tensor {
  checkOptions("randn", options, RANDN_KEYS);
  checkShape("randn", shape);
  return finish(
    random(shape, () => normalKernel(shape, options.mean ?? 0, options.std ?? 1)),
    options,
  );
}

/** Reseeds the random number generator so that runs repeat exactly. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) {
    throw new Error(`manualSeed: the seed must be a non-negative integer, got ${seed}`);
  }
  seedKernel(seed);
}
