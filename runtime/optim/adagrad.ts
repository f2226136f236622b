/** Adagrad (PyTorch's rule: lr decay, L2 weight decay), one fused kernel call per parameter. */
import { Tensor } from "../tensor.ts";
import { filled } from "../backend/kernels/fill.ts";
import { adagradStepKernel } from "../backend/kernels/optim.ts";
import { checkOption, Optimizer, type ParamState, stateTensor } from "./optimizer.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

const ADAGRAD_KEYS: OptionKeys<AdagradOptions> = {
  lr: true,
  lrDecay: true,
  weightDecay: true,
  initialAccumulatorValue: true,
  eps: true,
};

/** Options of Adagrad; the defaults are PyTorch's. */
export interface AdagradOptions {
  lr?: number;
  /** The rate at step t is lr / (1 + (t − 1)·lrDecay). */
  lrDecay?: number;
  weightDecay?: number;
  /** The starting value of every element's sum of squared gradients. */
  initialAccumulatorValue?: number;
  eps?: number;
}

/**
 * Adagrad as torch.optim.Adagrad: sum += g², p −= clr·g / (sqrt(sum) + eps).
 * @example const opt = new optim.Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-3 });
 */
export class Adagrad extends Optimizer {
  readonly options: Required<AdagradOptions>;
  private readonly sums = new Map<Tensor, { sum: Tensor; step: number }>();

  constructor(params: Iterable<Tensor>, options: AdagradOptions = {}) {
    super(params);
    checkOptions("Adagrad", options, ADAGRAD_KEYS);
    this.options = {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      ...options,
    };
    const o = this.options;
    checkOption("Adagrad", "lr", o.lr, o.lr >= 0);
    checkOption("Adagrad", "lrDecay", o.lrDecay, o.lrDecay >= 0);
    checkOption("Adagrad", "weightDecay", o.weightDecay, o.weightDecay >= 0);
    checkOption(
      "Adagrad",
      "initialAccumulatorValue",
      o.initialAccumulatorValue,
      o.initialAccumulatorValue >= 0,
    );
    checkOption("Adagrad", "eps", o.eps, o.eps >= 0);
  }

  step(): void {
    const o = this.options;
    for (const p of this.liveParams()) {
      if (p.grad === null) continue;
      let state = this.sums.get(p);
      if (state === undefined) {
        state = { sum: stateTensor(filled(p.shape, o.initialAccumulatorValue)), step: 0 };
        this.sums.set(p, state);
      }
      state.step++;
      adagradStepKernel(p, p.grad, state.sum, { ...o, step: state.step });
    }
  }

  protected paramState(param: Tensor): ParamState | undefined {
    const s = this.sums.get(param);
    return s === undefined ? undefined : { step: s.step, sum: s.sum };
  }

  protected setParamState(param: Tensor, state: ParamState | undefined): void {
    this.sums.get(param)?.sum.dispose();
    this.sums.delete(param);
    if (state === undefined) return;
    const { step, sum } = state;
    if (typeof step !== "number" || !(sum instanceof Tensor)) {
      throw new Error("Adagrad.loadStateDict: a parameter's state needs step and sum");
    }
    this.sums.set(param, { sum, step });
  }
}
