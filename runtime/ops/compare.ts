/** Comparisons (masks of 1/0 as float32), `where`, and elementwise maximum/minimum. */
import type { Tensor } from "../tensor.ts";
import { BinaryOp, UnaryOp } from "../backend/kernels/elementwise.ts";
import { binary, unary, whereKernel } from "../backend/kernels/elementwise.ts";
import { filled } from "../backend/kernels/fill.ts";
import { record } from "../autograd/engine.ts";
import { expectFloat, sumToShape, toTensor } from "./broadcast.ts";

function comparison(op: string, code: number) {
  return (a: Tensor, b: Tensor | number): Tensor => {
    const other = toTensor(b);
    expectFloat(op, a, other);
    return binary(op, code, a, other);
  };
}

/** 1 where a == b, else 0 (float32; no gradient). */
export const eq = comparison("eq", BinaryOp.Eq);
/** 1 where a != b, else 0. */
export const ne = comparison("ne", BinaryOp.Ne);
/** 1 where a < b, else 0. */
export const lt = comparison("lt", BinaryOp.Lt);
/** 1 where a <= b, else 0. */
export const le = comparison("le", BinaryOp.Le);
/** 1 where a > b, else 0. */
export const gt = comparison("gt", BinaryOp.Gt);
/** 1 where a >= b, else 0. */
export const ge = comparison("ge", BinaryOp.Ge);

/**
 * Picks a where cond is nonzero and b elsewhere, with broadcasting of all three; the gradient
 * goes to a where cond holds and to b elsewhere.
 * @example where(gt(x, 0), x, mul(x, 0.1)) // a leaky ReLU
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const x = toTensor(a), y = toTensor(b);
  expectFloat("where", cond, x, y);
  const out = whereKernel(cond, x, y);
  return record(out, "where", [x, y], (g) => {
    const zero = filled([], 0);
    const pick = (t: Tensor, first: Tensor, second: Tensor): Tensor | null => {
      if (!t.requiresGrad) return null;
      const selected = whereKernel(cond, first, second);
      const reduced = sumToShape(selected, t.shape);
      if (reduced !== selected) selected.dispose();
      return reduced;
    };
    const grads = [pick(x, g, zero), pick(y, zero, g)];
    zero.dispose();
    return grads;
  });
}

function extremum(op: string, code: number, winsCode: number) {
  return (a: Tensor, b: Tensor | number): Tensor => {
    const other = toTensor(b);
    expectFloat(op, a, other);
    const out = binary(op, code, a, other);
    // The larger (smaller) input takes the gradient; a tie splits it in half, as in PyTorch.
    return record(out, op, [a, other], (g) => {
      const share = (self: Tensor, rival: Tensor): Tensor | null => {
        if (!self.requiresGrad) return null;
        const wins = binary(op, winsCode, self, rival);
        const ties = binary(op, BinaryOp.Eq, self, rival);
        const halfTies = unary(UnaryOp.MulScalar, ties, 0.5);
        const weight = binary(op, BinaryOp.Add, wins, halfTies);
        const weighted = binary(op, BinaryOp.Mul, g, weight);
        for (const t of [wins, ties, halfTies, weight]) t.dispose();
        const reduced = sumToShape(weighted, self.shape);
        if (reduced !== weighted) weighted.dispose();
        return reduced;
      };
      return [share(a, other), share(other, a)];
    });
  };
}

/** Elementwise maximum with broadcasting. */
export const maximum = extremum("maximum", BinaryOp.Maximum, BinaryOp.Gt);
/** Elementwise minimum with broadcasting. */
export const minimum = extremum("minimum", BinaryOp.Minimum, BinaryOp.Lt);
