/** The kernel module's random generator state (xoshiro128**, four u32), for checkpoints. */
import { readRandomState, writeRandomState } from "../backend/kernels/random.ts";

/** The generator's state: four unsigned 32-bit integers. */
export type RandomState = [number, number, number, number];

/**
 * The current state of the global generator (the one `manualSeed` seeds and `randn` draws from).
 * @example const state = getRandomState(); randn([3]); setRandomState(state); // randn repeats
 */
export function getRandomState(): RandomState {
  return readRandomState();
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
  writeRandomState(state);
}
