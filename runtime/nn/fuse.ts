/**
 * `fuse(model)`: the inference pass that merges each plain Conv2d or Linear followed by a plain
 * ReLU inside a Sequential into one layer whose GEMM applies the ReLU as it stores its output
 * (`forwardRelu`), saving a pass over the activations and a tensor. PyTorch's `fuse_modules` idea,
 * with the same bits as the unfused layers and the same parameter names.
 */
import type { Tensor } from "../tensor.ts";
import { copyModule, Module, type ModuleConfig } from "./module.ts";
import { Sequential } from "./container.ts";
import { Conv2d } from "./conv.ts";
import { Linear } from "./linear.ts";
import { ReLU } from "./activation.ts";

/**
 * A Linear with the ReLU after it applied in its GEMM: relu(x·Wᵀ + b). Made by `nn.fuse` from a
 * Linear, whose fields (and so its weight and bias tensors) it shares; it serializes as that
 * Linear, the ReLU's slot after it as the ReLU.
 */
export class LinearReLU extends Linear {
  override forward(x: Tensor): Tensor {
    return this.forwardRelu(x);
  }
  /** The Linear's FLOPs and the ReLU's one per output element. */
  override flops(inputs: readonly Tensor[], output: Tensor): number {
    return super.flops(inputs, output) + output.size;
  }
}

/**
 * A Conv2d with the ReLU after it applied in its GEMM: relu(conv2d(x)). Made by `nn.fuse` from a
 * Conv2d, whose fields (and so its weight and bias tensors) it shares; it serializes as that
 * Conv2d, the ReLU's slot after it as the ReLU.
 */
export class Conv2dReLU extends Conv2d {
  override forward(x: Tensor): Tensor {
    return this.forwardRelu(x);
  }
  /** The Conv2d's FLOPs and the ReLU's one per output element. */
  override flops(inputs: readonly Tensor[], output: Tensor): number {
    return super.flops(inputs, output) + output.size;
  }
  override toConfig(): ModuleConfig {
    return { ...super.toConfig(), type: "Conv2d" };
  }
}

/**
 * The ReLU of a pair that `nn.fuse` merged: the layer before it has applied it already, so it
 * passes its input through. It keeps the ReLU's slot so that the layers after it keep their
 * names (`3.weight` stays `3.weight`), and serializes as the ReLU.
 */
export class FusedReLU extends ReLU {
  override forward(x: Tensor): Tensor {
    return x;
  }
  override flops(): number {
    return 0;
  }
}

/**
 * A copy of `model` for inference in which every plain Conv2d or Linear followed by a plain ReLU
 * in a Sequential (at any depth) runs as one fused layer (`LinearReLU`, `Conv2dReLU`), with the
 * ReLU's slot kept by a `FusedReLU` that passes its input through. The outputs have the same bits
 * as the model's, gradients through it are the same, `stateDict()` has the same keys and tensors,
 * and `toConfig()` is the model's (fused layers serialize as their unfused pair).
 *
 * `model` itself is left as it was. The result is a new tree only along the way to a fused pair:
 * every other module, and every parameter and buffer, is shared with `model` (so loading weights
 * into one loads them into both, and a layer's eval() or hooks apply to both). The copied
 * containers keep the forward hooks they had. A model with nothing to fuse comes back as it is.
 *
 * Not fused: a layer or ReLU with forward hooks (they must see the unfused tensors), an instance
 * of a subclass or with its own `forward`/`call`, and the layers of a Sequential subclass whose
 * forward is not Sequential's.
 * @example
 * const served = nn.fuse(model.eval());
 * const logits = noGrad(() => served(x));
 */
export function fuse<M extends Module>(model: M): M {
  if (!(model instanceof Module)) {
    throw new TypeError("fuse: the argument must be an nn.Module (the model to fuse)");
  }
  return fuseTree(model, { trees: new Map(), layers: new Map() }) as M;
}

/** What `fuse` has made so far: each module's fused tree, and each layer's fused form. */
interface Memo {
  trees: Map<Module, Module>;
  layers: Map<Module, Module>;
}

/** `module` with the pairs below it fused, or `module` itself when none are. */
function fuseTree(module: Module, memo: Memo): Module {
  const known = memo.trees.get(module);
  if (known !== undefined) return known;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(module)) {
    if (value instanceof Module) {
      const fused = fuseTree(value, memo);
      if (fused !== value) fields[key] = fused;
    } else if (Array.isArray(value) && value.some((item) => item instanceof Module)) {
      let items = value.map((item) => item instanceof Module ? fuseTree(item, memo) : item);
      if (module instanceof Sequential && key === "layers" && runsInOrder(module)) {
        items = fusePairs(items, memo);
      }
      if (items.some((item, i) => item !== value[i])) fields[key] = items;
    }
  }
  const result = Object.keys(fields).length === 0 ? module : copyModule(module, fields);
  memo.trees.set(module, result);
  return result;
}

/** True when `sequential` runs Sequential's own forward (its layers one after the other). */
function runsInOrder(sequential: Sequential): boolean {
  return sequential.forward === Sequential.prototype.forward && !Object.hasOwn(sequential, "call");
}

/** The layers with each fusable (layer, ReLU) pair replaced by (fused layer, FusedReLU). */
function fusePairs(layers: unknown[], memo: Memo): unknown[] {
  const out = [...layers];
  for (let i = 0; i + 1 < out.length; i++) {
    const layer = out[i], next = out[i + 1];
    if (!(layer instanceof Module && next instanceof Module) || !fusesWithRelu(layer, next)) {
      continue;
    }
    // One fused form per layer, so that a layer used twice stays one module.
    let fused = memo.layers.get(layer);
    if (fused === undefined) {
      fused = retyped(layer, layer instanceof Conv2d ? Conv2dReLU : LinearReLU);
      memo.layers.set(layer, fused);
    }
    out[i] = fused;
    out[i + 1] = retyped(next, FusedReLU);
    i++;
  }
  return out;
}

/** A copy of `module` (same fields, shared tensors) as an instance of the subclass `type`. */
function retyped(module: Module, type: { prototype: Module }): Module {
  return Object.setPrototypeOf(copyModule(module), type.prototype);
}

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
