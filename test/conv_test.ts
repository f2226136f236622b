/**
 * conv2d and convTranspose2d: values and all three gradients against a direct float64 loop over
 * PyTorch's definitions on random geometries (fast-check), the adjoint identity
 * ⟨conv(x), y⟩ = ⟨x, convT(y)⟩, "same"/"valid" padding, unbatched input, memory, error messages.
 */
import { mulberry32 } from "../runtime/seeded_uniform.ts";
import assert from "node:assert/strict";
import fc from "fast-check";
import { F, memoryStats, scope, type Tensor, tensor } from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

/** Geometry of one conv as PyTorch states it; pad is the top/left padding. */
interface Spec {
  batch: number;
  groups: number;
  inPerGroup: number;
  outPerGroup: number;
  size: [number, number];
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  dilation: [number, number];
  bias: boolean;
  seed: number;
}

/** Values in [-1, 1) from a seed (mulberry32). */
function values(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Sums in float64 with the sum of |terms| beside each, for an error bound. */
class Sums {
  readonly value: Float64Array;
  readonly magnitude: Float64Array;
  constructor(readonly shape: number[]) {
    this.value = new Float64Array(sizeOf(shape));
    this.magnitude = new Float64Array(sizeOf(shape));
  }
  add(index: number, term: number): void {
    this.value[index] += term;
    this.magnitude[index] += Math.abs(term);
  }
}

/**
 * Asserts |actual − expected| ≤ terms·2⁻²³·Σ|terms| + 1e-30 per element: float32 summation of
 * `terms` products in any order stays within about terms·u·Σ|terms| (u = 2⁻²⁴); twice that is the
 * allowance.
 */
function assertWithinRounding(actual: Tensor, expected: Sums, terms: number, label: string) {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const got = actual.data();
  for (let e = 0; e < got.length; e++) {
    const allowed = (terms + 1) * 2 ** -23 * expected.magnitude[e] + 1e-30;
    const error = Math.abs(got[e] - expected.value[e]);
    assert.ok(
      error <= allowed,
      `${label}[${e}]: got ${got[e]}, expected ${
        expected.value[e]
      } (error ${error}, allowed ${allowed})`,
    );
  }
}

interface Reference {
  out: Sums;
  gradInput: Sums;
  gradWeight: Sums;
  gradBias: Sums;
}

/**
 * A direct loop over the conv's definition: out[n, co, oh, ow] = b[co] +
 * Σ x[n, g·Cg + ci, oh·s − p + i·d, ow·s − p + j·d] · w[co, ci, i, j], and, for the projection
 * L = Σ out·r, the gradients of L with respect to x, w and b, term by term.
 */
function referenceConv2d(
  spec: Spec,
  out: [number, number],
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  r: Float32Array,
): Reference {
  const { batch: N, groups: G, inPerGroup: Cg, outPerGroup: Og } = spec;
  const [H, W] = spec.size, [kH, kW] = spec.kernel, [OH, OW] = out;
  const Cin = Cg * G, Cout = Og * G;
  const result: Reference = {
    out: new Sums([N, Cout, OH, OW]),
    gradInput: new Sums([N, Cin, H, W]),
    gradWeight: new Sums([Cout, Cg, kH, kW]),
    gradBias: new Sums([Cout]),
  };
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < Cout; co++) {
      const group = Math.floor(co / Og);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const o = ((n * Cout + co) * OH + oh) * OW + ow;
          if (b) result.out.add(o, b[co]);
          result.gradBias.add(co, r[o]);
          for (let ci = 0; ci < Cg; ci++) {
            for (let i = 0; i < kH; i++) {
              const ih = oh * spec.stride[0] - spec.pad[0] + i * spec.dilation[0];
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < kW; j++) {
                const iw = ow * spec.stride[1] - spec.pad[1] + j * spec.dilation[1];
                if (iw < 0 || iw >= W) continue;
                const xi = ((n * Cin + group * Cg + ci) * H + ih) * W + iw;
                const wi = ((co * Cg + ci) * kH + i) * kW + j;
                result.out.add(o, x[xi] * w[wi]);
                result.gradInput.add(xi, r[o] * w[wi]);
                result.gradWeight.add(wi, r[o] * x[xi]);
              }
            }
          }
        }
      }
    }
  }
  return result;
}

