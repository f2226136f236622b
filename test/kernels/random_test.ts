import assert from "node:assert/strict";
import { bothBuilds, type KernelHarness } from "./harness.ts";
import { assertClose, assertSameF32 } from "./close.ts";

const builds = await bothBuilds();

/** JS xoshiro128** seeded by splitmix64, the generator the kernels document. */
class Xoshiro128 {
  private s: Uint32Array;
  constructor(seed: bigint) {
    const mask = (1n << 64n) - 1n;
    const golden = 0x9e3779b97f4a7c15n;
    const splitmix = (x: bigint) => {
      let z = x & mask;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
      return z ^ (z >> 31n);
    };
    const a = splitmix(seed + golden);
    const b = splitmix(seed + 2n * golden);
    this.s = Uint32Array.of(
      Number(a & 0xffffffffn),
      Number(a >> 32n),
      Number(b & 0xffffffffn),
      Number(b >> 32n),
    );
  }
  next(): number {
    const s = this.s;
    const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
}

function uniform(h: KernelHarness, n: number, low: number, high: number): Float32Array {
  const out = h.alloc(n * 4);
  h.k.randomUniformF32(out, n, low, high);
  return h.readF32(out, n);
}

function normal(h: KernelHarness, n: number, mean: number, std: number): Float32Array {
  const out = h.alloc(n * 4);
  h.k.randomNormalF32(out, n, mean, std);
  return h.readF32(out, n);
}

function moments(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, std: Math.sqrt(squares / (values.length - 1)) };
}

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`seedRandom + randomUniformF32 follow xoshiro128** bit for bit ${tag}`, () => {
    const seeds: [number, number, bigint][] = [
      [0, 0, 0n],
      [42, 0, 42n],
      [0x89abcdef, 0x01234567, 0x0123456789abcdefn],
    ];
    for (const [low, high, seed] of seeds) {
      h.reset();
      h.k.seedRandom(low, high);
      const reference = new Xoshiro128(seed);
      const expected = Array.from({ length: 33 }, () => (reference.next() >>> 8) * 2 ** -24);
      assertSameF32(uniform(h, 33, 0, 1), expected, `seed ${seed}`);
    }
  });

  Deno.test(`randomNormalF32 is Box-Muller over the same stream ${tag}`, () => {
    h.reset();
    h.k.seedRandom(7, 0);
    const reference = new Xoshiro128(7n);
    const expected: number[] = [];
    while (expected.length < 1001) {
      const u1 = (reference.next() + 1) * 2 ** -32;
      const u2 = reference.next() * 2 ** -32;
      const radius = Math.sqrt(-2 * Math.log(u1));
      expected.push(1 + 2 * radius * Math.cos(2 * Math.PI * u2));
      expected.push(1 + 2 * radius * Math.sin(2 * Math.PI * u2));
    }
    // Odd n: the last pair's sine is dropped.
    assertClose(normal(h, 1001, 1, 2), expected.slice(0, 1001), { ulps: 1 }, "box-muller");
  });

  Deno.test(`the same seed gives the same numbers; state round-trips ${tag}`, () => {
    h.reset();
    h.k.seedRandom(123, 456);
    const first = uniform(h, 1000, -1, 1);
    h.k.seedRandom(123, 456);
    assert.deepEqual(uniform(h, 1000, -1, 1), first, "reseeding repeats the stream");
    h.k.seedRandom(124, 456);
    assert.notDeepEqual(uniform(h, 1000, -1, 1), first, "another seed, another stream");

    const state = h.alloc(16);
    h.k.seedRandom(9, 9);
    uniform(h, 13, 0, 1);
    h.k.getRandomState(state);
    const saved = h.readI32(state, 4);
    const a = normal(h, 7, 0, 1);
    const b = uniform(h, 33, 0, 1);
    uniform(h, 100, 0, 1);
    h.k.setRandomState(h.i32(saved));
    assert.deepEqual(normal(h, 7, 0, 1), a, "normals resume");
    assert.deepEqual(uniform(h, 33, 0, 1), b, "uniforms resume");
  });

  Deno.test(`randomUniformF32 stays in [low, high) with the right moments ${tag}`, () => {
    h.reset();
    h.k.seedRandom(2024, 0);
    const n = 100_000;
    const [low, high] = [-3, 5];
    const values = uniform(h, n, low, high);
    assert.ok(values.every((v) => v >= low && v < high), "range");
    const { mean, std } = moments(values);
    const width = high - low;
    // Mean within 5 standard errors; std of U[a, b) is (b − a)/√12.
    assert.ok(Math.abs(mean - 1) < (5 * width) / Math.sqrt(12 * n), `mean ${mean}`);
    assert.ok(Math.abs(std - width / Math.sqrt(12)) < 0.02, `std ${std}`);
    // Ten equal bins, each within 5 binomial standard errors of n/10.
    const bins = new Array<number>(10).fill(0);
    for (const v of values) bins[Math.floor(((v - low) / width) * 10)]++;
    const sigma = Math.sqrt(n * 0.1 * 0.9);
    for (const count of bins) assert.ok(Math.abs(count - n / 10) < 5 * sigma, `bins ${bins}`);
    // A width that rounds low + width·u up to high must still stay below high.
    const tight = uniform(h, 1000, 1, 1.0000001);
    assert.ok(tight.every((v) => v >= 1 && v < Math.fround(1.0000001)), "tight range");
  });

  Deno.test(`randomNormalF32 has mean, std and tails of N(mean, std²), all finite ${tag}`, () => {
    h.reset();
    h.k.seedRandom(31337, 0);
    const n = 100_000;
    const z = normal(h, n, 0, 1);
    assert.ok(z.every(Number.isFinite), "finite");
    const { mean, std } = moments(z);
    // Standard errors: 1/√n for the mean, about 1/√(2n) for the std.
    assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 5 / Math.sqrt(2 * n), `std ${std}`);
    const within1 = z.filter((v) => Math.abs(v) < 1).length / n;
    const within2 = z.filter((v) => Math.abs(v) < 2).length / n;
    assert.ok(Math.abs(within1 - 0.682689) < 5 * Math.sqrt(0.68 * 0.32 / n), `P(|z|<1) ${within1}`);
    assert.ok(Math.abs(within2 - 0.954500) < 5 * Math.sqrt(0.95 * 0.05 / n), `P(|z|<2) ${within2}`);
    const scaled = moments(normal(h, n, 3, 0.5));
    assert.ok(Math.abs(scaled.mean - 3) < 2.5 / Math.sqrt(n), `scaled mean ${scaled.mean}`);
    assert.ok(Math.abs(scaled.std - 0.5) < 2.5 / Math.sqrt(2 * n), `scaled std ${scaled.std}`);
    for (const count of [1, 2, 3]) {
      assert.ok(normal(h, count, 0, 1).every(Number.isFinite), `n = ${count}`);
    }
  });
}

Deno.test("both builds draw identical streams", () => {
  const [relaxed, simd] = builds;
  for (const h of builds) {
    h.reset();
    h.k.seedRandom(5, 6);
  }
  assert.deepEqual(uniform(relaxed, 257, -2, 2), uniform(simd, 257, -2, 2));
  assert.deepEqual(normal(relaxed, 257, 0, 1), normal(simd, 257, 0, 1));
});
