/**
 * Learning-rate schedulers stepped once per epoch: StepLR, ExponentialLR, CosineAnnealingLR, each
 * setting the optimizer's `options.lr` from PyTorch's closed form of the schedule.
 */
import type { Optimizer } from "./optimizer.ts";
import { checkOption } from "./optimizer.ts";
import { checkOptions } from "../options.ts";

/** A scheduler's state: plain numbers, so it fits a checkpoint's `extra` as JSON. */
export interface SchedulerStateDict {
  /** Epochs stepped so far (0 right after construction). */
  lastEpoch: number;
  /** The optimizer's learning rate when the scheduler was made. */
  baseLr: number;
  /** The learning rate the last step set. */
  lastLr: number;
  /** The schedule's hyper-parameters. */
  options: Record<string, number>;
}

/**
 * The base of the schedulers: remembers the optimizer's starting rate (`baseLr`), counts epochs,
 * and sets `optimizer.options.lr` to `lrAt(epoch)` on construction (epoch 0) and on each `step()`.
 */
export abstract class LRScheduler {
  /** The optimizer's learning rate when the scheduler was made. */
  baseLr: number;
  /** Epochs stepped so far. */
  lastEpoch = 0;
  private lastLr: number;

  constructor(readonly optimizer: Optimizer) {
    this.baseLr = optimizer.options.lr;
    this.lastLr = this.baseLr;
  }

  /** The schedule's hyper-parameters (saved in the state). */
  abstract readonly options: Record<string, number>;

  /** The learning rate of epoch `epoch` (closed form; epoch 0 gives baseLr). */
  abstract lrAt(epoch: number): number;

  /** Moves to the next epoch and sets the optimizer's learning rate for it (call after each). */
  step(): void {
    this.lastEpoch++;
    this.applyLr();
  }

  /** The learning rate the last step (or the construction) set. */
  getLastLr(): number {
    return this.lastLr;
  }

  /**
   * The scheduler's state, as PyTorch's `state_dict()`. The optimizer's learning rate is part of
   * the optimizer's own state.
   */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      baseLr: this.baseLr,
      lastLr: this.lastLr,
      options: { ...this.options },
    };
  }

  /**
   * Restores a state from `stateDict()` (leaving the optimizer's learning rate to the optimizer's
   * `loadStateDict`, as PyTorch does).
   */
  loadStateDict(state: SchedulerStateDict): void {
    const fields = new Map<string, unknown>([
      ["lastEpoch", state.lastEpoch],
      ["baseLr", state.baseLr],
      ["lastLr", state.lastLr],
    ]);
    for (const k of Object.keys(this.options)) fields.set(`options.${k}`, state.options?.[k]);
    for (const [field, value] of fields) {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        const got = JSON.stringify(value);
        throw new Error(
          `${this.constructor.name}.loadStateDict: "${field}" should be a finite number, got ${got}`,
        );
      }
    }
    this.lastEpoch = state.lastEpoch;
    this.baseLr = state.baseLr;
    this.lastLr = state.lastLr;
    for (const k of Object.keys(this.options)) this.options[k] = state.options[k];
  }

  /** Sets the rate of the current epoch; subclasses call it at the end of their constructor. */
  protected applyLr(): void {
    this.lastLr = this.lrAt(this.lastEpoch);
    this.optimizer.options.lr = this.lastLr;
  }
}

/**
 * Multiplies the rate by gamma every stepSize epochs: lr = baseLr · gamma^⌊epoch / stepSize⌋.
 * @example
 * const scheduler = new optim.StepLR(optimizer, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { trainOneEpoch(); scheduler.step(); }
 */
export class StepLR extends LRScheduler {
  readonly options: { stepSize: number; gamma: number };
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkOptions("StepLR", options, { stepSize: true, gamma: true });
    this.options = { gamma: 0.1, ...options };
    const { stepSize, gamma } = this.options;
    checkOption("StepLR", "stepSize", stepSize, Number.isInteger(stepSize) && stepSize >= 1);
    checkOption("StepLR", "gamma", gamma, gamma >= 0);
    this.applyLr();
  }
  lrAt(epoch: number): number {
    return this.baseLr * this.options.gamma ** Math.floor(epoch / this.options.stepSize);
  }
}

/**
 * Multiplies the rate by gamma every epoch: lr = baseLr · gamma^epoch.
 * @example const scheduler = new optim.ExponentialLR(optimizer, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  readonly options: { gamma: number };
  constructor(optimizer: Optimizer, options: { gamma: number }) {
    super(optimizer);
    checkOptions("ExponentialLR", options, { gamma: true });
    this.options = { ...options };
    checkOption("ExponentialLR", "gamma", this.options.gamma, this.options.gamma >= 0);
    this.applyLr();
  }
  lrAt(epoch: number): number {
    return this.baseLr * this.options.gamma ** epoch;
  }
}

/**
 * Anneals the rate along a half cosine from baseLr (epoch 0) to etaMin (epoch tMax):
 * lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch / tMax)) / 2 (and back up after tMax, as
 * PyTorch's schedule).
 * @example const scheduler = new optim.CosineAnnealingLR(optimizer, { tMax: 50, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly options: { tMax: number; etaMin: number };
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkOptions("CosineAnnealingLR", options, { tMax: true, etaMin: true });
    this.options = { etaMin: 0, ...options };
    const { tMax, etaMin } = this.options;
    checkOption("CosineAnnealingLR", "tMax", tMax, tMax > 0);
    checkOption("CosineAnnealingLR", "etaMin", etaMin, etaMin >= 0);
    this.applyLr();
  }
  lrAt(epoch: number): number {
    const { tMax, etaMin } = this.options;
    return etaMin + ((this.baseLr - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2;
  }
}
