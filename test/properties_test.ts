/** Property tests (fast-check) of broadcasting and the shape ops against plain-JS references. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { F, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 4 });

function sizeOf(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function iota(shape: number[], scale = 1): number[] {
  return Array.from({ length: sizeOf(shape) }, (_, i) => ((i * 7919) % 97) * scale - 48);
}

/** A pair of shapes that broadcast: start from one shape and knock dims down to 1 or drop leading dims. */
const broadcastPair = shapeArb.chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    fc.integer({ min: 0, max: shape.length }),
  ).map(([s, ones, drop]) =>
    [s, s.map((d, i) => (ones[i] ? 1 : d)).slice(drop)] as [number[], number[]]
  )
);

function referenceBroadcast(
  a: number[],
  sa: number[],
  b: number[],
  sb: number[],
  f: (x: number, y: number) => number,
) {
  const rank = Math.max(sa.length, sb.length);
  const pa = [...Array(rank - sa.length).fill(1), ...sa],
    pb = [...Array(rank - sb.length).fill(1), ...sb];
  const out = pa.map((d, i) => Math.max(d, pb[i]));
  const result: number[] = [];
  const index = new Array(rank).fill(0);
  for (let n = 0; n < sizeOf(out); n++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * pa[d] + (pa[d] === 1 ? 0 : index[d]);
      ib = ib * pb[d] + (pb[d] === 1 ? 0 : index[d]);
    }
    result.push(f(a[ia], b[ib]));
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return { shape: out, values: result };
}

Deno.test("broadcast add/mul/sub match a JS reference, both argument orders", () => {
  fc.assert(
    fc.property(broadcastPair, fc.boolean(), ([s1, s2], swap) => {
      const [sa, sb] = swap ? [s2, s1] : [s1, s2];
      const a = iota(sa, 0.5), b = iota(sb, 0.25);
      for (
        const [op, f] of [[F.add, (x: number, y: number) => x + y], [
          F.mul,
          (x: number, y: number) => x * y,
        ], [F.sub, (x: number, y: number) => x - y]] as const
      ) {
        const out = op(tensor(a, { shape: sa }), tensor(b, { shape: sb }));
        const expected = referenceBroadcast(a, sa, b, sb, f);
        assert.deepEqual([...out.shape], expected.shape);
        assertClose(out, expected.values, { atol: 0, rtol: 1e-6 });
      }
    }),
    { numRuns: 150 },
  );
});

Deno.test("the gradient of broadcasting is its adjoint: ⟨expand(x), y⟩ = ⟨x, ∂⟩", () => {
  fc.assert(
    fc.property(broadcastPair, ([big, small]) => {
      const x = tensor(iota(small, 0.01), { shape: small, requiresGrad: true });
      const y = tensor(iota(big, 0.02), { shape: big });
      const inner = F.sum(F.mul(F.expand(x, big), y));
      inner.backward();
      const gradDot = Array.from(x.grad!.data()).reduce(
        (s, g, i) => s + g * iota(small, 0.01)[i],
        0,
      );
      assert.ok(Math.abs(gradDot - inner.item()) <= 1e-3 * (1 + Math.abs(inner.item())));
    }),
    { numRuns: 100 },
  );
});

Deno.test("permute followed by the inverse permutation is the identity; matches index math", () => {
  fc.assert(
    fc.property(
      shapeArb.filter((s) => s.length >= 1).chain((s) =>
        fc.tuple(
          fc.constant(s),
          fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }),
        )
      ),
      ([shape, order]) => {
        const values = iota(shape);
        const x = tensor(values, { shape });
        const y = F.permute(x, order);
        assert.deepEqual([...y.shape], order.map((d) => shape[d]));
        const inverse = new Array<number>(order.length);
        order.forEach((d, i) => (inverse[d] = i));
        assert.deepEqual(Array.from(F.permute(y, inverse).data()), Array.from(x.data()));
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("cat then narrow gives the parts back; stack adds a dim of the count", () => {
  fc.assert(
    fc.property(
      shapeArb.filter((s) => s.length >= 1),
      fc.integer({ min: 1, max: 3 }),
      fc.nat(),
      (shape, extra, pick) => {
        const dim = pick % shape.length;
        const other = shape.map((d, i) => (i === dim ? extra : d));
        const a = tensor(iota(shape), { shape }), b = tensor(iota(other, 2), { shape: other });
        const joined = F.cat([a, b], dim);
        assert.equal(joined.shape[dim], shape[dim] + extra);
        assert.deepEqual(
          Array.from(F.narrow(joined, dim, 0, shape[dim]).data()),
          Array.from(a.data()),
        );
        assert.deepEqual(
          Array.from(F.narrow(joined, dim, shape[dim], extra).data()),
          Array.from(b.data()),
        );
        const stacked = F.stack([a, a], dim);
        assert.deepEqual([...stacked.shape], [...shape.slice(0, dim), 2, ...shape.slice(dim)]);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("reshape, flatten, squeeze and unsqueeze keep the elements in order", () => {
  fc.assert(
    fc.property(shapeArb, fc.nat(), (shape, pick) => {
      const values = iota(shape);
      const x = tensor(values, { shape });
      assert.deepEqual(Array.from(F.flatten(x).data()), Array.from(x.data()));
      const at = pick % (shape.length + 1);
      const u = F.unsqueeze(x, at);
      assert.equal(u.shape[at], 1);
      assert.deepEqual([...F.squeeze(u, at).shape], shape);
      assert.deepEqual(Array.from(F.reshape(x, [-1]).data()), Array.from(x.data()));
    }),
    { numRuns: 100 },
  );
});
