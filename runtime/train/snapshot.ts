/** Copies of a model's parameters and buffers, kept outside every scope (for best-weights restore). */
import type { Tensor } from "../tensor.ts";
import type { Module } from "../nn/module.ts";
import { cast } from "../backend/kernels/fill.ts";
import { keep } from "../backend/scope.ts";

/** A copy of `model.stateDict()` that later training does not change. */
export function snapshotState(model: Module): Map<string, Tensor> {
  const copies = new Map<string, Tensor>();
  for (const [name, t] of model.stateDict()) copies.set(name, keep(cast(t, t.dtype)));
  return copies;
}

/** Frees a snapshot. */
export function disposeState(state: Map<string, Tensor>): void {
  for (const t of state.values()) t.dispose();
  state.clear();
}
