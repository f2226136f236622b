import { bothBuilds, seededValues } from "./harness.ts";
import { assertClose, ODD_SIZES } from "./close.ts";

const builds = await bothBuilds();
const STEPS = 6;

interface SgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** torch.optim.SGD (single-tensor path), in float64. */
function sgdReference(
  param: number[],
  grads: Float32Array[],
  o: SgdOptions,
): { param: number[]; buffer: number[] } {
  const p = param.slice();
  const buffer = new Array<number>(p.length).fill(0);
  grads.forEach((grad, step) => {
    for (let i = 0; i < p.length; i++) {
      let d = grad[i];
      if (o.weightDecay !== 0) d += o.weightDecay * p[i];
      if (o.momentum !== 0) {
        buffer[i] = step === 0 ? d : o.momentum * buffer[i] + (1 - o.dampening) * d;
        d = o.nesterov ? d + o.momentum * buffer[i] : buffer[i];
      }
      p[i] -= o.lr * d;
    }
  });
  return { param: p, buffer };
}

interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** torch.optim.Adam / AdamW (single-tensor path, amsgrad off), in float64. */
function adamReference(
  param: number[],
  grads: Float32Array[],
  o: AdamOptions,
): { param: number[]; m: number[]; v: number[] } {
  const p = param.slice();
  const m = new Array<number>(p.length).fill(0);
  const v = new Array<number>(p.length).fill(0);
  grads.forEach((grad, index) => {
    const t = index + 1;
    const correction1 = 1 - o.beta1 ** t;
    const correction2 = 1 - o.beta2 ** t;
    for (let i = 0; i < p.length; i++) {
      let g = grad[i];
      if (o.weightDecay !== 0) {
        if (o.decoupled) p[i] *= 1 - o.lr * o.weightDecay;
        else g += o.weightDecay * p[i];
      }
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      p[i] -= (o.lr * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + o.eps);
    }
  });
  return { param: p, m, v };
}

const sgdConfigs: SgdOptions[] = [
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true },
  { lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 1e-2, nesterov: false },
  { lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 5e-3, nesterov: true },
];

const adamConfigs: AdamOptions[] = [
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: false },
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true },
  { lr: 3e-3, beta1: 0.5, beta2: 0.9, eps: 1e-6, weightDecay: 0, decoupled: true },
];

for (const h of builds) {
  const tag = `[${h.build}]`;

  Deno.test(`sgdStepF32 follows torch.optim.SGD over ${STEPS} steps ${tag}`, () => {
    for (const o of sgdConfigs) {
      for (const n of ODD_SIZES) {
        h.reset();
        const start = seededValues(n, n);
        const grads = Array.from({ length: STEPS }, (_, step) => seededValues(n, 100 + step));
        const param = h.f32(start);
        const buffer = h.f32(new Float32Array(n).fill(NaN)); // the first step must overwrite it
        const grad = h.alloc(n * 4);
        grads.forEach((g, step) => {
          new Float32Array(h.k.memory.buffer, grad, n).set(g);
          h.k.sgdStepF32(
            param,
            grad,
            o.momentum === 0 ? 0 : buffer,
            n,
            o.lr,
            o.momentum,
            o.dampening,
            o.weightDecay,
            o.nesterov ? 1 : 0,
            step === 0 ? 1 : 0,
          );
        });
        const expected = sgdReference(Array.from(start), grads, o);
        const label = `SGD ${JSON.stringify(o)} n=${n}`;
        assertClose(h.readF32(param, n), expected.param, { abs: 2e-6, rel: 2e-6 }, label);
        if (o.momentum !== 0) {
          assertClose(h.readF32(buffer, n), expected.buffer, { abs: 2e-6, rel: 2e-6 }, label);
        }
      }
    }
  });

  Deno.test(`adamStepF32 follows torch.optim.Adam and AdamW over ${STEPS} steps ${tag}`, () => {
    for (const o of adamConfigs) {
      for (const n of ODD_SIZES) {
        h.reset();
        const start = seededValues(n, n + 1);
        const grads = Array.from({ length: STEPS }, (_, step) => seededValues(n, 200 + step));
        const param = h.f32(start);
        const m = h.f32(new Float32Array(n));
        const v = h.f32(new Float32Array(n));
        const grad = h.alloc(n * 4);
        grads.forEach((g, index) => {
          const t = index + 1;
          new Float32Array(h.k.memory.buffer, grad, n).set(g);
          h.k.adamStepF32(
            param,
            grad,
            m,
            v,
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
        const expected = adamReference(Array.from(start), grads, o);
        const label = `Adam ${JSON.stringify(o)} n=${n}`;
        assertClose(h.readF32(param, n), expected.param, { abs: 1e-6, rel: 1e-6 }, label);
        assertClose(h.readF32(m, n), expected.m, { abs: 1e-7, rel: 1e-5 }, `${label} m`);
        assertClose(h.readF32(v, n), expected.v, { abs: 1e-9, rel: 1e-5 }, `${label} v`);
      }
    }
  });
}