/**
 * A direct loop over the transposed conv's definition (input [N, Cin, H, W], weight
 * [Cin, Cout/G, kH, kW]): every input element scatters x·w to out[n, g·Og + co, h·s − p + i·d,
 * w·s − p + j·d] where that lies inside the output; with the gradients of L = Σ out·r.
 */
function referenceConvTranspose2d(
  spec: Spec,
  out: [number, number],
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  r: Float32Array,
): Reference {
  const { batch: N, groups: G, inPerGroup: Cg, outPerGroup: Og } = spec;
  const [H, W] = spec.size, [kH, kW] = spec.kernel, [OH, OW] = out;
  const Cin = Cg * G, Cout = Og * G;
  const result: Reference = {
    out: new Sums([N, Cout, OH, OW]),
    gradInput: new Sums([N, Cin, H, W]),
    gradWeight: new Sums([Cin, Og, kH, kW]),
    gradBias: new Sums([Cout]),
  };
  for (let o = 0; o < N * Cout * OH * OW; o++) {
    const co = Math.floor(o / (OH * OW)) % Cout;
    if (b) result.out.add(o, b[co]);
    result.gradBias.add(co, r[o]);
  }
  for (let n = 0; n < N; n++) {
    for (let ci = 0; ci < Cin; ci++) {
      const group = Math.floor(ci / Cg);
      for (let h = 0; h < H; h++) {
        for (let v = 0; v < W; v++) {
          const xi = ((n * Cin + ci) * H + h) * W + v;
          for (let co = 0; co < Og; co++) {
            for (let i = 0; i < kH; i++) {
              const oh = h * spec.stride[0] - spec.pad[0] + i * spec.dilation[0];
              if (oh < 0 || oh >= OH) continue;
              for (let j = 0; j < kW; j++) {
                const ow = v * spec.stride[1] - spec.pad[1] + j * spec.dilation[1];
                if (ow < 0 || ow >= OW) continue;
                const o = ((n * Cout + group * Og + co) * OH + oh) * OW + ow;
                const wi = ((ci * Og + co) * kH + i) * kW + j;
                result.out.add(o, x[xi] * w[wi]);
                result.gradInput.add(xi, r[o] * w[wi]);
                result.gradWeight.add(wi, r[o] * x[xi]);
              }
            }
          }
        }
      }
    }
  }
  return result;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  inPerGroup: fc.integer({ min: 1, max: 3 }),
  outPerGroup: fc.integer({ min: 1, max: 3 }),
  size: fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
  kernel: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  pad: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  bias: fc.boolean(),
  seed: fc.nat(),
});

function conv2dOutSize(spec: Spec): [number, number] {
  const size = (a: number) =>
    Math.floor(
      (spec.size[a] + 2 * spec.pad[a] - spec.dilation[a] * (spec.kernel[a] - 1) - 1) /
        spec.stride[a],
    ) + 1;
  return [size(0), size(1)];
}

function convTransposeOutSize(spec: Spec, extra: [number, number]): [number, number] {
  const size = (a: number) =>
    (spec.size[a] - 1) * spec.stride[a] - 2 * spec.pad[a] +
    spec.dilation[a] * (spec.kernel[a] - 1) + extra[a] + 1;
  return [size(0), size(1)];
}

/** Leaf tensors x, w, b and the projection r of one random case. */
function operands(
  spec: Spec,
  inputShape: number[],
  weightShape: number[],
  outShape: number[],
  biasSize: number,
) {
  const data = {
    x: values(sizeOf(inputShape), spec.seed),
    w: values(sizeOf(weightShape), spec.seed + 1),
    b: spec.bias ? values(biasSize, spec.seed + 2) : null,
    r: values(sizeOf(outShape), spec.seed + 3),
  };
  return {
    data,
    x: tensor(data.x, { shape: inputShape, requiresGrad: true }),
    w: tensor(data.w, { shape: weightShape, requiresGrad: true }),
    b: data.b ? tensor(data.b, { shape: [biasSize], requiresGrad: true }) : null,
    r: tensor(data.r, { shape: outShape }),
  };
}

