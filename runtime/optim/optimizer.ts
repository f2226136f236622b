/** The base of the optimizers: parameter list, `zeroGrad`, and per-parameter state kept out of scopes. */
import { Tensor } from "../tensor.ts";
import { keep } from "../backend/scope.ts";
import { dropGradients } from "../autograd/accumulate.ts";
import { cast } from "../backend/kernels/fill.ts";
import { formatShape, sameShape } from "../shape.ts";

/** One parameter's optimizer state: tensors shaped like the parameter, and counters (step). */
export type ParamState = Record<string, Tensor | number>;

/**
 * An optimizer's state, as PyTorch's `state_dict()`: each parameter's state by its index in
 * `params` (absent before its first step), and the hyper-parameters. The tensors are the
 * optimizer's own, not copies.
 */
export interface OptimizerStateDict {
  state: Map<number, ParamState>;
  options: Record<string, unknown>;
}

/** Something that updates parameters from their `.grad`. */
export abstract class Optimizer {
  /** The parameters this optimizer updates. */
  readonly params: Tensor[];
  constructor(params: Iterable<Tensor>) {
    this.params = [...params];
    this.params.forEach((p, i) => {
      if (!p.requiresGrad) {
        throw new Error(
          `${this.constructor.name}: parameter ${i}${p.name ? ` "${p.name}"` : ""} does not ` +
            "require grad; create it with { requiresGrad: true }",
        );
      }
    });
    keep(this.params);
  }

  /** Hyper-parameters (a scheduler changes `lr` here). */
  abstract readonly options: { lr: number };

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** This parameter's state, or undefined before its first step. */
  protected abstract paramState(param: Tensor): ParamState | undefined;

  /**
   * Replaces this parameter's state (disposing the old tensors) with `state`, whose tensors it
   * takes over, or clears it when `state` is undefined; throws when a slot is missing.
   */
  protected abstract setParamState(param: Tensor, state: ParamState | undefined): void;

  /** The state for a checkpoint (see OptimizerStateDict). */
  stateDict(): OptimizerStateDict {
    const state = new Map<number, ParamState>();
    this.params.forEach((p, i) => {
      const s = this.paramState(p);
      if (s !== undefined) state.set(i, { ...s });
    });
    return { state, options: structuredClone(this.options) };
  }

  /**
   * Restores a state from `stateDict()` (of an optimizer of the same type over parameters of the
   * same shapes): tensors are copied, so the source can be disposed afterwards.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const name = this.constructor.name;
    for (const [index, s] of dict.state) {
      const p = this.params[index];
      if (p === undefined) {
        throw new Error(
          `${name}.loadStateDict: state for parameter ${index}, but the optimizer has ` +
            `${this.params.length} parameters`,
        );
      }
      for (const [slot, value] of Object.entries(s)) {
        if (value instanceof Tensor && !sameShape(value.shape, p.shape)) {
          throw new Error(
            `${name}.loadStateDict: "${slot}" of parameter ${index} has shape ` +
              `${formatShape(value.shape)}, the parameter ${formatShape(p.shape)}`,
          );
        }
      }
    }
    const copies = new Map<number, ParamState>();
    for (const [index, s] of dict.state) {
      copies.set(
        index,
        Object.fromEntries(
          Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? keep(cast(v, v.dtype)) : v]),
        ),
      );
    }
    this.params.forEach((p, i) => this.setParamState(p, copies.get(i)));
    Object.assign(this.options, structuredClone(dict.options));
  }

  /**
   * The parameters, for `step()` to walk; throws when one was disposed, which would otherwise be
   * skipped without a word (a disposed tensor has no gradient).
   */
  protected liveParams(): readonly Tensor[] {
    const index = this.params.findIndex((p) => p.isDisposed);
    if (index >= 0) {
      const p = this.params[index];
      throw new Error(
        `${this.constructor.name}.step(): parameter ${index}${p.name ? ` "${p.name}"` : ""} ` +
          `${formatShape(p.shape)} was disposed, so it cannot be updated; create the optimizer ` +
          "over the model's current parameters (model.parameters()) after replacing or disposing " +
          "a layer",
      );
    }
    return this.params;
  }

  /** Drops every parameter's gradient (frees its memory). */
  zeroGrad(): void {
    dropGradients(this.params);
  }
}

/** Checks a hyper-parameter, naming the optimizer and the option. */
export function checkOption(optimizer: string, name: string, value: number, valid: boolean): void {
  if (!Number.isFinite(value) || !valid) {
    throw new RangeError(`${optimizer}: invalid ${name} ${value}`);
  }
}

/** Keeps a state tensor out of every scope (it lives as long as the optimizer). */
export function stateTensor(t: Tensor): Tensor {
  return keep(t);
}
