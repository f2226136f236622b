/**
 * `AttentionCache`: the keys and values a self-attention layer has computed for earlier
 * positions, so that generating one more token costs attention over one new query instead of
 * the whole prefix again.
 */
import type { Tensor } from "../tensor.ts";
import { keep } from "../backend/scope.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { cat } from "../ops/shape_ops.ts";

/**
 * Keys and values [batch, heads, positions, headDim] of one attention layer, grown by `append`.
 * For inference only (run under `noGrad`): the cached tensors live outside every scope until
 * `dispose()`.
 * @example const caches = model.newCache(); noGrad(() => model.forwardCached(tokens, caches));
 */
export class AttentionCache {
  key: Tensor | null = null;
  value: Tensor | null = null;

  /** Positions held so far. */
  get length(): number {
    return this.key === null ? 0 : this.key.shape[2];
  }

  /** Adds this step's keys and values after the held ones and returns all of them. */
  append(key: Tensor, value: Tensor): { key: Tensor; value: Tensor } {
    if (isGradEnabled() && (key.requiresGrad || value.requiresGrad)) {
      throw new Error(
        "AttentionCache: the cache is for inference; run the cached forward pass under noGrad",
      );
    }
    const nextKey = keep(this.key === null ? cat([key], 2) : cat([this.key, key], 2));
    const nextValue = keep(this.value === null ? cat([value], 2) : cat([this.value, value], 2));
    this.dispose();
    this.key = nextKey;
    this.value = nextValue;
    return { key: nextKey, value: nextValue };
  }

  /** Frees the held keys and values; the cache is empty afterwards. */
  dispose(): void {
    this.key?.dispose();
    this.value?.dispose();
    this.key = null;
    this.value = null;
  }
}
