/** Whether ops record the graph: on by default, off inside `noGrad` and during `backward()`. */
import { scope } from "../backend/scope.ts";

let enabled = true;

/** True when ops record nodes for autodiff. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs fn with recording set to `on`, restoring the previous mode afterwards. */
export function withGradMode<T>(on: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Runs fn without recording the graph, in a memory scope: intermediates are freed and the result
 * is returned (as in `torch.no_grad()` combined with `tf.tidy`).
 * @example
 * const predictions = noGrad(() => model.forward(x).argmax(1));
 */
export function noGrad<T>(fn: () => T): T {
  return scope(() => withGradMode(false, fn));
}
