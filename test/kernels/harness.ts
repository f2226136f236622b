/**
 * Test harness for raw kernels: both builds instantiated side by side, with a bump allocator over
 * linear memory and helpers to copy typed arrays in and out.
 */
import { mulberry32 } from "../../runtime/seeded_uniform.ts";
import type { KernelExports } from "../../runtime/backend/bindings/mod.ts";
import {
  compileKernelFile,
  instantiateKernels,
  type KernelBuild,
} from "../../runtime/backend/module.ts";

/** One instantiated build with a bump allocator; `reset()` frees everything at once. */
export class KernelHarness {
  private top: number;
  constructor(readonly build: KernelBuild, readonly k: KernelExports) {
    this.top = align(k.heapBase());
  }
  /** Allocates `bytes` (64-byte aligned), growing memory as needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = align(ptr + Math.max(bytes, 4));
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return ptr;
  }
  /** Copies an f32 array into fresh memory and returns its pointer. */
  f32(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length * 4);
    new Float32Array(this.k.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }
  /** Copies an i32 array into fresh memory and returns its pointer. */
  i32(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length * 4);
    new Int32Array(this.k.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }
  /** Copies n f32 out of memory. */
  readF32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, n).slice();
  }
  /** Copies n i32 out of memory. */
  readI32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, ptr, n).slice();
  }
  /** Frees every allocation. */
  reset(): void {
    this.top = align(this.k.heapBase());
  }
}

function align(n: number): number {
  return (n + 63) & ~63;
}

/** Both builds, relaxed first. */
export async function bothBuilds(): Promise<KernelHarness[]> {
  const builds: KernelBuild[] = ["relaxed", "simd"];
  return await Promise.all(
    builds.map(async (build) =>
      new KernelHarness(build, instantiateKernels(await compileKernelFile(build)))
    ),
  );
}

/** A deterministic generator of floats in [-1, 1) for test data (mulberry32). */
export function seededValues(n: number, seed = 1): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}
