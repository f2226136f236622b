/**
 * Reverse-mode autodiff over the recorded graph: `record` attaches a node to an op's output (while
 * recording is on and some input requires grad); `runBackward` sorts the graph topologically and
 * walks it in reverse, summing the gradients of tensors used more than once.
 */
import type { Tensor } from "../tensor.ts";
import type { BackwardFn } from "./node.ts";
import { isGradEnabled, withGradMode } from "./grad_mode.ts";
import { untrackTensor } from "../backend/scope.ts";
import { formatShape, sameShape } from "../shape.ts";
import { addInPlaceOrNew, onesLikeShape } from "./accumulate.ts";

/**
 * Records `out` as produced by `op` from `inputs`, with `backward` giving the inputs' gradients.
 * Does nothing when recording is off or no input requires grad. Returns `out`.
 */
export function record(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  backward: BackwardFn,
): Tensor {
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, backward };
  return out;
}

/** Topological order (inputs before outputs) of the tensors `root` depends on through grad-requiring paths. */
export function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const inputs = frame.tensor.node?.inputs ?? [];
    if (frame.next < inputs.length) {
      const input = inputs[frame.next++];
      if (input.requiresGrad && !visited.has(input)) {
        visited.add(input);
        stack.push({ tensor: input, next: 0 });
      }
    } else {
      order.push(frame.tensor);
      stack.pop();
    }
  }
  return order;
}

/**
 * Implements `tensor.backward(gradient?)`. With `targets`, the gradients of those tensors are
 * returned instead of being added to leaves' `.grad` (no `.grad` is touched); the functional
 * `grad` uses this.
 */
export function runBackward(
  root: Tensor,
  gradient?: Tensor,
  targets?: readonly Tensor[],
): Map<Tensor, Tensor> {
  const captured = new Map<Tensor, Tensor>();
  const wanted = new Set(targets ?? []);
  if (!root.requiresGrad) {
    throw new Error(
      "backward(): this tensor does not require grad: no input of the computation that made it " +
        "had requiresGrad set (or it was computed inside noGrad)",
    );
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new Error(
        `backward(): the tensor has shape ${formatShape(root.shape)}; backward() without an ` +
          "argument needs a one-element tensor (reduce it with sum() or mean() first, or pass " +
          "the upstream gradient)",
      );
    }
    seed = withGradMode(false, () => onesLikeShape(root.shape));
  } else {
    if (!sameShape(gradient.shape, root.shape)) {
      throw new Error(
        `backward(): the gradient has shape ${formatShape(gradient.shape)} but the tensor has ` +
          `shape ${formatShape(root.shape)}`,
      );
    }
    seed = gradient.alias(gradient.shape);
  }
  const order = topologicalOrder(root);
  checkNotDisposed(order);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  withGradMode(false, () => {
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i];
      const g = grads.get(tensor);
      if (g === undefined) continue;
      grads.delete(tensor);
      const node = tensor.node;
      if (targets !== undefined) {
        if (wanted.has(tensor)) captured.set(tensor, g.alias(g.shape));
        if (node === null) {
          g.dispose();
          continue;
        }
      } else if (node === null) {
        storeGrad(tensor, g);
        continue;
      } else if (tensor.retainsGrad) {
        storeGrad(tensor, g.alias(g.shape));
      }
      const inputGrads = node.backward(g);
      const handedOut = new Set<Tensor>();
      node.inputs.forEach((input, k) => {
        let r = inputGrads[k] ?? null;
        if (r === null) return;
        if (!input.requiresGrad) {
          if (r !== g && !handedOut.has(r)) r.dispose();
          return;
        }
        if (!sameShape(r.shape, input.shape)) {
          throw new Error(
            `internal error in the gradient of ${node.op}: input ${k} has shape ` +
              `${formatShape(input.shape)} but its gradient has shape ${formatShape(r.shape)}`,
          );
        }
        // Every gradient handed on must be its own tensor object: alias shared ones.
        if (r === g || handedOut.has(r)) r = r.alias(r.shape);
        handedOut.add(r);
        const existing = grads.get(input);
        grads.set(input, existing === undefined ? r : addInPlaceOrNew(existing, r));
      });
      if (!handedOut.has(g)) g.dispose();
    }
  });
  return captured;
}

/**
 * A disposed tensor on the path would cut the graph without a word (its node is gone, so the
 * gradient would stop there): refuse the walk instead, naming the tensor.
 */
function checkNotDisposed(order: readonly Tensor[]): void {
  const disposed = order.find((t) => t.isDisposed);
  if (disposed === undefined) return;
  const what = disposed.disposedOp !== null
    ? `the output of ${disposed.disposedOp}`
    : `a leaf${disposed.name ? ` "${disposed.name}"` : ""}`;
  throw new Error(
    `backward(): tensor #${disposed.id} ${formatShape(disposed.shape)} (${what}) was disposed ` +
      "before backward() ran, so the gradient cannot flow through it; dispose intermediates " +
      "after backward(), or run the whole step inside scope(), which frees them when it returns",
  );
}

/** Adds g into tensor.grad (taking ownership of g) and exempts the gradient from scopes. */
function storeGrad(tensor: Tensor, g: Tensor): void {
  const total = tensor.grad === null ? g : addInPlaceOrNew(tensor.grad, g);
  tensor.grad = total;
  untrackTensor(total);
}
