/** `Sequential`, `Flatten` and `Unflatten`. */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { moduleFromConfig, registerModule } from "./registry.ts";
import { flatten, reshape } from "../ops/shape_ops.ts";
import { normalizeDim } from "../shape.ts";
import { Conv2d } from "./conv.ts";
import { Linear } from "./linear.ts";
import { ReLU } from "./activation.ts";

/**
 * Runs its modules in order; their parameters are named by position (`0.weight`, `2.bias`), as
 * PyTorch names them.
 * @example const mlp = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }
  protected override arrayChildName(_field: string, index: number): string {
    return String(index);
  }
  /**
   * Each layer's `call` in turn, except that a Conv2d or Linear followed by a ReLU runs as one
   * layer whose GEMM applies the ReLU (`forwardRelu`), when neither has forward hooks: at
   * inference that saves a pass over the activations; with gradients it records the same graph.
   */
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const next = this.layers[i + 1];
      if (next !== undefined && fusesWithRelu(layer, next)) {
        h = (layer as Conv2d | Linear).forwardRelu(h);
        i++;
      } else {
        h = layer.call(h);
      }
    }
    return h;
  }
  override toConfig(): ModuleConfig {
    return { type: "Sequential", children: this.layers.map((l) => l.toConfig()) };
  }
}
registerModule("Sequential", (c) => new Sequential(...(c.children ?? []).map(moduleFromConfig)));

/**
 * True when `layer` is a plain Conv2d or Linear and `next` a plain ReLU, neither with forward
 * hooks (they must see the tensors the unfused layers make).
 */
function fusesWithRelu(layer: Module, next: Module): boolean {
  if (layer.hasForwardHooks() || next.hasForwardHooks()) return false;
  return (isPlain(layer, Conv2d) || isPlain(layer, Linear)) && isPlain(next, ReLU);
}

/**
 * True when `module` is an instance of `type` itself, not of a subclass, and has no `forward` or
 * `call` of its own set on the instance: its computation is the one `forwardRelu` fuses.
 */
function isPlain(module: Module, type: { prototype: Module }): boolean {
  return Object.getPrototypeOf(module) === type.prototype && !Object.hasOwn(module, "forward") &&
    !Object.hasOwn(module, "call");
}

/** Flattens dims startDim..endDim (default 1..−1: everything but the batch). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  override toConfig(): ModuleConfig {
    return { type: "Flatten", options: { startDim: this.startDim, endDim: this.endDim } };
  }
}
registerModule(
  "Flatten",
  ({ options: o = {} }) => new Flatten(o.startDim as number, o.endDim as number),
);

/** Expands dim `dim` into `sizes` (e.g. [N, 784] → [N, 1, 28, 28] with dim 1, sizes [1, 28, 28]). */
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly sizes: number[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    const d = normalizeDim("Unflatten", this.dim, x.ndim);
    return reshape(x, [...x.shape.slice(0, d), ...this.sizes, ...x.shape.slice(d + 1)]);
  }
  override toConfig(): ModuleConfig {
    return { type: "Unflatten", options: { dim: this.dim, sizes: this.sizes } };
  }
}
registerModule(
  "Unflatten",
  ({ options: o = {} }) => new Unflatten(o.dim as number, o.sizes as number[]),
);
