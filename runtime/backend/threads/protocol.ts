/**
 * The layout both sides of the thread pool read: one slot per worker in a SharedArrayBuffer (apart
 * from wasm memory), holding the slot's state, the job's kernel, its arguments and an error text.
 * States move STARTING → IDLE (the worker, once ready) → CLAIMED (the caller, by compare-exchange)
 * → JOB (the caller, arguments written) → DONE or FAILED (the worker) → IDLE (the caller); an idle
 * worker that times out moves IDLE → STOPPED itself and exits.
 */
import { KERNEL_ELEMENT_SPLITS, KERNEL_RANGES } from "../bindings/mod.ts";

/** Slot states. */
export const SlotState = {
  Idle: 0,
  Job: 1,
  Done: 2,
  Failed: 3,
  Stopped: 4,
  /** the caller asks the worker to exit */
  Exit: 5,
  /** the caller started the worker, which has not instantiated the module yet */
  Starting: 6,
  /** the caller took the idle slot and is writing a job's arguments */
  Claimed: 7,
} as const;

/** Bytes of one worker's slot. */
export const SLOT_BYTES = 1024;
/** Int32 offsets in a slot: state, kernel id, argument count, error text length. */
export const STATE = 0;
export const KERNEL = 1;
export const ARG_COUNT = 2;
export const ERROR_LENGTH = 3;
/** Byte offset of the f64 arguments in a slot, and the most a kernel takes. */
export const ARGS_OFFSET = 64;
export const MAX_ARGS = 40;
/** Byte offset and size of the error text (UTF-8) in a slot. */
export const ERROR_OFFSET = ARGS_OFFSET + MAX_ARGS * 8;
export const ERROR_BYTES = SLOT_BYTES - ERROR_OFFSET;

/** The kernels a worker can run (those with a split range or an element split), by id. */
export const SPLIT_KERNELS: readonly string[] = [
  ...Object.keys(KERNEL_RANGES),
  ...Object.keys(KERNEL_ELEMENT_SPLITS),
];

/** What the caller posts to a new worker. */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  slots: SharedArrayBuffer;
  index: number;
  idleMs: number;
}
