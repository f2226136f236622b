// The module's random number generator: xoshiro128** (Blackman and Vigna), 128 bits of state in
// four globals, seeded through splitmix64. Uniform floats take the top 24 bits of a draw; normals
// come from the Box-Muller transform in f64 with u1 in (0, 1], so log(u1) is always finite.

// The state seedRandom(0, 0) sets.
let s0: u32 = 0x7b1dcdaf;
let s1: u32 = 0xe220a839;
let s2: u32 = 0xa1b965f4;
let s3: u32 = 0x6e789e6a;

// @ts-ignore: decorator
@inline function nextU32(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

// @ts-ignore: decorator
@inline function splitmix64(x: u64): u64 {
  let z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Reseeds the generator from a 64-bit seed given as two 32-bit halves. */
export function seedRandom(low: u32, high: u32): void {
  const seed = (<u64>high << 32) | <u64>low;
  const golden: u64 = 0x9e3779b97f4a7c15;
  const a = splitmix64(seed + golden);
  const b = splitmix64(seed + golden + golden);
  s0 = <u32>a;
  s1 = <u32>(a >> 32);
  s2 = <u32>b;
  s3 = <u32>(b >> 32);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
}

/** out[i] ~ U[low, high) for i < n (values that round up to high are moved just below it). */
export function randomUniformF32(out: usize, n: i32, low: f32, high: f32): void {
  const width = high - low;
  // Largest float below high, for the rare draws that round up to it.
  const below = high > low ? max(low, nextDown(high)) : low;
  for (let i = 0; i < n; i++) {
    const u = <f32>(nextU32() >> 8) * <f32>5.9604644775390625e-8; // 2^-24
    const value = low + width * u;
    store<f32>(out + (<usize>i << 2), value < high ? value : below);
  }
}

// The largest f32 below a finite, non-NaN x.
// @ts-ignore: decorator
@inline function nextDown(x: f32): f32 {
  if (x == 0) return -1.401298464324817e-45;
  const bits = reinterpret<i32>(x);
  return reinterpret<f32>(x > 0 ? bits - 1 : bits + 1);
}

/** out[i] ~ N(mean, std²) for i < n. */
export function randomNormalF32(out: usize, n: i32, mean: f32, std: f32): void {
  const twoPi: f64 = 6.283185307179586;
  const scale: f64 = 2.3283064365386963e-10; // 2^-32
  const m = <f64>mean;
  const s = <f64>std;
  let i = 0;
  while (i < n) {
    const u1 = (<f64>nextU32() + 1.0) * scale; // (0, 1]
    const u2 = <f64>nextU32() * scale; // [0, 1)
    const radius = Math.sqrt(-2.0 * Math.log(u1));
    const angle = twoPi * u2;
    store<f32>(out + (<usize>i << 2), <f32>(m + s * radius * Math.cos(angle)));
    i++;
    if (i < n) {
      store<f32>(out + (<usize>i << 2), <f32>(m + s * radius * Math.sin(angle)));
      i++;
    }
  }
}

/** Writes the generator state (4 u32) at ptr, so that a run can be resumed. */
export function getRandomState(ptr: usize): void {
  store<u32>(ptr, s0);
  store<u32>(ptr, s1, 4);
  store<u32>(ptr, s2, 8);
  store<u32>(ptr, s3, 12);
}

/** Restores the generator state written by getRandomState (an all-zero state is made nonzero). */
export function setRandomState(ptr: usize): void {
  s0 = load<u32>(ptr);
  s1 = load<u32>(ptr, 4);
  s2 = load<u32>(ptr, 8);
  s3 = load<u32>(ptr, 12);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
}
