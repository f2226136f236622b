/** The kernel module's random generator state (xoshiro128**, four u32), for checkpoints. */
import { backend } from "../backend/backend.ts";

/** The generator's state: four unsigned 32-bit integers. */
export type RandomState = [number, number, number, number];

/**
 * The current state of the global generator (the one `manualSeed` seeds and `randn` draws from).
 * @example const state = getRandomState(); randn([3]); setRandomState(state); // randn repeats
 */
export function getRandomState(): RandomState {
  const b = backend();
  const ptr = b.allocator.alloc(16);
  try {
    b.k.getRandomState(ptr);
    const words = b.i32.subarray(ptr >>> 2, (ptr >>> 2) + 4);
    return [words[0] >>> 0, words[1] >>> 0, words[2] >>> 0, words[3] >>> 0];
  } finally {
    b.allocator.free(ptr);
  }
}

/** Restores a state from `getRandomState`. */
export function setRandomState(state: readonly number[]): void {
  if (
    !Array.isArray(state) || state.length !== 4 ||
    !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  ) {
    throw new TypeError(
      `setRandomState: expected four unsigned 32-bit integers, got ${JSON.stringify(state)}`,
    );
  }
  const b = backend();
  const ptr = b.allocator.alloc(16);
  try {
    b.i32.set(state.map((w) => w | 0), ptr >>> 2);
    b.k.setRandomState(ptr);
  } finally {
    b.allocator.free(ptr);
  }
}
