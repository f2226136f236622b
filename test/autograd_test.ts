/** The autodiff engine: accumulation, reuse, retainGrad, detach, noGrad, functional grad, toDot. */
import assert from "node:assert/strict";
import {
  F,
  grad,
  noGrad,
  randn,
  type Tensor,
  tensor,
  toDot,
  valueAndGrad,
} from "../runtime/mod.ts";
import { assertClose } from "./helpers.ts";

Deno.test("a tensor used twice gets the sum of both paths' gradients", () => {
  const x = tensor([2, -3], { requiresGrad: true });
  F.sum(F.add(F.mul(x, x), x)).backward(); // d/dx (x² + x) = 2x + 1
  assertClose(x.grad!, [5, -5]);
});

Deno.test("x + x and x · x (the same tensor on both sides)", () => {
  const x = tensor([1.5, 4], { requiresGrad: true });
  F.sum(F.add(x, x)).backward();
  assertClose(x.grad!, [2, 2]);
  x.grad = null;
  F.sum(F.mul(x, x)).backward();
  assertClose(x.grad!, [3, 8]);
});

Deno.test("gradients accumulate across backward() calls until zeroed", () => {
  const w = tensor([1, 2, 3], { requiresGrad: true });
  const held = (() => {
    F.sum(F.mul(w, 2)).backward();
    return w.grad!;
  })();
  F.sum(F.mul(w, 3)).backward();
  assertClose(w.grad!, [5, 5, 5]);
  assert.equal(w.grad, held, "accumulation happens in place, so a held .grad stays valid");
  w.grad = null;
  F.sum(w).backward();
  assertClose(w.grad!, [1, 1, 1]);
});

Deno.test("a diamond graph sums the gradients of both branches", () => {
  const x = tensor([0.5], { requiresGrad: true });
  const a = F.exp(x), b = F.mul(x, 3);
  F.sum(F.mul(a, b)).backward(); // d/dx (3x eˣ) = 3eˣ(1 + x)
  assertClose(x.grad!, [3 * Math.exp(0.5) * 1.5], { rtol: 1e-6 });
});

Deno.test("retainGrad keeps the gradient of an intermediate tensor", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const hidden = F.mul(x, 3).retainGrad();
  const other = F.mul(x, 5);
  F.sum(F.mul(hidden, hidden)).backward();
  assertClose(hidden.grad!, [6, 12]);
  assert.equal(other.grad, null);
});

Deno.test("detach cuts the graph; noGrad records nothing", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = F.add(F.mul(x.detach(), 10), x);
  F.sum(y).backward();
  assertClose(x.grad!, [1, 1]);
  const z = noGrad(() => F.mul(x, 2));
  assert.equal(z.requiresGrad, false);
  assert.equal(z.node, null);
  assert.throws(() => z.backward(), /does not require grad/);
});

Deno.test("backward on a non-scalar needs an upstream gradient of the same shape", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = F.mul(x, x);
  assert.throws(() => y.backward(), /shape \[2, 2\].*one-element/);
  assert.throws(() => y.backward(tensor([1, 1])), /gradient has shape \[2\]/);
  y.backward(tensor([[1, 0], [0, 1]]));
  assertClose(x.grad!, [[2, 0], [0, 8]]);
});

Deno.test("grad(f) differentiates a function and leaves .grad alone", () => {
  const w = tensor([1, -2, 3], { requiresGrad: true });
  const dSquare = grad((x: Tensor) => F.sum(F.square(x)));
  assertClose(dSquare(w), [2, -4, 6]);
  assert.equal(w.grad, null);
});

Deno.test("valueAndGrad with several argnums", () => {
  const x = tensor([1, 2]), y = tensor([3, 5]);
  const [value, [gx, gy]] = valueAndGrad((a: Tensor, b: Tensor) => F.sum(F.mul(a, b)), {
    argnums: [0, 1],
  })(x, y);
  assertClose(value, [13]);
  assertClose(gx, [3, 5]);
  assertClose(gy, [1, 2]);
  assert.throws(() => grad((a: Tensor) => F.mul(a, 2))(x), /one-element tensor/);
});

Deno.test("grad of grad's input that the function ignores is zero", () => {
  const g = grad((_a: Tensor, b: Tensor) => F.sum(b), { argnums: 0 })(tensor([1, 2]), tensor([3]));
  assertClose(g, [0, 0]);
});

Deno.test("toDot names ops and shapes and draws every edge", () => {
  const x = randn([64, 784]);
  const w = randn([784, 10], { requiresGrad: true });
  w.name = "w";
  const labels = tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10), { dtype: "int32" });
  const loss = F.crossEntropy(x.matmul(w), labels);
  loss.backward();
  assert.equal(w.grad!.shape.join(), "784,10");
  const dot = toDot(loss);
  assert.match(dot, /^digraph "autodiff" \{/);
  for (const op of ["matmul", "logSoftmax", "gather", "mean"]) {
    assert.match(dot, new RegExp(`label="${op}"`));
  }
  assert.match(dot, /label="w\\n\[784, 10\]\\nleaf · requires grad"/);
  assert.match(dot, /\[64, 10\]/);
  const edges = dot.split("\n").filter((l) => l.includes("->"));
  // every op node has an edge out, and every edge's ends are declared
  const declared = new Set(dot.split("\n").map((l) => l.trim().split(" ")[0]));
  for (const edge of edges) {
    const [from, to] = edge.trim().replace(";", "").split(" -> ");
    assert.ok(declared.has(from) && declared.has(to), `edge ${edge} has an undeclared end`);
  }
});

Deno.test("backward() through a disposed intermediate is an error naming it, not a cut graph", () => {
  const w = tensor([1, 2, 3], { requiresGrad: true });
  const h = w.mul(w);
  const loss = h.sum();
  h.dispose();
  assert.throws(
    () => loss.backward(),
    /backward\(\): tensor #\d+ \[3\] \(the output of mul\) was disposed before backward\(\) ran/,
  );
  assert.equal(w.grad, null);
  // Without the dispose, the same graph gives dloss/dw = 2w.
  const h2 = w.mul(w);
  h2.sum().backward();
  assert.deepEqual((w.grad as Tensor | null)?.toArray(), [2, 4, 6]);
});

Deno.test("backward() to a disposed leaf is an error naming the leaf", () => {
  const w = tensor([1, 2], { requiresGrad: true });
  w.name = "fc.weight";
  const loss = w.mul(w).sum();
  w.dispose();
  assert.throws(() => loss.backward(), /\(a leaf "fc\.weight"\) was disposed/);
  assert.throws(
    () => grad((x: Tensor) => x.mul(x).sum())(w),
    /was disposed/,
  );
});
