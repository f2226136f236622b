/** Activation modules: thin wrappers over the functional activations. */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import * as A from "../ops/activation.ts";
import { registerModule } from "./registry.ts";
import { checkOptions } from "../options.ts";

/** What every activation shares: summary counts it as 1 FLOP per output element. */
abstract class Activation extends Module {
  /** 1 per output element, whatever the function costs. */
  override flops(_inputs: readonly Tensor[], output: Tensor): number {
    return output.size;
  }
}

function simple(type: string, f: (x: Tensor) => Tensor) {
  const Simple = class extends Activation {
    forward(x: Tensor): Tensor {
      return f(x);
    }
    override toConfig(): ModuleConfig {
      return { type };
    }
  };
  Object.defineProperty(Simple, "name", { value: type });
  registerModule(type, () => new Simple());
  return Simple;
}

/** max(x, 0) elementwise. Shape in = shape out. */
export const ReLU = simple("ReLU", A.relu);
/** Logistic sigmoid. */
export const Sigmoid = simple("Sigmoid", A.sigmoid);
/** Hyperbolic tangent. */
export const Tanh = simple("Tanh", A.tanh);
/** x·σ(x). */
export const SiLU = simple("SiLU", A.silu);

/**
 * GELU: the exact x·Φ(x), or PyTorch's tanh approximation with `{ approximate: "tanh" }`.
 * @example new nn.GELU({ approximate: "tanh" })
 */
export class GELU extends Activation {
  readonly options: A.GeluOptions;
  constructor(options: A.GeluOptions = {}) {
    super();
    this.options = { ...checkOptions("GELU", options, A.GELU_KEYS) };
  }
  forward(x: Tensor): Tensor {
    return A.gelu(x, this.options);
  }
  override toConfig(): ModuleConfig {
    return { type: "GELU", options: { ...this.options } };
  }
}
registerModule("GELU", ({ options: o = {} }) => new GELU(o as A.GeluOptions));

/** log(1 + e^(beta·x)) / beta, and x above beta·x > threshold (PyTorch's Softplus). */
export class Softplus extends Activation {
  readonly options: A.SoftplusOptions;
  constructor(options: A.SoftplusOptions = {}) {
    super();
    this.options = { ...checkOptions("Softplus", options, A.SOFTPLUS_KEYS) };
  }
  forward(x: Tensor): Tensor {
    return A.softplus(x, this.options);
  }
  override toConfig(): ModuleConfig {
    return { type: "Softplus", options: { ...this.options } };
  }
}
registerModule("Softplus", ({ options: o = {} }) => new Softplus(o as A.SoftplusOptions));

/** x for x > 0, negativeSlope·x otherwise. */
export class LeakyReLU extends Activation {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.leakyRelu(x, this.negativeSlope);
  }
  override toConfig(): ModuleConfig {
    return { type: "LeakyReLU", options: { negativeSlope: this.negativeSlope } };
  }
}
registerModule("LeakyReLU", ({ options: o = {} }) => new LeakyReLU(o.negativeSlope as number));

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends Activation {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.elu(x, this.alpha);
  }
  override toConfig(): ModuleConfig {
    return { type: "ELU", options: { alpha: this.alpha } };
  }
}
registerModule("ELU", ({ options: o = {} }) => new ELU(o.alpha as number));

/** Softmax along `dim`. */
export class Softmax extends Activation {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.softmax(x, this.dim);
  }
  override toConfig(): ModuleConfig {
    return { type: "Softmax", options: { dim: this.dim } };
  }
}
registerModule("Softmax", ({ options: o = {} }) => new Softmax(o.dim as number));

/** Log-softmax along `dim`. */
export class LogSoftmax extends Activation {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.logSoftmax(x, this.dim);
  }
  override toConfig(): ModuleConfig {
    return { type: "LogSoftmax", options: { dim: this.dim } };
  }
}
registerModule("LogSoftmax", ({ options: o = {} }) => new LogSoftmax(o.dim as number));
