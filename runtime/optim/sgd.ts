/** Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's rule). */
import { Tensor } from "../tensor.ts";
import { filled } from "../backend/kernels/fill.ts";
import { sgdStepKernel } from "../backend/kernels/optim.ts";
import { checkOption, Optimizer, type ParamState, stateTensor } from "./optimizer.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of SGD; the defaults are PyTorch's. */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

const SGD_KEYS: OptionKeys<SGDOptions> = {
  lr: true,
  momentum: true,
  dampening: true,
  weightDecay: true,
  nesterov: true,
};

/**
 * SGD, one fused kernel call per parameter.
 * @example
 * const opt = new optim.SGD([w, b], { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer {
  readonly options: Required<SGDOptions>;
  private readonly buffers = new Map<Tensor, Tensor>();

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params);
    if (options === undefined || typeof options.lr !== "number") {
      throw new TypeError(
        "SGD: the options need a learning rate, e.g. new SGD(params, { lr: 0.1 })",
      );
    }
    checkOptions("SGD", options, SGD_KEYS);
    this.options = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options };
    const o = this.options;
    checkOption("SGD", "lr", o.lr, o.lr >= 0);
    checkOption("SGD", "momentum", o.momentum, o.momentum >= 0);
    checkOption("SGD", "weightDecay", o.weightDecay, o.weightDecay >= 0);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error("SGD: Nesterov momentum needs momentum > 0 and dampening 0");
    }
  }

  step(): void {
    const o = this.options;
    for (const p of this.liveParams()) {
      if (p.grad === null) continue;
      let buffer: Tensor | null = null;
      let firstStep = false;
      if (o.momentum !== 0) {
        buffer = this.buffers.get(p) ?? null;
        if (buffer === null) {
          buffer = stateTensor(filled(p.shape, 0));
          this.buffers.set(p, buffer);
          firstStep = true;
        }
      }
      sgdStepKernel(p, p.grad, buffer, { ...o, firstStep });
    }
  }

  protected paramState(param: Tensor): ParamState | undefined {
    const buffer = this.buffers.get(param);
    return buffer === undefined ? undefined : { momentumBuffer: buffer };
  }

  protected setParamState(param: Tensor, state: ParamState | undefined): void {
    this.buffers.get(param)?.dispose();
    this.buffers.delete(param);
    if (state === undefined) return;
    const buffer = state.momentumBuffer;
    if (!(buffer instanceof Tensor)) {
      throw new Error("SGD.loadStateDict: a parameter's state has no momentumBuffer tensor");
    }
    this.buffers.set(param, buffer);
  }
}
