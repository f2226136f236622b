/**
 * The thread pool: a Dispatcher that splits one kernel call by its split range (the rows,
 * channels or planes it computes) across workers that share the kernel module's memory, the
 * calling thread taking the first slice. Slices are cut at the kernel's `multipleOf`, and a kernel
 * computes each output element the same way whatever its range, so results are bit-identical for
 * every thread count. Calls too small to pay for a wake-up run whole on the calling thread.
 *
 * Workers start once and are reused; one idle for `idleMs` stops itself (so a script that is done
 * exits) and is started again by the next large call, which meanwhile runs on the threads that
 * are ready. A kernel that fails in a worker fails the call in the caller with its message.
 */
import { backend } from "../backend.ts";
import type { ElementSplit, KernelRange } from "../bindings/mod.ts";
import { type DirectCall, type Dispatcher, type KernelName, setDispatcher } from "../dispatch.ts";
import {
  ARG_COUNT,
  ARGS_OFFSET,
  ERROR_BYTES,
  ERROR_LENGTH,
  ERROR_OFFSET,
  KERNEL,
  MAX_ARGS,
  SLOT_BYTES,
  SlotState,
  SPLIT_KERNELS,
  STATE,
  type WorkerStart,
} from "./protocol.ts";

/**
 * Multiply-adds (or element moves) below which a slice is not worth a worker's wake-up. A first
 * estimate (a wake-up costs some microseconds, a 64k multiply-add slice about two), not yet
 * measured by a sweep of call sizes.
 */
export const MIN_WORK_PER_THREAD = 1 << 16;

/** The work of rows `start..end` of a call, in multiply-adds or moved elements. */
function workOf(name: KernelName, args: readonly number[], rows: number): number {
  switch (name) {
    case "gemm":
      return rows * args[3] * args[4]; // N · K per row of C
    case "im2colF32":
      return rows * args[12] * args[13]; // outH · outW per row of cols
    case "col2imF32":
      return rows * args[5] * args[6] * args[13] * args[14]; // kH · kW · outH · outW per channel
    case "broadcastChannelsF32":
      return rows * args[2];
    case "maxPool2dF32":
    case "avgPool2dF32":
      return rows * args[5] * args[6] * args[7] * args[8]; // outH · outW · kH · kW per plane
    case "maxPool2dBackwardF32":
      return rows * args[4];
    case "avgPool2dBackwardF32":
      return rows * args[4] * args[5] * args[6] * args[7];
    case "adaptiveAvgPool2dF32":
    case "adaptiveAvgPool2dBackwardF32":
      return rows * args[2] * args[3];
    case "batchNormStatsF32":
    case "batchNormForwardF32":
      return rows * args[6] * args[8]; // N · L per channel
    case "batchNormBackwardF32":
      return rows * args[10] * args[12];
    default:
      return rows;
  }
}

/** A call seen as the slice start..end of something that splits at multiples of `multipleOf`. */
interface Split {
  start: number;
  end: number;
  multipleOf: number;
  /** Multiply-adds or element moves of the whole call, to weigh against a wake-up. */
  work: number;
  /** The call's arguments for the sub-slice from..to. */
  slice(from: number, to: number): number[];
}

/** A kernel with a split range: slices set its xStart/xEnd. */
function rowSplit(name: KernelName, args: readonly number[], range: KernelRange): Split {
  const start = args[range.start];
  const end = args[range.end];
  return {
    start,
    end,
    multipleOf: range.multipleOf,
    work: workOf(name, args, end - start),
    slice(from, to) {
      const out = [...args];
      out[range.start] = from;
      out[range.end] = to;
      return out;
    },
  };
}

/**
 * Elements an elementwise kernel's slice is cut at: 16, so every element keeps its place among
 * the SIMD body and the tail, and pointers keep their alignment to 64 bytes.
 */
const ELEMENT_MULTIPLE = 16;
/** Element moves an elementwise element counts for, beside a GEMM's multiply-add. */
const ELEMENT_WEIGHT = 2;

/** An elementwise kernel: slices advance its pointers (those not 0) and set its count. */
function elementSplit(args: readonly number[], elements: ElementSplit): Split {
  const n = args[elements.count];
  return {
    start: 0,
    end: n,
    multipleOf: ELEMENT_MULTIPLE,
    work: n * ELEMENT_WEIGHT,
    slice(from, to) {
      const out = [...args];
      for (const p of elements.pointers) if (out[p] !== 0) out[p] += from * 4;
      out[elements.count] = to - from;
      return out;
    },
  };
}

