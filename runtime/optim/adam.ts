/**
 * Adam and AdamW (PyTorch's update rules, bias-corrected, optionally AMSGrad), one fused kernel
 * call per parameter.
 */
import { Tensor } from "../tensor.ts";
import { filled } from "../backend/kernels/fill.ts";
import { adamStepKernel } from "../backend/kernels/optim.ts";
import { checkOption, Optimizer, type ParamState, stateTensor } from "./optimizer.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of Adam; the defaults are PyTorch's. */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Divide by the running maximum of the second moment (AMSGrad), as torch's amsgrad=True. */
  amsgrad?: boolean;
}

const ADAM_KEYS: OptionKeys<AdamOptions> = {
  lr: true,
  betas: true,
  eps: true,
  weightDecay: true,
  amsgrad: true,
};

interface Moments {
  m: Tensor;
  v: Tensor;
  /** The running maximum of v, with amsgrad only. */
  vMax?: Tensor;
  step: number;
}

/**
 * Adam (weight decay added to the gradient, as torch.optim.Adam).
 * @example const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer {
  readonly options: Required<AdamOptions>;
  protected readonly decoupled: boolean = false;
  private readonly moments = new Map<Tensor, Moments>();

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params);
    checkOptions(this.constructor.name, options, ADAM_KEYS);
    this.options = {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      ...options,
    };
    const o = this.options;
    const name = this.constructor.name;
    checkOption(name, "lr", o.lr, o.lr >= 0);
    checkOption(name, "beta1", o.betas[0], o.betas[0] >= 0 && o.betas[0] < 1);
    checkOption(name, "beta2", o.betas[1], o.betas[1] >= 0 && o.betas[1] < 1);
    checkOption(name, "eps", o.eps, o.eps >= 0);
    checkOption(name, "weightDecay", o.weightDecay, o.weightDecay >= 0);
  }

  step(): void {
    const o = this.options;
    for (const p of this.liveParams()) {
      if (p.grad === null) continue;
      let state = this.moments.get(p);
      if (state === undefined) {
        state = { m: stateTensor(filled(p.shape, 0)), v: stateTensor(filled(p.shape, 0)), step: 0 };
        this.moments.set(p, state);
      }
      state.step++;
      const settings = {
        lr: o.lr,
        beta1: o.betas[0],
        beta2: o.betas[1],
        eps: o.eps,
        weightDecay: o.weightDecay,
        decoupled: this.decoupled,
        step: state.step,
      };
      const vMax = o.amsgrad ? (state.vMax ??= stateTensor(filled(p.shape, 0))) : null;
      adamStepKernel(p, p.grad, state.m, state.v, vMax, settings);
    }
  }

  protected paramState(param: Tensor): ParamState | undefined {
    const s = this.moments.get(param);
    if (s === undefined) return undefined;
    const state: ParamState = { step: s.step, expAvg: s.m, expAvgSq: s.v };
    if (s.vMax !== undefined) state.maxExpAvgSq = s.vMax;
    return state;
  }

  protected setParamState(param: Tensor, state: ParamState | undefined): void {
    const old = this.moments.get(param);
    old?.m.dispose();
    old?.v.dispose();
    old?.vMax?.dispose();
    this.moments.delete(param);
    if (state === undefined) return;
    const { step, expAvg, expAvgSq, maxExpAvgSq } = state;
    if (
      typeof step !== "number" || !(expAvg instanceof Tensor) || !(expAvgSq instanceof Tensor) ||
      (maxExpAvgSq !== undefined && !(maxExpAvgSq instanceof Tensor))
    ) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: a parameter's state needs step, expAvg and ` +
          "expAvgSq (and maxExpAvgSq, when present, must be a tensor)",
      );
    }
    this.moments.set(param, { m: expAvg, v: expAvgSq, vMax: maxExpAvgSq, step });
  }
}

/** AdamW: Adam with decoupled weight decay (p ← p·(1 − lr·wd)), PyTorch's default wd 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, { weightDecay: 0.01, ...options });
  }
}
