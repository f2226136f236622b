import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertClose, assertSameF32 } from "./close.ts";

const builds = await bothBuilds();

const layouts: [number, number, number][] = [
  [1, 1, 1],
  [3, 10, 1],
  [2, 13, 1],
  [1, 1000, 1],
  [2, 7, 3],
  [3, 5, 4],
  [2, 33, 13],
];

/** Applies f to every column x[o, :, i] of [outer, size, inner] and lays the results out alike. */
function byColumn(
  x: ArrayLike<number>,
  [outer, size, inner]: [number, number, number],
  f: (column: number[], o: number, i: number) => number[],
): number[] {
  const out = new Array<number>(outer * size * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * size + j) * inner + i;
      const result = f(Array.from({ length: size }, (_, j) => x[at(j)]), o, i);
      result.forEach((v, j) => (out[at(j)] = v));
    }
  }
  return out;
}

function softmaxRef(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function logSoftmaxRef(v: number[]): number[] {
  const m = Math.max(...v);
  const lse = Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
  return v.map((x) => x - m - lse);
}

function softmax(
  h: KernelHarness,
  x: ArrayLike<number>,
  [outer, size, inner]: [number, number, number],
  log: boolean,
): Float32Array {
  const n = outer * size * inner;
  const px = h.f32(x);
  const out = h.alloc(n * 4);
  h.k.softmaxF32(px, out, outer, size, inner, log ? 1 : 0);
  return h.readF32(out, n);
}

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`softmaxF32 and log-softmax match float64 over every layout ${tag}`, () => {
    for (const layout of layouts) {
      h.reset();
      const n = layout[0] * layout[1] * layout[2];
      const x = Float32Array.from(seededValues(n, n + 2), (u) => u * 10);
      // exp(x − max) inherits the f32 rounding of x − max (|x − max| ≤ 20 here): ~1e-6 relative.
      assertClose(
        softmax(h, x, layout, false),
        byColumn(x, layout, softmaxRef),
        { rel: 2e-6, abs: 1e-12 },
        `softmax [${layout}]`,
      );
      assertClose(
        softmax(h, x, layout, true),
        byColumn(x, layout, logSoftmaxRef),
        { rel: 1e-6, abs: 4e-6 },
        `log-softmax [${layout}]`,
      );
    }
  });

  Deno.test(`softmaxF32 is exact and finite for logits of ±1e4 ${tag}`, () => {
    h.reset();
    const x = [1e4, -1e4, 0];
    assertSameF32(softmax(h, x, [1, 3, 1], true), [0, -2e4, -1e4], "log-softmax row");
    assertSameF32(softmax(h, x, [1, 3, 1], false), [1, 0, 0], "softmax row");
    // Two rows of three as columns of [1, 3, 2]: [[1e4, 0], [-1e4, 1e4], [0, -1e4]].
    const columns = [1e4, 0, -1e4, 1e4, 0, -1e4];
    assertSameF32(
      softmax(h, columns, [1, 3, 2], true),
      [0, -1e4, -2e4, 0, -1e4, -2e4],
      "log-softmax columns",
    );
    assertSameF32(softmax(h, columns, [1, 3, 2], false), [1, 0, 0, 1, 0, 0], "softmax columns");
    assertSameF32(softmax(h, [-Infinity, 0, -Infinity], [1, 3, 1], false), [0, 1, 0], "−∞ logit");
    assertSameF32(softmax(h, [7, 7, 7, 7], [1, 4, 1], false), [0.25, 0.25, 0.25, 0.25], "ties");
  });

  Deno.test(`softmaxF32 works in place ${tag}`, () => {
    h.reset();
    const x = seededValues(26, 4);
    const p = h.f32(x);
    h.k.softmaxF32(p, p, 2, 13, 1, 1);
    assertClose(h.readF32(p, 26), byColumn(x, [2, 13, 1], logSoftmaxRef), {
      abs: 1e-6,
    }, "in place");
  });

  Deno.test(`softmaxBackwardF32 matches the float64 formulas ${tag}`, () => {
    for (const layout of layouts) {
      h.reset();
      const n = layout[0] * layout[1] * layout[2];
      const x = Float32Array.from(seededValues(n, n + 8), (u) => u * 4);
      const g = seededValues(n, n + 9);
      for (const log of [false, true]) {
        const y = softmax(h, x, layout, log);
        const out = h.alloc(n * 4);
        h.k.softmaxBackwardF32(h.f32(g), h.f32(y), out, ...layout, log ? 1 : 0);
        const gColumns = byColumn(g, layout, (column) => column);
        const expected = byColumn(y, layout, (column, o, i) => {
          const start = (o * layout[1]) * layout[2] + i;
          const gs = column.map((_, j) => gColumns[start + j * layout[2]]);
          if (log) {
            const sum = gs.reduce((a, b) => a + b, 0);
            return column.map((yj, j) => gs[j] - Math.exp(yj) * sum);
          }
          const dot = gs.reduce((a, gj, j) => a + gj * column[j], 0);
          return column.map((yj, j) => yj * (gs[j] - dot));
        });
        assertClose(
          h.readF32(out, n),
          expected,
          { abs: 2e-7 * Math.sqrt(layout[1]), rel: 1e-6 },
          `${log ? "log-" : ""}softmax backward [${layout}]`,
        );
      }
    }
  });
}
