/** Marking tensors as a module's parameters (trained) or buffers (saved, not trained). */
import type { Tensor } from "../tensor.ts";
import { keep } from "../backend/scope.ts";

const parameterSet = new WeakSet<Tensor>();
const bufferSet = new WeakSet<Tensor>();

/**
 * Makes `t` a trainable parameter: it requires grad and is exempt from scopes. Assign it to a
 * module field and the module finds it.
 * @example this.weight = parameter(uniform([out, inp], -bound, bound));
 */
export function parameter(t: Tensor): Tensor {
  t.setRequiresGrad(true);
  parameterSet.add(t);
  return keep(t);
}

/** Makes `t` a buffer: saved in the state dict (e.g. batch norm's running mean) but not trained. */
export function buffer(t: Tensor): Tensor {
  bufferSet.add(t);
  return keep(t);
}

/** True for tensors made by `parameter`. */
export function isParameter(t: Tensor): boolean {
  return parameterSet.has(t);
}

/** True for tensors made by `buffer`. */
export function isBuffer(t: Tensor): boolean {
  return bufferSet.has(t);
}
