/**
 * The one kernel backend of a process: the instantiated kernel module, its allocator, and typed
 * views of linear memory that are re-created when memory grows (growth detaches the old buffer).
 * Ops reach WebAssembly only through this object.
 */
import type { KernelExports } from "./bindings/mod.ts";
import { Allocator } from "./allocator.ts";
import { instantiateKernels, type KernelBuild } from "./module.ts";

/** Room for shape and stride arrays handed to kernels (i32 each), per argument slot. */
const SCRATCH_INTS = 64;
const SCRATCH_SLOTS = 4;

/** The instantiated kernels with their memory and allocator. */
export class Backend {
  readonly allocator: Allocator;
  readonly build: KernelBuild;
  private buffer: ArrayBufferLike;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private readonly scratch: number;
  private workspacePtr = 0;
  private workspaceBytes = 0;

  /**
   * `k`: the instantiated exports; `module`: the compiled module they came from (workers of a
   * thread pool instantiate it again on the same shared memory).
   */
  constructor(readonly k: KernelExports, readonly module: WebAssembly.Module | null = null) {
    this.allocator = new Allocator(k.memory, k.heapBase());
    this.build = k.isRelaxedBuild() ? "relaxed" : "simd";
    this.scratch = this.allocator.alloc(SCRATCH_INTS * SCRATCH_SLOTS * 4);
    this.buffer = k.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
  }

  /** Bytes of the GEMM workspace now held (0 before the first GEMM). */
  get workspaceSize(): number {
    return this.workspaceBytes;
  }

  /** True when linear memory is shared (the threads build), so workers can join it. */
  get sharedMemory(): boolean {
    return typeof SharedArrayBuffer !== "undefined" &&
      this.k.memory.buffer instanceof SharedArrayBuffer;
  }

  /** A Float32Array over all of linear memory (valid until the next allocation). */
  get f32(): Float32Array {
    this.refreshViews();
    return this.f32View;
  }

  /** An Int32Array over all of linear memory (valid until the next allocation). */
  get i32(): Int32Array {
    this.refreshViews();
    return this.i32View;
  }

  /** Writes small i32 arrays (shapes, strides) into scratch slots and returns their pointers. */
  ints(...arrays: ArrayLike<number>[]): number[] {
    if (arrays.length > SCRATCH_SLOTS) throw new Error("edgegrad: too many scratch arrays");
    const view = this.i32;
    return arrays.map((values, slot) => {
      if (values.length > SCRATCH_INTS) {
        throw new RangeError(`edgegrad: tensors of rank above ${SCRATCH_INTS} are not supported`);
      }
      const ptr = this.scratch + slot * SCRATCH_INTS * 4;
      view.set(values, ptr >>> 2);
      return ptr;
    });
  }

  /**
   * A scratch block of at least `bytes` bytes for kernels such as GEMM's packing. It is kept and
   * grown, never freed, so its bytes belong to the baseline of `allocator.liveBytes`.
   */
  workspace(bytes: number): number {
    if (bytes > this.workspaceBytes) {
      // Allocate before freeing: a failed allocation must leave the old workspace in place.
      const grown = Math.max(bytes, this.workspaceBytes * 2);
      let ptr: number;
      try {
        ptr = this.allocator.alloc(grown);
      } catch {
        ptr = this.allocator.alloc(bytes);
      }
      if (this.workspacePtr !== 0) this.allocator.free(this.workspacePtr);
      this.workspacePtr = ptr;
      this.workspaceBytes = this.allocator.blockSize(ptr);
    }
    return this.workspacePtr;
  }

  private refreshViews(): void {
    if (this.buffer !== this.k.memory.buffer) {
      this.buffer = this.k.memory.buffer;
      this.f32View = new Float32Array(this.buffer);
      this.i32View = new Int32Array(this.buffer);
    }
  }
}

let current: Backend | null = null;

/** Makes a compiled kernel module the backend of this process (once; later calls are ignored). */
export function initBackend(module: WebAssembly.Module): Backend {
  if (current === null) current = new Backend(instantiateKernels(module), module);
  return current;
}

/** True once initBackend has run. */
export function hasBackend(): boolean {
  return current !== null;
}

/** The backend; throws a clear error when the kernel module has not been loaded. */
export function backend(): Backend {
  if (current === null) {
    throw new Error(
      "edgegrad: the kernel module is not loaded; import runtime/mod.ts (which loads it) or call " +
        "initBackend(module) with the compiled kernels.wasm first",
    );
  }
  return current;
}