function checkAgainst(
  label: string,
  reference: Reference,
  run: { out: Tensor; x: Tensor; w: Tensor; b: Tensor | null; r: Tensor },
  terms: number,
) {
  assertWithinRounding(run.out, reference.out, terms, `${label} output`);
  F.sum(F.mul(run.out, run.r)).backward();
  assertWithinRounding(run.x.grad!, reference.gradInput, terms, `${label} grad input`);
  assertWithinRounding(run.w.grad!, reference.gradWeight, terms, `${label} grad weight`);
  if (run.b) assertWithinRounding(run.b.grad!, reference.gradBias, terms, `${label} grad bias`);
}

/** An upper bound on the number of products summed into any one element of any result. */
function termBound(spec: Spec, out: [number, number]): number {
  const taps = spec.kernel[0] * spec.kernel[1];
  const perImage = Math.max(out[0] * out[1], spec.size[0] * spec.size[1]);
  return Math.max(spec.inPerGroup, spec.outPerGroup) * taps + spec.batch * perImage + 1;
}

Deno.test("conv2d and its three gradients match a direct loop on random geometries", () => {
  fc.assert(
    fc.property(specArb, (spec) => {
      const out = conv2dOutSize(spec);
      fc.pre(out[0] >= 1 && out[1] >= 1);
      scope(() => {
        const { batch, groups, inPerGroup, outPerGroup } = spec;
        const cout = outPerGroup * groups;
        const o = operands(
          spec,
          [batch, inPerGroup * groups, ...spec.size],
          [cout, inPerGroup, ...spec.kernel],
          [batch, cout, ...out],
          cout,
        );
        const result = F.conv2d(o.x, o.w, o.b, {
          stride: spec.stride,
          padding: spec.pad,
          dilation: spec.dilation,
          groups,
        });
        const reference = referenceConv2d(spec, out, o.data.x, o.data.w, o.data.b, o.data.r);
        checkAgainst(JSON.stringify(spec), reference, { ...o, out: result }, termBound(spec, out));
      });
    }),
    { numRuns: 150 },
  );
});

