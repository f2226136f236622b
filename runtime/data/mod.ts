/**
 * Data: IDX files (raw or gzip), MNIST, datasets, a seeded data loader, and batch transforms.
 * @example
 * const { train } = await mnist({ normalize: true, limit: 5000 });
 * const loader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: 64, shuffle: true, seed: 1 });
 * for (const [x, y] of loader) { ... }
 */
export {
  decodeIdx,
  type IdxArray,
  type IdxData,
  type IdxDType,
  type IdxOptions,
  parseIdx,
  readIdx,
  tensorFromIdx,
} from "./idx.ts";
export { gunzip, isGzip } from "./gzip.ts";
export {
  mnist,
  MNIST_MEAN,
  MNIST_STD,
  type MnistOptions,
  type MnistSplit,
  mnistSplit,
} from "./mnist.ts";
export { type Dataset, TensorDataset } from "./dataset.ts";
export { DataLoader, type DataLoaderOptions } from "./dataloader.ts";
export { permutation, ShuffleGenerator } from "./shuffle.ts";
export { normalize, oneHot } from "./transforms.ts";
export { selectRows } from "./rows.ts";
