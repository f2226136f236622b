/**
 * What `fit` and `evaluate` read data from: any iterable (or async iterable) of batches, each
 * `{ x, y }` or `[x, y]`, or a function that returns a fresh one per epoch. Every batch runs in
 * its own memory scope.
 */
import type { Tensor } from "../tensor.ts";
import { scope } from "../backend/scope.ts";

/** One batch: inputs x (first dim = samples) and targets y. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}

/**
 * A batch as an object `{ x, y }` or a pair `[x, y]` (as a DataLoader yields `Tensor[]`; other
 * lengths are refused when read).
 */
export type BatchLike = Batch | readonly Tensor[];

/** A sequence of batches: an array, a DataLoader, a generator, or an async one. */
export type BatchSource = Iterable<BatchLike> | AsyncIterable<BatchLike>;

/**
 * Batches for training or evaluation: a source, or a function returning a fresh source each epoch.
 *
 * Memory: with a synchronous source, each batch is fetched inside its step's scope, so tensors the
 * source creates for a batch are freed after the step while tensors that existed before (an
 * array of batches reused every epoch) are left alone; a source must therefore `keep()` any tensor
 * it creates lazily and reuses later. Tensors yielded by an async source belong to the trainer
 * and are disposed after their step.
 * @example
 * const data: Batches = [{ x: features, y: labels }];          // full batch, every epoch
 * const shuffled: Batches = () => loader;                       // a DataLoader yielding [x, y]
 */
export type Batches = BatchSource | (() => BatchSource);

function isTensor(value: unknown): value is Tensor {
  return typeof value === "object" && value !== null && "shape" in value && "backward" in value;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object" && value !== null) {
    return `an object with keys ${JSON.stringify(Object.keys(value))}`;
  }
  return String(value);
}

/** Reads `{ x, y }` or `[x, y]`; `where` names the batch in the error. */
export function toBatch(value: unknown, where: string): Batch {
  if (Array.isArray(value) && value.length === 2 && isTensor(value[0]) && isTensor(value[1])) {
    return { x: value[0], y: value[1] };
  }
  if (typeof value === "object" && value !== null && "x" in value && "y" in value) {
    const { x, y } = value as { x: unknown; y: unknown };
    if (isTensor(x) && isTensor(y)) return { x, y };
  }
  throw new TypeError(
    `${where}: expected a batch { x, y } or [x, y] of Tensors, got ${describe(value)}`,
  );
}

/** The source of this epoch (calls the function form). */
export function openBatches(batches: Batches, where: string): BatchSource {
  const source = typeof batches === "function" ? batches() : batches;
  if (
    typeof source !== "object" || source === null ||
    !(Symbol.iterator in source || Symbol.asyncIterator in source)
  ) {
    throw new TypeError(
      `${where}: expected an iterable of batches (or a function returning one), got ` +
        describe(source),
    );
  }
  return source;
}

/** The number of batches when the source knows it (an array, or a `length` like a DataLoader's). */
export function batchCount(source: BatchSource): number | undefined {
  const length = (source as { length?: unknown }).length;
  return typeof length === "number" && Number.isInteger(length) && length >= 0 ? length : undefined;
}

/** Samples in a batch: the first dim of x. */
export function batchSize(batch: Batch): number {
  return batch.x.ndim === 0 ? 1 : batch.x.shape[0];
}

/**
 * Runs `step` on each batch in its own scope and yields what it returns (plain values: tensors
 * it returns are freed). Stopping the loop early closes the source.
 */
export async function* scopedSteps<R>(
  source: BatchSource,
  where: (index: number) => string,
  step: (batch: Batch, index: number) => R,
): AsyncGenerator<R> {
  if (Symbol.iterator in source) {
    const iterator = source[Symbol.iterator]();
    try {
      for (let index = 0;; index++) {
        const outcome = scope(() => {
          const next = iterator.next();
          if (next.done) return null;
          return { value: step(toBatch(next.value, where(index)), index) };
        });
        if (outcome === null) return;
        yield outcome.value;
      }
    } finally {
      iterator.return?.();
    }
  }
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (let index = 0;; index++) {
      const next = await iterator.next();
      if (next.done) return;
      const batch = toBatch(next.value, where(index));
      try {
        yield scope(() => step(batch, index));
      } finally {
        batch.x.dispose();
        batch.y.dispose();
      }
    }
  } finally {
    await iterator.return?.();
  }
}
