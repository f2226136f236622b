/** The base of the optimizers: parameter list, `zeroGrad`, and per-parameter state kept out of scopes. */
import type { Tensor } from "../tensor.ts";
import { keep } from "../autograd/scope.ts";

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

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Drops every parameter's gradient (frees its memory). */
  zeroGrad(): void {
    for (const p of this.params) {
      if (p.grad !== null) {
        p.grad.dispose();
        p.grad = null;
      }
    }
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
