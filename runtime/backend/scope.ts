/**
 * Memory scopes. Every tensor created while a scope is open belongs to it; when the scope's
 * function returns, the tensors it created are disposed except those it returns (which move to the
 * enclosing scope) and those passed to `keep()`. The trainer runs each step in a scope, so a
 * training loop's intermediates are freed without user code.
 */

/**
 * What a scope owns: a tensor, seen only through what disposal needs, so that memory ownership
 * sits below `Tensor` (which registers each new tensor here) without importing it.
 */
export interface Owned {
  dispose(): void;
  readonly grad: Owned | null;
}

type Tensor = Owned;

const stack: Set<Tensor>[] = [];
const owner = new WeakMap<Tensor, Set<Tensor>>();

/** Called by the Tensor constructor: the innermost open scope takes ownership. */
export function trackTensor(tensor: Tensor): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) {
    top.add(tensor);
    owner.set(tensor, top);
  }
}

/** Removes a tensor from the scope that owns it (it will not be disposed at scope exit). */
export function untrackTensor(tensor: Tensor): void {
  const set = owner.get(tensor);
  if (set !== undefined) {
    set.delete(tensor);
    owner.delete(tensor);
  }
}

/** Exempts tensors from disposal by any scope (model parameters, optimizer state). Returns the input. */
export function keep<T extends Tensor | Tensor[]>(tensors: T): T {
  for (const t of Array.isArray(tensors) ? tensors : [tensors]) untrackTensor(t);
  return tensors;
}

/**
 * Runs `fn` in a new scope and disposes every tensor it created that is not reachable from its
 * result (tensors, arrays, plain objects and Maps are searched) and not kept.
 * @example
 * const loss = scope(() => F.mseLoss(model.forward(x), y)); // intermediates freed, loss kept
 */
export function scope<T>(fn: () => T): T {
  const set = new Set<Tensor>();
  stack.push(set);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    stack.pop();
    disposeAll(set);
    throw error;
  }
  stack.pop();
  if (result instanceof Promise) {
    disposeAll(set);
    throw new Error("scope(): the function returned a Promise; scopes only run synchronous code");
  }
  const escaping = new Set<Tensor>();
  collectTensors(result, escaping, new Set());
  const parent = stack[stack.length - 1];
  for (const t of escaping) {
    if (set.delete(t)) {
      if (parent !== undefined) {
        parent.add(t);
        owner.set(t, parent);
      } else {
        owner.delete(t);
      }
    }
  }
  disposeAll(set);
  return result;
}

/** Number of scopes currently open (0 outside any). */
export function scopeDepth(): number {
  return stack.length;
}

function disposeAll(set: Set<Tensor>): void {
  for (const t of [...set]) t.dispose();
  set.clear();
}

function collectTensors(value: unknown, found: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    found.add(value);
    // A returned gradient-carrying tensor keeps what its graph needs for a later backward().
    if (value.grad !== null) found.add(value.grad);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, found, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, found, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, found, seen);
  }
}

function isTensor(value: object): value is Tensor {
  return "storage" in value && "shape" in value && "dispose" in value;
}
