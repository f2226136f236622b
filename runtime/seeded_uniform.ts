/**
 * Seeded uniform numbers on the JavaScript side (mulberry32), independent of the kernels' random
 * stream: for gradcheck's random directions, reproducible test data, and examples that must not
 * move `manualSeed`'s state.
 */

/**
 * A generator of numbers in [0, 1), the same sequence for the same seed.
 * @example const next = mulberry32(7); next(); // 0.0117..., the same on every run
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
