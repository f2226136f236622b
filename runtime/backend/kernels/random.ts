/** Tensor-level calls of the random-number kernels (assembly/random.ts). */
import { backend } from "../backend.ts";
import { callKernel } from "../dispatch.ts";
import { readWords, writeWords } from "../memory.ts";
import { Tensor } from "../../tensor.ts";

/** Fills with U[low, high) from the module's seeded generator. */
export function uniformKernel(shape: readonly number[], low: number, high: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size > 0) callKernel("randomUniformF32", out.ptr, out.size, low, high);
  return out;
}

/** Fills with N(mean, std²) from the module's seeded generator. */
export function normalKernel(shape: readonly number[], mean: number, std: number): Tensor {
  const out = Tensor.empty(shape);
  if (out.size > 0) callKernel("randomNormalF32", out.ptr, out.size, mean, std);
  return out;
}

/** Reseeds the generator. */
export function seedKernel(seed: number): void {
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  callKernel("seedRandom", low | 0, high | 0);
}

/** The generator's state: four u32 words (xoshiro128**). */
export function readRandomState(): [number, number, number, number] {
  const b = backend();
  const ptr = b.allocator.alloc(16);
  try {
    callKernel("getRandomState", ptr);
    const words = readWords(ptr, 4, "int32");
    return [words[0] >>> 0, words[1] >>> 0, words[2] >>> 0, words[3] >>> 0];
  } finally {
    b.allocator.free(ptr);
  }
}

/** Restores the generator's state from four u32 words (checked by the caller). */
export function writeRandomState(state: readonly number[]): void {
  const b = backend();
  const ptr = b.allocator.alloc(16);
  try {
    writeWords(ptr, state.map((w) => w | 0), "int32");
    callKernel("setRandomState", ptr);
  } finally {
    b.allocator.free(ptr);
  }
}
