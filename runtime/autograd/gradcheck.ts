/**
 * `gradcheck`: compares the gradients autodiff computes with central finite differences, per
 * element and along random directions, and names the input and element that disagree.
 *
 * The function's output is projected on a fixed random tensor R (L = Σ f(x)·R, summed in float64),
 * so one scalar checks the whole Jacobian. Float32 limits the precision of the differences: the
 * default step is 1e-2 times the input's scale and the tolerance 1e-2 relative (TOOLCHAIN.md).
 */
import { mulberry32 } from "../seeded_uniform.ts";
import type { Tensor } from "../tensor.ts";
import { readWord, writeWord, writeWords } from "../backend/memory.ts";
import { withGradMode } from "./grad_mode.ts";
import { runBackward } from "./engine.ts";
import { scope } from "../backend/scope.ts";
import { formatShape, stridesOf } from "../shape.ts";
import { tensor } from "../ops/creation.ts";
import { checkOptions } from "../options.ts";

/** Options of gradcheck. */
export interface GradcheckOptions {
  /** Finite-difference step, relative to max(1, the input's largest |value|). Default 1e-2. */
  eps?: number;
  /** Relative tolerance. Default 1e-2. */
  rtol?: number;
  /** Absolute tolerance. Default 1e-3. */
  atol?: number;
  /** Elements checked one by one per input (chosen at random when the input is larger). Default 64. */
  maxElements?: number;
  /** Random directions checked per call. Default 3. */
  directions?: number;
  /** Seed of the projection and the choices. Default 1. */
  seed?: number;
}

/** Raised when autodiff and finite differences disagree; the message says where. */
export class GradcheckError extends Error {
  override name = "GradcheckError";
}

/**
 * Checks the gradients of `f` at `inputs` (the float32 tensors among them are differentiated).
 * Returns true, or throws a GradcheckError naming the input, the element and both values.
 * @example gradcheck((x, w) => F.conv2d(x, w, null, { stride: 2 }), [x, w]);
 */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): true {
  checkOptions("gradcheck", options, {
    eps: true,
    rtol: true,
    atol: true,
    maxElements: true,
    directions: true,
    seed: true,
  });
  const rtol = options.rtol ?? 1e-2, atol = options.atol ?? 1e-3;
  const random = mulberry32(options.seed ?? 1);
  const leaves = inputs.map((t) => (t.dtype === "float32" ? t.detach().setRequiresGrad() : t));
  const checked = leaves.map((t, i) => (t.dtype === "float32" ? i : -1)).filter((i) => i >= 0);
  try {
    // Analytic gradient of L = Σ f·R.
    let projection: Float64Array = new Float64Array(0);
    const analytic = scope(() => {
      const out = withGradMode(true, () => f(...leaves));
      projection = Float64Array.from({ length: out.size }, () => random() * 2 - 1);
      if (!out.requiresGrad) {
        throw new GradcheckError(
          "gradcheck: the output does not depend on any input through recorded ops",
        );
      }
      const upstream = tensor(Float32Array.from(projection), { shape: out.shape });
      const grads = runBackward(out, upstream, checked.map((i) => leaves[i]));
      return checked.map((i) => {
        const g = grads.get(leaves[i]);
        return g === undefined ? new Float32Array(leaves[i].size) : (g.data() as Float32Array);
      });
    });
    const objective = (): number =>
      scope(() => {
        const out = withGradMode(false, () => f(...leaves));
        const values = out.data();
        let total = 0;
        for (let k = 0; k < values.length; k++) total += values[k] * projection[k];
        return total;
      });
    const stepFor = (x: Tensor): number => {
      const values = x.data();
      let largest = 1;
      for (const v of values) largest = Math.max(largest, Math.abs(v));
      return (options.eps ?? 1e-2) * largest;
    };
    const close = (numeric: number, autodiff: number) =>
      Math.abs(numeric - autodiff) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(autodiff));

    // Element by element.
    checked.forEach((inputIndex, k) => {
      const x = leaves[inputIndex];
      const step = stepFor(x);
      const count = Math.min(x.size, options.maxElements ?? 64);
      const elements = count === x.size
        ? [...Array(x.size).keys()]
        : Array.from({ length: count }, () => Math.floor(random() * x.size));
      for (const element of elements) {
        const numeric = centralDifference(x, element, objective, step);
        const autodiff = analytic[k][element];
        if (!close(numeric, autodiff)) {
          const index = stridesOf(x.shape).map((s, d) => Math.floor(element / s) % x.shape[d]);
          throw new GradcheckError(
            `gradcheck: input ${inputIndex} (shape ${formatShape(x.shape)}) element ` +
              `[${index.join(", ")}]: autodiff gives ${autodiff}, finite differences ${numeric} ` +
              `(step ${step}, tolerance ${atol} + ${rtol}·|value|)`,
          );
        }
      }
    });

    // Along random directions through all inputs at once.
    for (let trial = 0; trial < (options.directions ?? 3); trial++) {
      const directions = checked.map((i) =>
        Float64Array.from({ length: leaves[i].size }, () => random() * 2 - 1)
      );
      let expected = 0;
      checked.forEach((_, k) => {
        for (let e = 0; e < directions[k].length; e++) {
          expected += analytic[k][e] * directions[k][e];
        }
      });
      const step = Math.min(...checked.map((i) => stepFor(leaves[i])));
      const numeric = directionalDifference(
        checked.map((i) => leaves[i]),
        directions,
        objective,
        step,
      );
      if (!close(numeric, expected)) {
        throw new GradcheckError(
          `gradcheck: along random direction ${trial} the directional derivative from autodiff is ` +
            `${expected} but finite differences give ${numeric} (step ${step})`,
        );
      }
    }
    return true;
  } finally {
    leaves.forEach((leaf, i) => {
      if (leaf !== inputs[i]) leaf.dispose();
    });
  }
}

/** (L(x + h·e) − L(x − h·e)) / 2h for one element, using the steps float32 actually took. */
function centralDifference(
  x: Tensor,
  element: number,
  objective: () => number,
  step: number,
): number {
  const original = readWord(x.ptr, element, "float32");
  const plusStep = writeWord(x.ptr, element, "float32", original + step) - original;
  const plus = objective();
  const minusStep = original - writeWord(x.ptr, element, "float32", original - step);
  const minus = objective();
  writeWord(x.ptr, element, "float32", original);
  return (plus - minus) / (plusStep + minusStep);
}

function directionalDifference(
  xs: Tensor[],
  directions: Float64Array[],
  objective: () => number,
  step: number,
): number {
  const originals = xs.map((x) => x.data() as Float32Array);
  const shift = (sign: number) =>
    xs.forEach((x, k) => {
      const moved = originals[k].map((v, e) => v + sign * step * directions[k][e]);
      writeWords(x.ptr, moved, "float32");
    });
  shift(1);
  const plus = objective();
  shift(-1);
  const minus = objective();
  xs.forEach((x, k) => writeWords(x.ptr, originals[k], "float32"));
  return (plus - minus) / (2 * step);
}
