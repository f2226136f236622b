/** `Sequential`, `Flatten` and `Unflatten`. */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { moduleFromConfig, registerModule } from "./registry.ts";
import { flatten, reshape } from "../ops/shape_ops.ts";
import { normalizeDim } from "../shape.ts";

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
  /** Each layer's `call` in turn (`nn.fuse` merges a Conv2d or Linear with a ReLU after it). */
  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, layer) => layer.call(h), x);
  }
  override toConfig(): ModuleConfig {
    return { type: "Sequential", children: this.layers.map((l) => l.toConfig()) };
  }
}
registerModule("Sequential", (c) => new Sequential(...(c.children ?? []).map(moduleFromConfig)));

/** Flattens dims startDim..endDim (default 1..−1: everything but the batch). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  /** None: a view. */
  override flops(): number {
    return 0;
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
  /** None: a view. */
  override flops(): number {
    return 0;
  }
  override toConfig(): ModuleConfig {
    return { type: "Unflatten", options: { dim: this.dim, sizes: this.sizes } };
  }
}
registerModule(
  "Unflatten",
  ({ options: o = {} }) => new Unflatten(o.dim as number, o.sizes as number[]),
);