/** One worker's view of its slot, and its own GEMM workspace. */
interface Slot {
  ints: Int32Array;
  args: Float64Array;
  error: Uint8Array;
  worker: Worker | null;
  workspace: number;
  workspaceBytes: number;
}

/** A pool of `threads − 1` workers plus the calling thread, installed as the dispatcher. */
export class ThreadPool implements Dispatcher {
  private readonly buffer: SharedArrayBuffer;
  private readonly slots: Slot[];
  private readonly canBlock: boolean;
  private closed = false;
  /** Calls split across more than one thread so far. */
  splitCalls = 0;

  constructor(readonly threads: number, private readonly idleMs = 1000) {
    const b = backend();
    if (!b.sharedMemory || b.module === null) {
      throw new Error(
        "edgegrad: threads need the kernel module built on shared memory " +
          "(kernels.relaxed-threads.wasm); set EDGEGRAD_THREADS before importing runtime/mod.ts, " +
          "or initBackend(await compileKernelFile('relaxed', true)) first",
      );
    }
    this.buffer = new SharedArrayBuffer(SLOT_BYTES * Math.max(threads - 1, 1));
    this.slots = Array.from({ length: threads - 1 }, (_, i) => ({
      ints: new Int32Array(this.buffer, i * SLOT_BYTES, ARGS_OFFSET / 4),
      args: new Float64Array(this.buffer, i * SLOT_BYTES + ARGS_OFFSET, MAX_ARGS),
      error: new Uint8Array(this.buffer, i * SLOT_BYTES + ERROR_OFFSET, ERROR_BYTES),
      worker: null,
      workspace: 0,
      workspaceBytes: 0,
    }));
    this.canBlock = canBlockHere();
    this.slots.forEach((_, i) => this.start(i));
  }

  /** Starts (or restarts) worker `i`; it takes jobs once it has instantiated the module. */
  private start(i: number): void {
    const slot = this.slots[i];
    slot.worker?.terminate();
    Atomics.store(slot.ints, STATE, SlotState.Starting);
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    const b = backend();
    const message: WorkerStart = {
      module: b.module!,
      memory: b.k.memory,
      slots: this.buffer,
      index: i,
      idleMs: this.idleMs,
    };
    // The worker marks its slot idle itself, in shared memory, when it is ready: the caller may
    // be in a long synchronous loop that never lets a message through.
    slot.worker = worker;
    worker.postMessage(message);
  }

  /** Claims the idle workers (restarting stopped ones for later calls), up to `wanted`. */
  private claim(wanted: number): number[] {
    const claimed: number[] = [];
    for (let i = 0; i < this.slots.length && claimed.length < wanted; i++) {
      const ints = this.slots[i].ints;
      const state = Atomics.compareExchange(ints, STATE, SlotState.Idle, SlotState.Claimed);
      if (state === SlotState.Idle) claimed.push(i);
      else if (state === SlotState.Stopped) this.start(i);
    }
    return claimed;
  }

  /** A workspace for worker `i` as large as the caller's. */
  private workspaceFor(i: number): number {
    const slot = this.slots[i];
    const bytes = backend().workspaceSize;
    if (slot.workspaceBytes < bytes) {
      const ptr = backend().allocator.alloc(bytes);
      if (slot.workspace !== 0) backend().allocator.free(slot.workspace);
      slot.workspace = ptr;
      slot.workspaceBytes = bytes;
    }
    return slot.workspace;
  }