Deno.test("convTranspose2d and its three gradients match a direct loop on random geometries", () => {
  fc.assert(
    fc.property(
      specArb,
      fc.tuple(fc.nat(), fc.nat()),
      (spec, [extraH, extraW]) => {
        // outputPadding below max(stride, dilation), as PyTorch requires.
        const extra: [number, number] = [
          extraH % Math.max(spec.stride[0], spec.dilation[0]),
          extraW % Math.max(spec.stride[1], spec.dilation[1]),
        ];
        const out = convTransposeOutSize(spec, extra);
        fc.pre(out[0] >= 1 && out[1] >= 1);
        scope(() => {
          const { batch, groups, inPerGroup, outPerGroup } = spec;
          const cout = outPerGroup * groups;
          const o = operands(
            spec,
            [batch, inPerGroup * groups, ...spec.size],
            [inPerGroup * groups, outPerGroup, ...spec.kernel],
            [batch, cout, ...out],
            cout,
          );
          const result = F.convTranspose2d(o.x, o.w, o.b, {
            stride: spec.stride,
            padding: spec.pad,
            outputPadding: extra,
            dilation: spec.dilation,
            groups,
          });
          const reference = referenceConvTranspose2d(
            spec,
            out,
            o.data.x,
            o.data.w,
            o.data.b,
            o.data.r,
          );
          const label = `${JSON.stringify(spec)} outputPadding ${extra}`;
          checkAgainst(label, reference, { ...o, out: result }, termBound(spec, out));
        });
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("convTranspose2d is the adjoint of conv2d: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩", () => {
  fc.assert(
    fc.property(specArb, (spec) => {
      const out = conv2dOutSize(spec);
      fc.pre(out[0] >= 1 && out[1] >= 1);
      scope(() => {
        const { batch, groups, inPerGroup, outPerGroup } = spec;
        const cin = inPerGroup * groups, cout = outPerGroup * groups;
        const x = tensor(values(batch * cin * sizeOf(spec.size), spec.seed), {
          shape: [batch, cin, ...spec.size],
        });
        const y = tensor(values(batch * cout * sizeOf(out), spec.seed + 1), {
          shape: [batch, cout, ...out],
        });
        const w = tensor(values(cout * inPerGroup * sizeOf(spec.kernel), spec.seed + 2), {
          shape: [cout, inPerGroup, ...spec.kernel],
        });
        const options = { stride: spec.stride, padding: spec.pad, dilation: spec.dilation, groups };
        // The output padding that gives convT(y) the shape of x (the rows the conv's stride skipped).
        const outputPadding = [0, 1].map((a) =>
          (spec.size[a] + 2 * spec.pad[a] - spec.dilation[a] * (spec.kernel[a] - 1) - 1) %
          spec.stride[a]
        ) as [number, number];
        const back = F.convTranspose2d(y, w, null, { ...options, outputPadding });
        assert.deepEqual(back.shape, x.shape);
        const left = F.sum(F.mul(F.conv2d(x, w, null, options), y)).item();
        const right = F.sum(F.mul(x, back)).item();
        // Both are the same triple sum Σ x·w·y; its size in absolute values bounds the rounding.
        const scale = F.sum(F.mul(F.conv2d(F.abs(x), F.abs(w), null, options), F.abs(y))).item();
        assert.ok(
          Math.abs(left - right) <= 1e-5 * scale,
          `${JSON.stringify(spec)}: ⟨conv x, y⟩ = ${left}, ⟨x, convT y⟩ = ${right}`,
        );
      });
    }),
    { numRuns: 100 },
  );
});

Deno.test("a batch cut into chunks of images with a remainder matches the direct loop", () => {
  // 7x7 outputs: the kernels take 5 images per GEMM, so a batch of 7 is a chunk of 5 and one of 2.
  const spec: Spec = {
    batch: 7,
    groups: 2,
    inPerGroup: 2,
    outPerGroup: 3,
    size: [7, 7],
    kernel: [3, 3],
    stride: [1, 1],
    pad: [1, 1],
    dilation: [1, 1],
    bias: true,
    seed: 21,
  };
  const out: [number, number] = [7, 7];
  const terms = termBound(spec, out);
  scope(() => {
    const o = operands(spec, [7, 4, 7, 7], [6, 2, 3, 3], [7, 6, 7, 7], 6);
    const y = F.conv2d(o.x, o.w, o.b, { padding: 1, groups: 2 });
    const reference = referenceConv2d(spec, out, o.data.x, o.data.w, o.data.b, o.data.r);
    checkAgainst("conv2d batch 7", reference, { ...o, out: y }, terms);
  });
  scope(() => {
    const o = operands(spec, [7, 4, 7, 7], [4, 3, 3, 3], [7, 6, 7, 7], 6);
    const y = F.convTranspose2d(o.x, o.w, o.b, { padding: 1, groups: 2 });
    const reference = referenceConvTranspose2d(spec, out, o.data.x, o.data.w, o.data.b, o.data.r);
    checkAgainst("convTranspose2d batch 7", reference, { ...o, out: y }, terms);
  });
});

Deno.test('conv2d padding "same": even kernels pad one more on the bottom/right, as PyTorch', () => {
  const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
  const ones = tensor(new Float32Array(4).fill(1), { shape: [1, 1, 2, 2] });
  // PyTorch: F.conv2d(x, torch.ones(1, 1, 2, 2), padding="same") pads 0 top/left, 1 bottom/right.
  assertClose(F.conv2d(x, ones, null, { padding: "same" }), [[[[12, 16, 9], [24, 28, 15], [
    15,
    17,
    9,
  ]]]]);

  // kernel [2, 4], dilation [1, 1]: totals 1 and 3, so top 0, bottom 1, left 1, right 2.
  const spec: Spec = {
    batch: 2,
    groups: 1,
    inPerGroup: 3,
    outPerGroup: 2,
    size: [5, 7],
    kernel: [2, 4],
    stride: [1, 1],
    pad: [0, 1],
    dilation: [1, 1],
    bias: true,
    seed: 9,
  };
  const o = operands(spec, [2, 3, 5, 7], [2, 3, 2, 4], [2, 2, 5, 7], 2);
  const same = F.conv2d(o.x, o.w, o.b, { padding: "same" });
  const reference = referenceConv2d(spec, [5, 7], o.data.x, o.data.w, o.data.b, o.data.r);
  checkAgainst('"same" [2, 4]', reference, { ...o, out: same }, 64);
});

Deno.test('conv2d padding "same" with an odd dilated kernel equals the symmetric padding', () => {
  const x = tensor(values(2 * 3 * 9 * 8, 4), { shape: [2, 3, 9, 8] });
  const w = tensor(values(4 * 3 * 5 * 3, 5), { shape: [4, 3, 5, 3] });
  const same = F.conv2d(x, w, null, { padding: "same", dilation: 2 });
  assert.deepEqual(same.shape, [2, 4, 9, 8]);
  assert.deepEqual(
    Array.from(same.data()),
    Array.from(F.conv2d(x, w, null, { padding: [4, 2], dilation: 2 }).data()),
  );
});

Deno.test('conv2d padding "valid" is no padding', () => {
  const x = tensor(values(3 * 6 * 6, 6), { shape: [1, 3, 6, 6] });
  const w = tensor(values(2 * 3 * 3 * 3, 7), { shape: [2, 3, 3, 3] });
  const valid = F.conv2d(x, w, null, { padding: "valid", stride: 2 });
  assert.deepEqual(valid.shape, [1, 2, 2, 2]);
  assert.deepEqual(
    Array.from(valid.data()),
    Array.from(F.conv2d(x, w, null, { stride: 2 }).data()),
  );
});

Deno.test("conv2d and convTranspose2d take unbatched [C, H, W] input, gradients included", () => {
  const x = tensor(values(2 * 5 * 4, 8), { shape: [2, 5, 4], requiresGrad: true });
  const w = tensor(values(3 * 2 * 3 * 3, 9), { shape: [3, 2, 3, 3] });
  const y = F.conv2d(x, w, null, { padding: 1 });
  assert.deepEqual(y.shape, [3, 5, 4]);
  const batched = F.conv2d(F.unsqueeze(x.detach(), 0), w, null, { padding: 1 });
  assert.deepEqual(Array.from(y.data()), Array.from(batched.data()));
  F.sum(y).backward();
  assert.deepEqual(x.grad!.shape, [2, 5, 4]);

  const z = tensor(values(3 * 5 * 4, 10), { shape: [3, 5, 4], requiresGrad: true });
  const up = F.convTranspose2d(z, w, null, { stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual(up.shape, [2, 10, 8]);
  F.sum(up).backward();
  assert.deepEqual(z.grad!.shape, [3, 5, 4]);
});

Deno.test("backward returns null for inputs that need no gradient, and frees its scratch", () => {
  const x = tensor(values(2 * 4 * 9 * 9, 11), { shape: [2, 4, 9, 9] });
  const w = tensor(values(6 * 2 * 3 * 3, 12), { shape: [6, 2, 3, 3], requiresGrad: true });
  const b = tensor(values(6, 13), { shape: [6] });
  const options = { stride: 2, padding: 1, groups: 2 };
  const step = () =>
    scope(() => {
      const y = F.conv2d(x, w, b, options);
      const back = y.node!.backward(y);
      assert.equal(back[0], null);
      assert.equal(back[2], null);
      assert.deepEqual(back[1]!.shape, w.shape);
      F.sum(F.convTranspose2d(y, w, null, options)).backward();
      w.grad!.dispose();
      w.grad = null;
    });
  step(); // warm-up: the GEMM's workspace is kept and belongs to the baseline
  const before = memoryStats().liveBytes;
  step();
  assert.equal(memoryStats().liveBytes, before);
});

Deno.test("an empty batch gives an empty output and zero weight and bias gradients", () => {
  const x = tensor(new Float32Array(0), { shape: [0, 2, 5, 5], requiresGrad: true });
  const w = tensor(values(3 * 2 * 3 * 3, 14), { shape: [3, 2, 3, 3], requiresGrad: true });
  const b = tensor(values(3, 15), { shape: [3], requiresGrad: true });
  const y = F.conv2d(x, w, b, { padding: 1 });
  assert.deepEqual(y.shape, [0, 3, 5, 5]);
  F.sum(F.convTranspose2d(y, w, null, { padding: 1 })).backward();
  assert.deepEqual(x.grad!.shape, [0, 2, 5, 5]);
  assert.ok(Array.from(w.grad!.data()).every((v) => v === 0));
  assert.ok(Array.from(b.grad!.data()).every((v) => v === 0));
});

Deno.test("conv errors say what is wrong with both shapes", () => {
  const x = tensor(values(2 * 3 * 8 * 8, 1), { shape: [2, 3, 8, 8] });
  const w = (shape: number[]) => tensor(values(sizeOf(shape), 2), { shape });
  const cases: [() => unknown, RegExp][] = [
    [
      () => F.conv2d(x, w([8, 4, 3, 3])),
      /conv2d: input has 3 channels but the weight expects 4 \(input shape \[2, 3, 8, 8\], weight shape \[8, 4, 3, 3\]\)$/,
    ],
    [
      () => F.conv2d(x, w([8, 2, 3, 3]), null, { groups: 2 }),
      /input has 3 channels but the weight expects 4 \(2 per group × 2 groups; .*weight shape \[8, 2, 3, 3\]/,
    ],
    [
      () => F.conv2d(x, w([6, 1, 3, 3]), null, { groups: 4 }),
      /conv2d: the weight's 6 output channels are not divisible by groups = 4 \(weight shape \[6, 1, 3, 3\]\)/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 9, 3])),
      /conv2d: the output would have spatial size 0x6, which is empty: input \[2, 3, 8, 8\], weight \[4, 3, 9, 3\]/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 3, 3]), w([3])),
      /conv2d: the bias has shape \[3\] but the weight \[4, 3, 3, 3\] has 4 output channels, so the bias must be \[4\]/,
    ],
    [
      () => F.conv2d(w([3, 64]), w([4, 3, 3, 3])),
      /expected an input of shape \[N, C, H, W\] \(or unbatched \[C, H, W\]\), got \[3, 64\]/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 3])),
      /the weight must be 4-D \[outChannels, inChannels\/groups, kH, kW\], got \[4, 3, 3\]/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 3, 3]), null, { padding: "same", stride: 2 }),
      /conv2d: padding "same" needs stride 1 \(as in PyTorch\), got stride \[2, 2\]/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 3, 3]), null, { stride: 0 }),
      /conv2d: stride must be a positive integer or a pair \[height, width\] of them, got 0/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 3, 3]), null, { padding: [1, -1] }),
      /conv2d: padding must be a non-negative integer or a pair \[height, width\] of them, got \[1,-1\]/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 3, 3]), null, { padding: "full" as "same" }),
      /conv2d: padding must be a number, a pair, "same" or "valid", got "full"/,
    ],
    [
      () => F.conv2d(x, w([4, 3, 3, 3]), null, { groups: 1.5 }),
      /conv2d: groups must be a positive integer, got 1.5/,
    ],
    [
      () => F.convTranspose2d(x, w([4, 2, 3, 3])),
      /convTranspose2d: input has 3 channels but the weight expects 4 \(input shape \[2, 3, 8, 8\], weight shape \[4, 2, 3, 3\]; the weight is \[inChannels, outChannels\/groups, kH, kW\]\)$/,
    ],
    [
      () => F.convTranspose2d(x, w([3, 2, 3, 3]), null, { groups: 2 }),
      /convTranspose2d: the 3 input channels are not divisible by groups = 2/,
    ],
    [
      () => F.convTranspose2d(x, w([3, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }),
      /convTranspose2d: outputPadding must be smaller than either the stride or the dilation \(as in PyTorch\), got outputPadding \[2, 2\], stride \[2, 2\], dilation \[1, 1\]/,
    ],
    [
      () => F.convTranspose2d(x, w([3, 2, 3, 3]), null, { padding: 6 }),
      /convTranspose2d: the output would have spatial size -2x-2, which is empty: .* the transposed conv makes 10x10 and the padding takes 12x12 of it away/,
    ],
    [
      () => F.convTranspose2d(x, w([3, 2, 3, 3]), w([3])),
      /convTranspose2d: the bias has shape \[3\] but the weight \[3, 2, 3, 3\] has 2 output channels/,
    ],
    [
      () => F.convTranspose2d(x, w([3, 2, 0, 3])),
      /convTranspose2d: the kernel must be at least 1x1, got weight shape \[3, 2, 0, 3\]/,
    ],
    [
      () => F.conv2d(tensor([1, 2], { dtype: "int32" }), w([4, 3, 3, 3])),
      /conv2d: expected a float32 tensor, got int32/,
    ],
  ];
  for (const [call, message] of cases) assert.throws(call, message);
});
