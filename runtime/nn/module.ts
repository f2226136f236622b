/**
 * `Module`, in the PyTorch mould: parameters, buffers and submodules are found by walking the
 * fields a subclass assigns (arrays of modules count, named by index), so `namedParameters()` gives
 * PyTorch's names (`conv1.weight`, `0.bias`). `forward` is the computation; `call` runs it with
 * the forward hooks, and a module is a function too: `model(x)` is `model.call(x)`.
 */
import { Tensor } from "../tensor.ts";
import { isBuffer, isParameter } from "./parameter.ts";
import { dropGradients } from "../autograd/accumulate.ts";
import { copyWords } from "../backend/memory.ts";
import { formatShape, sameShape } from "../shape.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

const LOAD_STATE_DICT_KEYS: OptionKeys<{ strict?: boolean }> = { strict: true };

/** A function run after a module's forward: sees the inputs and the output (e.g. for Grad-CAM). */
export type ForwardHook = (module: Module, inputs: Tensor[], output: Tensor) => void;

/** What `toConfig` returns: the layer's type and the options that rebuild it. */
export interface ModuleConfig {
  type: string;
  options?: Record<string, unknown>;
  children?: ModuleConfig[];
}

/** Every module can be called like a function, as in PyTorch: `model(x)` is `model.call(x)`. */
export interface Module {
  (...inputs: Tensor[]): Tensor;
}