  /** Runs a call whole or split across the threads that are free. */
  run(
    name: KernelName,
    args: readonly number[],
    range: KernelRange | undefined,
    direct: DirectCall,
    elements?: ElementSplit,
  ): number | void {
    if (this.closed) return direct(args);
    let split: Split;
    if (range !== undefined) split = rowSplit(name, args, range);
    else if (elements !== undefined) split = elementSplit(args, elements);
    else return direct(args);
    const { start, end, multipleOf } = split;
    const parts = Math.min(
      this.threads,
      Math.floor(split.work / MIN_WORK_PER_THREAD),
      Math.floor((end - start) / multipleOf),
    );
    if (parts < 2) return direct(args);
    const workers = this.claim(parts - 1);
    if (workers.length === 0) return direct(args);
    const step = Math.ceil((end - start) / (workers.length + 1) / multipleOf) * multipleOf;
    const kernelId = SPLIT_KERNELS.indexOf(name);
    const busy: number[] = [];
    workers.forEach((w, n) => {
      const from = start + (n + 1) * step;
      const slot = this.slots[w];
      if (from >= end) {
        Atomics.store(slot.ints, STATE, SlotState.Idle);
        return;
      }
      slot.args.set(split.slice(from, Math.min(from + step, end)));
      if (range !== undefined && range.workspace >= 0) {
        slot.args[range.workspace] = this.workspaceFor(w);
      }
      slot.ints[KERNEL] = kernelId;
      slot.ints[ARG_COUNT] = args.length;
      Atomics.store(slot.ints, STATE, SlotState.Job);
      Atomics.notify(slot.ints, STATE);
      busy.push(w);
    });
    if (busy.length > 0) this.splitCalls++;
    let failure: Error | null = null;
    try {
      direct(split.slice(start, Math.min(start + step, end)));
    } catch (error) {
      failure = error as Error;
    }
    for (const w of busy) {
      const message = this.await(w);
      if (message !== null && failure === null) {
        failure = new Error(
          `edgegrad: kernel ${name} failed on worker thread ${w + 1}: ${message}`,
        );
      }
    }
    if (failure !== null) throw failure;
  }

  /** Waits for worker `w`'s job; returns its error text, or null when it succeeded. */
  private await(w: number): string | null {
    const slot = this.slots[w];
    for (;;) {
      const state = Atomics.load(slot.ints, STATE);
      if (state === SlotState.Done || state === SlotState.Failed) {
        const message = state === SlotState.Failed
          ? new TextDecoder().decode(slot.error.slice(0, slot.ints[ERROR_LENGTH]))
          : null;
        Atomics.store(slot.ints, STATE, SlotState.Idle);
        return message;
      }
      if (this.canBlock) Atomics.wait(slot.ints, STATE, SlotState.Job, 100);
    }
  }

  /** True when no worker is still starting. */
  get ready(): boolean {
    return this.slots.every((slot) => Atomics.load(slot.ints, STATE) !== SlotState.Starting);
  }

  /** Stops every worker and frees their workspaces; later calls run on the calling thread. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) {
      Atomics.store(slot.ints, STATE, SlotState.Exit);
      Atomics.notify(slot.ints, STATE);
      slot.worker?.terminate();
      slot.worker = null;
      if (slot.workspace !== 0) backend().allocator.free(slot.workspace);
      slot.workspace = 0;
    }
  }
}

/** True where Atomics.wait may block this thread (not a browser's main thread). */
function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

let pool: ThreadPool | null = null;

/**
 * Runs kernels on `n` threads (the calling one and n − 1 workers); 1 stops the workers. Needs the
 * threads build of the kernels (EDGEGRAD_THREADS set before import does both).
 * @example setNumThreads(2); // GEMMs, convolutions, pooling and batch norm split in two
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`setNumThreads: n must be a positive integer, got ${n}`);
  }
  if (pool !== null && pool.threads === n) return;
  pool?.close();
  pool = null;
  setDispatcher(null);
  if (n === 1) return;
  pool = new ThreadPool(n);
  setDispatcher(pool);
}

/** The number of threads kernels run on. */
export function numThreads(): number {
  return pool?.threads ?? 1;
}

/**
 * Resolves once every worker has started (calls made before run on the threads that are ready, so
 * this matters only for timing and tests); rejects after `timeoutMs`.
 */
export async function threadsReady(timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (pool !== null && !pool.ready) {
    if (performance.now() > deadline) {
      throw new Error(`edgegrad: the thread pool's workers did not start within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** How many kernel calls the pool has split across threads (0 on one thread). */
export function splitCallCount(): number {
  return pool?.splitCalls ?? 0;
}

/** The thread count `EDGEGRAD_THREADS` asks for under Deno (1 when unset or elsewhere). */
export function threadsFromEnvironment(): number {
  const text = typeof Deno !== "undefined" ? Deno.env.get("EDGEGRAD_THREADS") : undefined;
  if (text === undefined || text === "") return 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`EDGEGRAD_THREADS must be a positive integer, got "${text}"`);
  }
  return n;
}
