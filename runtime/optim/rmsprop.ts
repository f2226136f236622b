/**
 * RMSprop (PyTorch's rule: optional momentum, centered variant, L2 weight decay), one fused
 * kernel call per parameter.
 */
import { Tensor } from "../tensor.ts";
import { filled } from "../backend/kernels/fill.ts";
import { rmspropStepKernel } from "../backend/kernels/optim.ts";
import { checkOption, Optimizer, type ParamState, stateTensor } from "./optimizer.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of RMSprop; the defaults are PyTorch's. */
export interface RMSpropOptions {
  lr?: number;
  /** Smoothing constant of the running average of squared gradients. */
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  /** Normalise by the estimated variance of the gradient (square average minus squared mean). */
  centered?: boolean;
}

const RMSPROP_KEYS: OptionKeys<RMSpropOptions> = {
  lr: true,
  alpha: true,
  eps: true,
  weightDecay: true,
  momentum: true,
  centered: true,
};

interface RMSpropState {
  squareAvg: Tensor;
  /** With momentum > 0 only. */
  momentumBuffer?: Tensor;
  /** With centered only. */
  gradAvg?: Tensor;
  step: number;
}

/**
 * RMSprop as torch.optim.RMSprop: s = α·s + (1 − α)·g², p −= lr·g / (sqrt(s) + eps), with the
 * mean gradient subtracted under the root when centered, and a momentum buffer over g / (...)
 * when momentum > 0.
 * @example const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer {
  readonly options: Required<RMSpropOptions>;
  private readonly states = new Map<Tensor, RMSpropState>();

  constructor(params: Iterable<Tensor>, options: RMSpropOptions = {}) {
    super(params);
    checkOptions("RMSprop", options, RMSPROP_KEYS);
    this.options = {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      ...options,
    };
    const o = this.options;
    checkOption("RMSprop", "lr", o.lr, o.lr >= 0);
    checkOption("RMSprop", "alpha", o.alpha, o.alpha >= 0);
    checkOption("RMSprop", "eps", o.eps, o.eps >= 0);
    checkOption("RMSprop", "weightDecay", o.weightDecay, o.weightDecay >= 0);
    checkOption("RMSprop", "momentum", o.momentum, o.momentum >= 0);
  }

  step(): void {
    const o = this.options;
    for (const p of this.liveParams()) {
      if (p.grad === null) continue;
      let state = this.states.get(p);
      if (state === undefined) {
        state = { squareAvg: stateTensor(filled(p.shape, 0)), step: 0 };
        this.states.set(p, state);
      }
      // Buffers start at zero, as torch's; they appear when an option that needs them is on.
      if (o.momentum > 0) state.momentumBuffer ??= stateTensor(filled(p.shape, 0));
      if (o.centered) state.gradAvg ??= stateTensor(filled(p.shape, 0));
      state.step++;
      rmspropStepKernel(
        p,
        p.grad,
        state.squareAvg,
        o.centered ? state.gradAvg! : null,
        o.momentum > 0 ? state.momentumBuffer! : null,
        o,
      );
    }
  }

  protected paramState(param: Tensor): ParamState | undefined {
    const s = this.states.get(param);
    if (s === undefined) return undefined;
    const state: ParamState = { step: s.step, squareAvg: s.squareAvg };
    if (s.momentumBuffer !== undefined) state.momentumBuffer = s.momentumBuffer;
    if (s.gradAvg !== undefined) state.gradAvg = s.gradAvg;
    return state;
  }

  protected setParamState(param: Tensor, state: ParamState | undefined): void {
    const old = this.states.get(param);
    old?.squareAvg.dispose();
    old?.momentumBuffer?.dispose();
    old?.gradAvg?.dispose();
    this.states.delete(param);
    if (state === undefined) return;
    const { step, squareAvg, momentumBuffer, gradAvg } = state;
    if (
      typeof step !== "number" || !(squareAvg instanceof Tensor) ||
      (momentumBuffer !== undefined && !(momentumBuffer instanceof Tensor)) ||
      (gradAvg !== undefined && !(gradAvg instanceof Tensor))
    ) {
      throw new Error(
        "RMSprop.loadStateDict: a parameter's state needs step and squareAvg (and momentumBuffer " +
          "and gradAvg, when present, must be tensors)",
      );
    }
    this.states.set(param, { squareAvg, momentumBuffer, gradAvg, step });
  }
}
