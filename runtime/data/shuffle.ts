/**
 * The data loader's own random numbers: xoshiro128** seeded by splitmix32 from a seed and an epoch,
 * so each epoch's order is a pure function of (seed, epoch) and a resumed run sees the same orders
 * without replaying the earlier epochs. Independent of the kernel module's generator.
 */

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A small seeded generator of 32-bit integers (xoshiro128**). */
export class ShuffleGenerator {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds from a non-negative integer below 2^53 and a stream number (the epoch). */
  constructor(seed: number, stream = 0) {
    let h = splitmix32(seed >>> 0);
    h = splitmix32(h ^ Math.floor(seed / 4294967296));
    h = splitmix32(h ^ stream);
    this.s0 = h = splitmix32(h);
    this.s1 = h = splitmix32(h);
    this.s2 = h = splitmix32(h);
    this.s3 = splitmix32(h);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, n) for 0 < n ≤ 2^32, without modulo bias (rejection sampling). */
  below(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return r % n;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A uniformly random permutation of 0..n−1 (Fisher–Yates), the same for the same seed and epoch.
 * @example permutation(5, 42, 0) // e.g. Int32Array [3, 0, 4, 1, 2]
 */
export function permutation(n: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const generator = new ShuffleGenerator(seed, epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.below(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
