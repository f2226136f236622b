/**
 * The dispatch point: every kernel call of the runtime passes through `callKernel(name, ...args)`.
 * By default a call runs whole on this thread. A `Dispatcher` installed with `setDispatcher` sees
 * each call with its split range (from the generated KERNEL_RANGES: the `xStart`/`xEnd`
 * parameters that bound the slice of the output it computes) and may run it as several calls over
 * disjoint slices, on this thread or on workers sharing the memory, without any op changing.
 */
import { backend } from "./backend.ts";
import {
  type ElementSplit,
  KERNEL_ELEMENT_SPLITS,
  KERNEL_RANGES,
  type KernelExports,
  type KernelRange,
} from "./bindings/mod.ts";

/** The name of a kernel function of the module. */
export type KernelName = {
  [K in keyof KernelExports]: KernelExports[K] extends (...args: never[]) => unknown ? K : never;
}[keyof KernelExports];

/** The arguments of a kernel (all numbers: pointers, sizes, scalars). */
export type KernelArgs<N extends KernelName> = Parameters<KernelExports[N]>;

/** What a kernel returns (void, or a number such as a byte count or a bad index's position). */
export type KernelResult<N extends KernelName> = ReturnType<KernelExports[N]>;

/** Runs one kernel call with given arguments on this thread, whole. */
export type DirectCall = (args: readonly number[]) => number | void;

/**
 * Decides how kernel calls run. `run` gets the kernel's name, its arguments, its split range
 * (undefined for kernels without one), `direct`, which runs the kernel on this thread for any
 * arguments (a sub-range, say), and an elementwise kernel's element split; it returns what the
 * kernel returns.
 */
export interface Dispatcher {
  run(
    name: KernelName,
    args: readonly number[],
    range: KernelRange | undefined,
    direct: DirectCall,
    elements?: ElementSplit,
  ): number | void;
}

let dispatcher: Dispatcher | null = null;

/** Installs a dispatcher (null: every call runs whole here); returns the previous one. */
export function setDispatcher(next: Dispatcher | null): Dispatcher | null {
  const previous = dispatcher;
  dispatcher = next;
  return previous;
}

/** The installed dispatcher, or null. */
export function currentDispatcher(): Dispatcher | null {
  return dispatcher;
}

/** Calls the kernel `name` through the dispatch point. */
export function callKernel<N extends KernelName>(name: N, ...args: KernelArgs<N>): KernelResult<N> {
  const fn = backend().k[name] as unknown as (...a: readonly number[]) => KernelResult<N>;
  if (dispatcher === null) return fn(...args);
  const direct = (a: readonly number[]) => fn(...a) as number | void;
  return dispatcher.run(
    name,
    args,
    KERNEL_RANGES[name],
    direct,
    KERNEL_ELEMENT_SPLITS[name],
  ) as KernelResult<N>;
}
