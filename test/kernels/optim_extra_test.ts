/**
 * rmspropStepF32, adagradStepF32 and adamAmsgradStepF32 on both builds against float64 references
 * of torch.optim's single-tensor rules, over several steps whose gradient scale rises and falls
 * (so that AMSGrad's running maximum and RMSprop's averages both matter).
 */
import { bothBuilds, type KernelHarness, seededValues } from "./harness.ts";
import { assertClose, ODD_SIZES } from "./close.ts";

const builds = await bothBuilds();
const STEPS = 6;
const SCALES = [1, 0.1, 1.5, 0.05, 0.5, 0.01];

/** The gradients of every step: seeded values in [-1, 1) times the step's scale. */
function gradients(n: number, seed: number): Float32Array[] {
  return SCALES.map((scale, step) => seededValues(n, seed + step).map((g) => g * scale));
}

/** Writes step `step`'s gradient into the shared gradient buffer. */
function setGradient(h: KernelHarness, grad: number, values: Float32Array): void {
  new Float32Array(h.k.memory.buffer, grad, values.length).set(values);
}

interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

/** torch.optim.RMSprop (single-tensor path), in float64. */
function rmspropReference(param: Float32Array, grads: Float32Array[], o: RMSpropOptions) {
  const p = Array.from(param);
  const squareAvg = p.map(() => 0);
  const gradAvg = p.map(() => 0);
  const buffer = p.map(() => 0);
  for (const grad of grads) {
    for (let i = 0; i < p.length; i++) {
      const g = grad[i] + o.weightDecay * p[i];
      squareAvg[i] = o.alpha * squareAvg[i] + (1 - o.alpha) * g * g;
      let avg = squareAvg[i];
      if (o.centered) {
        gradAvg[i] = o.alpha * gradAvg[i] + (1 - o.alpha) * g;
        avg -= gradAvg[i] * gradAvg[i];
      }
      avg = Math.sqrt(avg) + o.eps;
      if (o.momentum > 0) {
        buffer[i] = o.momentum * buffer[i] + g / avg;
        p[i] -= o.lr * buffer[i];
      } else {
        p[i] -= (o.lr * g) / avg;
      }
    }
  }
  return { param: p, squareAvg, gradAvg, buffer };
}

interface AdagradOptions {
  lr: number;
  lrDecay: number;
  eps: number;
  weightDecay: number;
  initialAccumulatorValue: number;
}

/** torch.optim.Adagrad (single-tensor path, dense gradients), in float64. */
function adagradReference(param: Float32Array, grads: Float32Array[], o: AdagradOptions) {
  const p = Array.from(param);
  const sum = p.map(() => Math.fround(o.initialAccumulatorValue));
  grads.forEach((grad, index) => {
    const clr = o.lr / (1 + index * o.lrDecay);
    for (let i = 0; i < p.length; i++) {
      const g = grad[i] + o.weightDecay * p[i];
      sum[i] += g * g;
      p[i] -= (clr * g) / (Math.sqrt(sum[i]) + o.eps);
    }
  });
  return { param: p, sum };
}

interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** torch.optim.Adam / AdamW with amsgrad=True (single-tensor path), in float64. */
function amsgradReference(param: Float32Array, grads: Float32Array[], o: AdamOptions) {
  const p = Array.from(param);
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vMax = p.map(() => 0);
  grads.forEach((grad, index) => {
    const t = index + 1;
    const correction1 = 1 - o.beta1 ** t;
    const correction2 = 1 - o.beta2 ** t;
    for (let i = 0; i < p.length; i++) {
      let g = grad[i];
      if (o.decoupled) p[i] *= 1 - o.lr * o.weightDecay;
      else g += o.weightDecay * p[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      vMax[i] = Math.max(vMax[i], v[i]);
      p[i] -= ((o.lr / correction1) * m[i]) / (Math.sqrt(vMax[i]) / Math.sqrt(correction2) + o.eps);
    }
  });
  return { param: p, m, v, vMax };
}

const rmspropConfigs: RMSpropOptions[] = [
  { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
  { lr: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0, centered: false },
  { lr: 0.005, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: false },
  { lr: 0.01, alpha: 0.95, eps: 1e-8, weightDecay: 0, momentum: 0, centered: true },
  { lr: 0.01, alpha: 0.9, eps: 1e-8, weightDecay: 0.05, momentum: 0.5, centered: true },
];

const adagradConfigs: AdagradOptions[] = [
  { lr: 0.1, lrDecay: 0, eps: 1e-10, weightDecay: 0, initialAccumulatorValue: 0 },
  { lr: 0.1, lrDecay: 0.05, eps: 1e-6, weightDecay: 0.02, initialAccumulatorValue: 0.1 },
  { lr: 0.05, lrDecay: 0.5, eps: 1e-10, weightDecay: 0, initialAccumulatorValue: 1 },
];

const amsgradConfigs: AdamOptions[] = [
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: false },
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true },
  { lr: 3e-3, beta1: 0.5, beta2: 0.9, eps: 1e-6, weightDecay: 0, decoupled: true },
];

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`rmspropStepF32 follows torch.optim.RMSprop over ${STEPS} steps ${tag}`, () => {
    for (const o of rmspropConfigs) {
      for (const n of ODD_SIZES) {
        h.reset();
        const start = seededValues(n, n + 2);
        const grads = gradients(n, 300);
        const param = h.f32(start);
        const squareAvg = h.f32(new Float32Array(n));
        // A buffer the options do not use stays NaN: the kernel neither reads nor writes it.
        const gradAvg = h.f32(new Float32Array(n).fill(o.centered ? 0 : NaN));
        const buffer = h.f32(new Float32Array(n).fill(o.momentum > 0 ? 0 : NaN));
        const grad = h.alloc(n * 4);
        for (const g of grads) {
          setGradient(h, grad, g);
          h.k.rmspropStepF32(
            param,
            grad,
            squareAvg,
            gradAvg,
            buffer,
            n,
            o.lr,
            o.alpha,
            o.eps,
            o.weightDecay,
            o.momentum,
            o.centered ? 1 : 0,
          );
        }
        const expected = rmspropReference(start, grads, o);
        const label = `RMSprop ${JSON.stringify(o)} n=${n}`;
        assertClose(h.readF32(param, n), expected.param, { abs: 1e-6, rel: 1e-6 }, label);
        const averages = { abs: 1e-9, rel: 1e-5 };
        assertClose(h.readF32(squareAvg, n), expected.squareAvg, averages, `${label} squareAvg`);
        const nan = new Array<number>(n).fill(NaN);
        assertClose(
          h.readF32(gradAvg, n),
          o.centered ? expected.gradAvg : nan,
          averages,
          `${label} gradAvg`,
        );
        assertClose(
          h.readF32(buffer, n),
          o.momentum > 0 ? expected.buffer : nan,
          { abs: 1e-6, rel: 1e-5 },
          `${label} momentumBuffer`,
        );
      }
    }
  });

  Deno.test(`adagradStepF32 follows torch.optim.Adagrad over ${STEPS} steps ${tag}`, () => {
    for (const o of adagradConfigs) {
      for (const n of ODD_SIZES) {
        h.reset();
        const start = seededValues(n, n + 3);
        const grads = gradients(n, 400);
        const param = h.f32(start);
        const sum = h.f32(new Float32Array(n).fill(o.initialAccumulatorValue));
        const grad = h.alloc(n * 4);
        grads.forEach((g, index) => {
          setGradient(h, grad, g);
          h.k.adagradStepF32(
            param,
            grad,
            sum,
            n,
            o.lr,
            o.lrDecay,
            o.eps,
            o.weightDecay,
            index + 1,
          );
        });
        const expected = adagradReference(start, grads, o);
        const label = `Adagrad ${JSON.stringify(o)} n=${n}`;
        assertClose(h.readF32(param, n), expected.param, { abs: 1e-6, rel: 1e-6 }, label);
        assertClose(h.readF32(sum, n), expected.sum, { abs: 1e-9, rel: 1e-6 }, `${label} sum`);
      }
    }
  });

  Deno.test(`adamAmsgradStepF32 follows torch.optim.Adam(amsgrad=True) over ${STEPS} steps ${tag}`, () => {
    for (const o of amsgradConfigs) {
      for (const n of ODD_SIZES) {
        h.reset();
        const start = seededValues(n, n + 4);
        const grads = gradients(n, 500);
        const param = h.f32(start);
        const m = h.f32(new Float32Array(n));
        const v = h.f32(new Float32Array(n));
        const vMax = h.f32(new Float32Array(n));
        const grad = h.alloc(n * 4);
        grads.forEach((g, index) => {
          const t = index + 1;
          setGradient(h, grad, g);
          h.k.adamAmsgradStepF32(
            param,
            grad,
            m,
            v,
            vMax,
            n,
            o.lr,
            o.beta1,
            o.beta2,
            o.eps,
            o.weightDecay,
            o.decoupled ? 1 : 0,
            1 - o.beta1 ** t,
            1 - o.beta2 ** t,
          );
        });
        const expected = amsgradReference(start, grads, o);
        const label = `Adam amsgrad ${JSON.stringify(o)} n=${n}`;
        assertClose(h.readF32(param, n), expected.param, { abs: 1e-6, rel: 1e-6 }, label);
        assertClose(h.readF32(m, n), expected.m, { abs: 1e-7, rel: 1e-5 }, `${label} m`);
        assertClose(h.readF32(v, n), expected.v, { abs: 1e-9, rel: 1e-5 }, `${label} v`);
        assertClose(h.readF32(vMax, n), expected.vMax, { abs: 1e-9, rel: 1e-5 }, `${label} vMax`);
      }
    }
  });

  Deno.test(`AMSGrad's maximum keeps a NaN second moment, as torch.maximum ${tag}`, () => {
    h.reset();
    const n = 7;
    const param = h.f32(new Float32Array(n).fill(0.5));
    const grad = h.f32(new Float32Array(n).fill(0.1));
    const m = h.f32(new Float32Array(n));
    const v = h.f32(new Float32Array(n).fill(NaN));
    const vMax = h.f32(new Float32Array(n));
    h.k.adamAmsgradStepF32(param, grad, m, v, vMax, n, 0.01, 0.9, 0.999, 1e-8, 0, 0, 0.1, 0.001);
    assertClose(h.readF32(vMax, n), new Array(n).fill(NaN), {}, "vMax");
    assertClose(h.readF32(param, n), new Array(n).fill(NaN), {}, "param");
  });
}