/** The base of every layer and model. */
export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics) or evaluation mode. */
  declare training: boolean;
  declare private hooks: ForwardHook[];

  /**
   * Makes the instance a function object whose prototype is the subclass's, so `model(x)` works
   * and everything else (fields, methods, instanceof) is as for any object. The function's own
   * `name` and `length` are removed, so subclasses may use fields of those names.
   */
  constructor() {
    const callable = callableWith(new.target.prototype);
    // Set here, not as field initialisers: those would land on the object this constructor drops.
    callable.training = true;
    callable.hooks = [];
    return callable;
  }

  /** The computation. Input and output shapes are documented by each layer. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * FLOPs of one call that gave `output` from `inputs` (a multiply-add counts 2), for
   * `nn.summary`; null (the default) when the layer does not count them. A module counts only
   * its own work: its children's calls are counted on their own.
   */
  flops(_inputs: readonly Tensor[], _output: Tensor): number | null {
    return null;
  }

  /** Runs `forward` and then the forward hooks. */
  call(...inputs: Tensor[]): Tensor {
    const output = this.forward(...inputs);
    for (const hook of this.hooks) hook(this, inputs, output);
    return output;
  }

  /** True when forward hooks are registered (a layer with hooks is never fused with another). */
  hasForwardHooks(): boolean {
    return this.hooks.length > 0;
  }

  /** Adds a forward hook; returns a function that removes it. */
  registerForwardHook(hook: ForwardHook): () => void {
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** Direct submodules with their field names (array elements as `name.i`, Sequential as `i`). */
  namedChildren(): [string, Module][] {
    const children: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) children.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (item instanceof Module) children.push([this.arrayChildName(key, i), item]);
        });
      }
    }
    return children;
  }

  /** How an array field's elements are named; Sequential overrides it to give plain indices. */
  protected arrayChildName(field: string, index: number): string {
    return `${field}.${index}`;
  }

  /** This module and all below it, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    }
    return out;
  }

  private ownTensors(test: (t: Tensor) => boolean): [string, Tensor][] {
    return Object.entries(this).filter((e): e is [string, Tensor] =>
      e[1] instanceof Tensor && test(e[1])
    );
  }

  /** Every parameter with its dotted name, in registration order. */
  namedParameters(): [string, Tensor][] {
    return this.namedModules().flatMap(([prefix, m]) =>
      m.ownTensors(isParameter).map((
        [name, t],
      ): [string, Tensor] => [prefix ? `${prefix}.${name}` : name, t])
    );
  }

  /** Every parameter. @example new optim.Adam(model.parameters(), { lr: 1e-3 }) */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every buffer (running statistics) with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    return this.namedModules().flatMap(([prefix, m]) =>
      m.ownTensors(isBuffer).map((
        [name, t],
      ): [string, Tensor] => [prefix ? `${prefix}.${name}` : name, t])
    );
  }

  /** Parameters and buffers by name, as PyTorch's state_dict (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's parameters and buffers by name. With `strict` (default) the
   * names must match exactly; shapes must always match.
   */
  loadStateDict(
    state: Map<string, Tensor> | Record<string, Tensor>,
    options: { strict?: boolean } = {},
  ): void {
    const { strict = true } = checkOptions("loadStateDict", options, LOAD_STATE_DICT_KEYS);
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    if (strict) {
      const missing = [...own.keys()].filter((k) => !entries.has(k));
      const unexpected = [...entries.keys()].filter((k) => !own.has(k));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new Error(
          `loadStateDict: ${missing.length ? `missing keys ${JSON.stringify(missing)}` : ""}` +
            `${missing.length && unexpected.length ? "; " : ""}` +
            `${unexpected.length ? `unexpected keys ${JSON.stringify(unexpected)}` : ""}`,
        );
      }
    }
    for (const [name, target] of own) {
      const source = entries.get(name);
      if (source === undefined) continue;
      if (!sameShape(source.shape, target.shape) || source.dtype !== target.dtype) {
        throw new Error(
          `loadStateDict: "${name}" has shape ${
            formatShape(source.shape)
          } (${source.dtype}) but the ` +
            `module expects ${formatShape(target.shape)} (${target.dtype})`,
        );
      }
      copyWords(target.ptr, source.ptr, source.size);
    }
  }

  /** Sets training mode here and below; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode here and below; returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    dropGradients(this.parameters());
  }

  /** The type and options that rebuild this module (see nn/registry.ts); layers override it. */
  toConfig(): ModuleConfig {
    throw new Error(`${this.constructor.name}: this module does not describe itself (toConfig)`);
  }

  /**
   * The module as PyTorch prints it: a leaf on one line with its options, a container with its
   * children indented below, each under its name.
   */
  toString(): string {
    const children = this.namedChildren();
    if (children.length === 0) {
      try {
        const options = Object.entries(this.toConfig().options ?? {})
          .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
        return `${this.constructor.name}(${options.join(", ")})`;
      } catch {
        return `${this.constructor.name}()`;
      }
    }
    const lines = children.map(([name, child]) =>
      `  (${name}): ${child.toString().replaceAll("\n", "\n  ")}`
    );
    return `${this.constructor.name}(\n${lines.join("\n")}\n)`;
  }

  /** Deno's console shows the module tree (a module is a function object underneath). */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Node's console likewise. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * A function object whose prototype is `prototype` and that calls its own `call` method, with the
 * function's own `name` and `length` removed (see the Module constructor).
 */
function callableWith(prototype: object): Module {
  const callable: Module =
    ((...inputs: Tensor[]): Tensor => callable.call(...inputs)) as unknown as Module;
  for (const key of ["name", "length"]) Reflect.deleteProperty(callable, key);
  Object.setPrototypeOf(callable, prototype);
  return callable;
}

/**
 * A shallow copy of `module` for passes that rebuild part of a model tree (`nn.fuse`): an object
 * of the same class with the same fields, so its tensors and submodules are shared, except that
 * array fields (module lists, the forward hooks) are new arrays, and `fields` replaces fields by
 * name. No constructor runs. A class that keeps state in `#private` fields cannot be copied this
 * way (they are not properties).
 */
export function copyModule<M extends Module>(module: M, fields: Record<string, unknown> = {}): M {
  const copy = callableWith(Object.getPrototypeOf(module));
  for (const key of Reflect.ownKeys(module)) {
    const descriptor = Object.getOwnPropertyDescriptor(module, key)!;
    if (Array.isArray(descriptor.value)) descriptor.value = [...descriptor.value];
    if (typeof key === "string" && Object.hasOwn(fields, key)) descriptor.value = fields[key];
    Object.defineProperty(copy, key, descriptor);
  }
  return copy as M;
}
