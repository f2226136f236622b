/// <reference lib="deno.worker" />
/**
 * A thread of the pool: instantiates the kernel module on the caller's shared memory, then waits
 * on its slot for jobs (one slice of one kernel call each), runs them and reports. After `idleMs`
 * without a job it stops itself, so a script whose work is done can exit.
 */
import {
  ARG_COUNT,
  ARGS_OFFSET,
  ERROR_BYTES,
  ERROR_LENGTH,
  ERROR_OFFSET,
  KERNEL,
  SLOT_BYTES,
  SlotState,
  SPLIT_KERNELS,
  STATE,
  type WorkerStart,
} from "./protocol.ts";

self.onmessage = (event: MessageEvent<WorkerStart>) => {
  const { module, memory, slots, index, idleMs } = event.data;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<
    string,
    (...args: number[]) => number | void
  >;
  const ints = new Int32Array(slots, index * SLOT_BYTES, ARGS_OFFSET / 4);
  const args = new Float64Array(
    slots,
    index * SLOT_BYTES + ARGS_OFFSET,
    (ERROR_OFFSET - ARGS_OFFSET) / 8,
  );
  const errorText = new Uint8Array(slots, index * SLOT_BYTES + ERROR_OFFSET, ERROR_BYTES);
  Atomics.compareExchange(ints, STATE, SlotState.Starting, SlotState.Idle);
  for (;;) {
    const state = Atomics.load(ints, STATE);
    if (state === SlotState.Exit) break;
    if (state === SlotState.Idle) {
      const idle = Atomics.wait(ints, STATE, SlotState.Idle, idleMs) === "timed-out";
      const stop = idle &&
        Atomics.compareExchange(ints, STATE, SlotState.Idle, SlotState.Stopped) === SlotState.Idle;
      if (stop) break;
      continue;
    }
    if (state !== SlotState.Job) {
      // Claimed, Done or Failed: the caller's turn.
      Atomics.wait(ints, STATE, state, idleMs);
      continue;
    }
    try {
      const name = SPLIT_KERNELS[ints[KERNEL]];
      const count = ints[ARG_COUNT];
      const values: number[] = new Array(count);
      for (let i = 0; i < count; i++) values[i] = args[i];
      exports[name](...values);
      Atomics.store(ints, STATE, SlotState.Done);
    } catch (error) {
      const text = new TextEncoder().encode(String((error as Error)?.message ?? error));
      const length = Math.min(text.length, ERROR_BYTES);
      errorText.set(text.subarray(0, length));
      ints[ERROR_LENGTH] = length;
      Atomics.store(ints, STATE, SlotState.Failed);
    }
    Atomics.notify(ints, STATE);
  }
  Atomics.store(ints, STATE, SlotState.Stopped);
  Atomics.notify(ints, STATE);
  self.close();
};
