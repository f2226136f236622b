/** Shared assertions for tests: elementwise closeness with a tolerance that states its meaning. */
import assert from "node:assert/strict";
import type { NestedArray, Tensor } from "../runtime/mod.ts";

/** Flattens nested arrays or a tensor into plain numbers. */
export function values(x: Tensor | NestedArray | ArrayLike<number>): number[] {
  if (typeof x === "number") return [x];
  if (Array.isArray(x)) return (x as NestedArray[]).flat(Infinity as 1) as number[];
  if (ArrayBuffer.isView(x)) return Array.from(x as ArrayLike<number>);
  return Array.from((x as Tensor).data());
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (and equal sizes), reporting the
 * first element that is off.
 */
export function assertClose(
  actual: Tensor | NestedArray | ArrayLike<number>,
  expected: Tensor | NestedArray | ArrayLike<number>,
  { atol = 1e-6, rtol = 1e-5 }: { atol?: number; rtol?: number } = {},
): void {
  const a = values(actual), e = values(expected);
  assert.equal(a.length, e.length, `sizes differ: ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = Object.is(a[i], e[i]) || Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    assert.ok(ok, `element ${i}: got ${a[i]}, expected ${e[i]} (atol ${atol}, rtol ${rtol})`);
  }
}

/**
 * A Tensor as `using` sees it. Tensor has [Symbol.dispose], but Deno's type check sometimes
 * resolves that member's symbol apart from lib's Disposable, depending on the order it visits the
 * program's files (TS2850); the tests that exercise `using` name the type they rely on.
 */
export type DisposableTensor = Tensor & Disposable;
