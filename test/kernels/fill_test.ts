import assert from "node:assert/strict";
import { bothBuilds, seededValues } from "./harness.ts";
import { assertSameF32, ODD_SIZES } from "./close.ts";

const builds = await bothBuilds();

Deno.test("isRelaxedBuild tells the builds apart; heapBase is past static data", () => {
  const [relaxed, simd] = builds;
  assert.equal(relaxed.k.isRelaxedBuild(), 1);
  assert.equal(simd.k.isRelaxedBuild(), 0);
  for (const h of builds) assert.ok(h.k.heapBase() > 0);
});

for (const h of builds) {
  const { k } = h;
  const tag = `[${h.build}]`;

  Deno.test(`fillF32 writes exactly n values ${tag}`, () => {
    for (const n of [0, ...ODD_SIZES]) {
      h.reset();
      const out = h.f32(new Float32Array(n + 1).fill(7));
      k.fillF32(out, n, -2.5);
      const got = h.readF32(out, n + 1);
      assertSameF32(got.subarray(0, n), new Array(n).fill(-2.5), `fill n=${n}`);
      assert.equal(got[n], 7, `fill n=${n} wrote past the end`);
    }
  });

  Deno.test(`arangeF32 rounds start + i·step once ${tag}`, () => {
    for (const [start, step] of [[0, 1], [-3, 0.1], [1e6, 0.25], [5, -0.7]]) {
      for (const n of ODD_SIZES) {
        h.reset();
        const out = h.alloc(n * 4);
        k.arangeF32(out, n, start, step);
        const expected = Array.from({ length: n }, (_, i) => start + i * step);
        assertSameF32(h.readF32(out, n), expected, `arange(${start}, ${step}) n=${n}`);
      }
    }
  });

  Deno.test(`castI32ToF32 rounds to nearest f32 ${tag}`, () => {
    const special = [0, 1, -1, 2 ** 24 + 1, -(2 ** 24) - 3, 2 ** 31 - 1, -(2 ** 31), 123456789];
    for (const n of ODD_SIZES) {
      h.reset();
      const values = Int32Array.from(
        { length: n },
        (_, i) => i < special.length ? special[i] : Math.round(seededValues(1, i)[0] * 1e9),
      );
      const x = h.i32(values);
      const out = h.alloc(n * 4);
      k.castI32ToF32(x, out, n);
      assertSameF32(h.readF32(out, n), Array.from(values), `castI32ToF32 n=${n}`);
    }
  });

  Deno.test(`castF32ToI32 truncates toward zero and saturates ${tag}`, () => {
    const special = [0.9, -0.9, 2.5, -2.5, 1e10, -1e10, NaN, Infinity, -Infinity, -0, 16777217];
    const truncate = (v: number) =>
      Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v))) | 0;
    for (const n of [...ODD_SIZES, special.length]) {
      h.reset();
      const values = Float32Array.from(
        { length: n },
        (_, i) => i < special.length ? special[i] : seededValues(1, i + 7)[0] * 1000,
      );
      const x = h.f32(values);
      const out = h.alloc(n * 4);
      k.castF32ToI32(x, out, n);
      assert.deepEqual(
        Array.from(h.readI32(out, n)),
        Array.from(values, truncate),
        `castF32ToI32 n=${n}`,
      );
    }
  });

  Deno.test(`findNonFinite finds the first NaN or infinity, in SIMD body and tail ${tag}`, () => {
    for (const n of ODD_SIZES) {
      h.reset();
      const clean = seededValues(n, n);
      clean[0] = 3.4e38; // large but finite
      const x = h.f32(clean);
      assert.equal(k.findNonFinite(x, n), -1, `clean n=${n}`);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of new Set([0, n >> 1, n - 1])) {
          const values = clean.slice();
          values[at] = bad;
          if (at + 2 < n) values[at + 2] = NaN;
          const p = h.f32(values);
          assert.equal(k.findNonFinite(p, n), at, `${bad} at ${at} of ${n}`);
        }
      }
    }
    assert.equal(k.findNonFinite(h.f32([NaN]), 0), -1, "n = 0");
  });
}
