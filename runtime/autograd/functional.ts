/**
 * The functional API in the spirit of HIPS autograd: `grad(f)` is a function that returns the
 * gradient of f's scalar output with respect to chosen arguments; `valueAndGrad(f)` returns both.
 * Nothing's `.grad` is touched, and the intermediates of f are freed.
 */
import type { Tensor } from "../tensor.ts";
import { runBackward } from "./engine.ts";
import { scope } from "../backend/scope.ts";
import { withGradMode } from "./grad_mode.ts";
import { filled } from "../backend/kernels/fill.ts";
import { formatShape } from "../shape.ts";
import { checkOptions } from "../options.ts";

/** Which arguments to differentiate with respect to: one index or several. */
export interface GradOptions<A extends number | readonly number[]> {
  argnums?: A;
}

type Grads<A> = A extends readonly number[] ? Tensor[] : Tensor;

/**
 * Returns a function computing [f(...args), ∂f/∂args[argnums]]. f must return a one-element tensor.
 * @example
 * const [loss, gradW] = valueAndGrad((w: Tensor) => F.mseLoss(x.matmul(w), y))(w);
 */
export function valueAndGrad<A extends number | readonly number[] = 0>(
  f: (...args: Tensor[]) => Tensor,
  options: GradOptions<A> = {},
): (...args: Tensor[]) => [Tensor, Grads<A>] {
  checkOptions("grad", options, { argnums: true });
  const argnums = options.argnums ?? 0;
  const indices: number[] = typeof argnums === "number"
    ? [argnums]
    : [...(argnums as readonly number[])];
  return (...args: Tensor[]) => {
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= args.length) {
        throw new RangeError(`grad: argnums ${i} is out of range for ${args.length} arguments`);
      }
    }
    return scope(() => {
      const leaves = args.map((
        arg,
        i,
      ) => (indices.includes(i) ? arg.detach().setRequiresGrad() : arg));
      const value = withGradMode(true, () => f(...leaves));
      if (value.size !== 1) {
        throw new Error(
          `grad: the function must return a one-element tensor, got shape ${
            formatShape(value.shape)
          }`,
        );
      }
      const targets = indices.map((i) => leaves[i]);
      const found = value.requiresGrad ? runBackward(value, undefined, targets) : new Map();
      const grads = targets.map((t) => found.get(t) ?? filled(t.shape, 0));
      const result = value.detach();
      const shaped = (typeof argnums === "number" ? grads[0] : grads) as Grads<A>;
      return [result, shaped] as [Tensor, Grads<A>];
    });
  };
}

/**
 * Returns a function computing ∂f/∂args[argnums] (argument 0 by default).
 * @example
 * const dSquare = grad((x: Tensor) => x.mul(x).sum());
 * dSquare(tensor([1, 2, 3])); // [2, 4, 6]
 */
export function grad<A extends number | readonly number[] = 0>(
  f: (...args: Tensor[]) => Tensor,
  options: GradOptions<A> = {},
): (...args: Tensor[]) => Grads<A> {
  const both = valueAndGrad(f, options);
  return (...args: Tensor[]) => {
    const [value, grads] = both(...args);
    value.dispose();
    return grads;
  };
}
