/** Adam and AdamW (PyTorch's update rules, bias-corrected), one fused kernel call per parameter. */
import { Tensor } from "../tensor.ts";
import { adamStepKernel, filled } from "../backend/kernels.ts";
import { checkOption, Optimizer, type ParamState, stateTensor } from "./optimizer.ts";

/** Options of Adam; the defaults are PyTorch's. */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam (weight decay added to the gradient, as torch.optim.Adam).
 * @example const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer {
  readonly options: Required<AdamOptions>;
  protected readonly decoupled: boolean = false;
  private readonly moments = new Map<Tensor, { m: Tensor; v: Tensor; step: number }>();

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params);
    this.options = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...options };
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
    for (const p of this.params) {
      if (p.grad === null) continue;
      let state = this.moments.get(p);
      if (state === undefined) {
        state = { m: stateTensor(filled(p.shape, 0)), v: stateTensor(filled(p.shape, 0)), step: 0 };
        this.moments.set(p, state);
      }
      state.step++;
      adamStepKernel(p, p.grad, state.m, state.v, {
        lr: o.lr,
        beta1: o.betas[0],
        beta2: o.betas[1],
        eps: o.eps,
        weightDecay: o.weightDecay,
        decoupled: this.decoupled,
        step: state.step,
      });
    }
  }

  protected paramState(param: Tensor): ParamState | undefined {
    const s = this.moments.get(param);
    return s === undefined ? undefined : { step: s.step, expAvg: s.m, expAvgSq: s.v };
  }

  protected setParamState(param: Tensor, state: ParamState | undefined): void {
    const old = this.moments.get(param);
    old?.m.dispose();
    old?.v.dispose();
    this.moments.delete(param);
    if (state === undefined) return;
    const { step, expAvg, expAvgSq } = state;
    if (
      typeof step !== "number" || !(expAvg instanceof Tensor) || !(expAvgSq instanceof Tensor)
    ) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: a parameter's state needs step, expAvg and expAvgSq`,
      );
    }
    this.moments.set(param, { m: expAvg, v: expAvgSq, step });
  }
}

/** AdamW: Adam with decoupled weight decay (p ← p·(1 − lr·wd)), PyTorch's default wd 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, { weightDecay: 0.01, ...options });
  }
}
