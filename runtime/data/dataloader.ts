/** `DataLoader`: batches of a dataset, in order or shuffled by its own seeded generator. */
import type { Tensor } from "../tensor.ts";
import { rand } from "../ops/creation.ts";
import type { Dataset } from "./dataset.ts";
import { permutation } from "./shuffle.ts";
import { checkOptions, type OptionKeys } from "../options.ts";

/** Options of a DataLoader; the defaults are PyTorch's. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A new random order every epoch (default false). */
  shuffle?: boolean;
  /**
   * Seed of the shuffle (a non-negative integer). Without one, a seed is drawn from the global
   * generator when the loader is made, so `manualSeed` governs it.
   */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Applied to each batch (e.g. one-hot labels); inputs it does not return are disposed. */
  transform?: (batch: Tensor[]) => Tensor[];
}

const DATALOADER_KEYS: OptionKeys<DataLoaderOptions> = {
  batchSize: true,
  shuffle: true,
  seed: true,
  dropLast: true,
  transform: true,
};

/**
 * Iterates a dataset in batches; each iteration is one epoch. With `shuffle`, epoch e visits the
 * samples in an order fixed by (seed, e), so runs repeat and a resumed run (set `epoch`) continues
 * with the orders it would have seen. Every sample appears once per epoch.
 *
 * Batch tensors are made when the iterator advances, in the scope open at that moment. A training
 * step that should free its batch makes the batch inside its scope:
 * @example
 * const loader = new DataLoader(new TensorDataset(images, labels), { batchSize: 64, shuffle: true, seed: 0 });
 * for (const rows of loader.batchIndices(epoch)) {
 *   scope(() => {
 *     const [x, y] = loader.batch(rows);
 *     const loss = F.crossEntropy(model.call(x), y);
 *     optimizer.zeroGrad(); loss.backward(); optimizer.step();
 *   });
 * }
 * // or, when each batch is disposed by hand: for (const [x, y] of loader) { ... }
 */
export class DataLoader implements Iterable<Tensor[]> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch has its own random order. */
  readonly shuffle: boolean;
  /** The shuffle's seed. */
  readonly seed: number;
  /** Whether a final short batch is dropped. */
  readonly dropLast: boolean;
  /** The epoch the next iteration runs (starts at 0; set it to resume). */
  epoch = 0;
  private readonly transform: ((batch: Tensor[]) => Tensor[]) | undefined;

  constructor(readonly dataset: Dataset, options: DataLoaderOptions = {}) {
    checkOptions("DataLoader", options, DATALOADER_KEYS);
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    const seed = options.seed ?? (shuffle ? drawSeed() : 0);
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`DataLoader: seed must be a non-negative integer, got ${seed}`);
    }
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    this.transform = options.transform;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The sample indices of each batch of `epoch`, in order (no tensors are made). */
  batchIndices(epoch = this.epoch): Int32Array[] {
    const n = this.dataset.length;
    const order = this.shuffle
      ? permutation(n, this.seed, epoch)
      : Int32Array.from({ length: n }, (_, i) => i);
    const batches: Int32Array[] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const rows = order.subarray(start, Math.min(start + this.batchSize, n));
      if (rows.length < this.batchSize && this.dropLast) break;
      batches.push(rows);
    }
    return batches;
  }

  /** The batch of the samples at `rows`, transformed; made in the current scope. */
  batch(rows: Int32Array): Tensor[] {
    const batch = this.dataset.getBatch(rows);
    if (this.transform === undefined) return batch;
    const out = this.transform(batch);
    for (const t of batch) if (!out.includes(t)) t.dispose();
    return out;
  }

  /** One epoch of batches (runs epoch `this.epoch`, then advances it). */
  *[Symbol.iterator](): Iterator<Tensor[]> {
    for (const rows of this.batchIndices(this.epoch++)) yield this.batch(rows);
  }
}

/** A 48-bit seed from the global generator (two 24-bit uniform draws). */
function drawSeed(): number {
  const draws = rand([2]);
  const [high, low] = draws.data();
  draws.dispose();
  return Math.floor(high * 2 ** 24) * 2 ** 24 + Math.floor(low * 2 ** 24);
}
