/**
 * The TensorFlow.js side of the training benchmark (scripts/bench/train.ts), in a module of its
 * own so that the benchmark loads TF.js only after our side has run and its RSS was sampled.
 */
import * as tf from "@tensorflow/tfjs";
import { useTfjsWasm } from "./tfjs_peer.ts";
import { tfjsMnistCnn } from "./tfjs_models.ts";
import { DATASET_SIZE, labelsOf, POOL, STEPS, timeSteps, type Timing } from "./train.ts";
import { NOISE_DIM } from "../examples/dcgan.ts";

/** Top and left padding of a TF.js conv (a number, "same", "valid" or explicit NHWC pairs). */
function padBefore(
  pad: unknown,
  [height, width]: [number, number],
  [outHeight, outWidth]: [number, number],
  kernel: [number, number],
  stride: [number, number],
): [number, number] {
  if (typeof pad === "number") return [pad, pad];
  if (pad === "valid") return [0, 0];
  if (pad === "same") {
    const total = (size: number, out: number, k: number, s: number) =>
      Math.max((out - 1) * s + k - size, 0);
    return [
      Math.floor(total(height, outHeight, kernel[0], stride[0]) / 2),
      Math.floor(total(width, outWidth, kernel[1], stride[1]) / 2),
    ];
  }
  const explicit = pad as number[][];
  return [explicit[1][0], explicit[2][0]];
}

/**
 * Registers Conv2DBackpropFilter on TF.js's wasm backend, from its forward conv:
 * dW[i, j, ci, co] = Σ_{n, oh, ow} x[n, oh·s − p + i, ow·s − p + j, ci] · dy[n, oh, ow, co], i.e.
 * x as [ci, H, W, n] convolved with dy as a filter [oh, ow, n, co] dilated by the stride, padded so
 * that the output is exactly kH×kW, then transposed to [kH, kW, ci, co].
 */
function registerFilterGradient(): void {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs }) => {
      const x = inputs.x as tf.Tensor4D, dy = inputs.dy as tf.Tensor4D;
      const { strides, pad, filterShape, dataFormat } = attrs as unknown as {
        strides: number | [number, number];
        pad: unknown;
        filterShape: [number, number, number, number];
        dataFormat: string;
      };
      if (dataFormat !== "NHWC") {
        throw new Error(`Conv2DBackpropFilter (bench): only NHWC, got ${dataFormat}`);
      }
      const [s0, s1] = typeof strides === "number" ? [strides, strides] : strides;
      const [kh, kw] = filterShape;
      const [, height, width] = x.shape;
      const [, outHeight, outWidth] = dy.shape;
      const [top, left] = padBefore(pad, [height, width], [outHeight, outWidth], [kh, kw], [
        s0,
        s1,
      ]);
      return tf.tidy(() => {
        const bottom = kh - height - top + s0 * (outHeight - 1);
        const right = kw - width - left + s1 * (outWidth - 1);
        const images = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
        const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
        const out = tf.conv2d(
          images,
          filter,
          1,
          [[0, 0], [top, bottom], [left, right], [0, 0]],
          "NHWC",
          [s0, s1],
        );
        return tf.transpose(out, [1, 2, 0, 3]);
      });
    },
  });
}

export async function startTfjs(): Promise<void> {
  await useTfjsWasm();
  registerFilterGradient();
}

function tfjsStep(
  optimizer: tf.Optimizer,
  loss: () => tf.Scalar,
  varList?: tf.Variable[],
): void {
  tf.tidy(() => {
    optimizer.minimize(loss, false, varList);
  });
}

export function tfjsW2(): Timing {
  const images = tf.randomNormal([DATASET_SIZE, 784]);
  const labels = tf.oneHot(tf.tensor1d(labelsOf(DATASET_SIZE, 0), "int32"), 10);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 256, activation: "relu", inputShape: [784] }),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: 10 }),
    ],
  });
  const optimizer = tf.train.momentum(0.02, 0.9);
  const order = tf.util.createShuffledIndices(DATASET_SIZE);
  const timing = timeSteps(STEPS.w2.warmup, STEPS.w2.tfjs, (i) =>
    tfjsStep(optimizer, () => {
      const start = (i * 128) % (DATASET_SIZE - 128);
      const rows = tf.tensor1d(Int32Array.from(order.subarray(start, start + 128)), "int32");
      const x = tf.gather(images, rows), y = tf.gather(labels, rows);
      return tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar;
    }));
  tf.dispose([images, labels]);
  model.dispose();
  optimizer.dispose();
  return timing;
}

export function tfjsW3(): Timing {
  const batches = Array.from({ length: POOL }, (_, i) => [
    tf.randomNormal([64, 28, 28, 1]),
    tf.oneHot(tf.tensor1d(labelsOf(64, i), "int32"), 10),
  ]);
  const model = tfjsMnistCnn();
  const optimizer = tf.train.adam(1e-3);
  const timing = timeSteps(STEPS.w3.warmup, STEPS.w3.tfjs, (i) => {
    const [x, y] = batches[i % POOL];
    tfjsStep(optimizer, () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor));
  });
  tf.dispose(batches.flat());
  model.dispose();
  optimizer.dispose();
  return timing;
}

/** The DCGAN of dcgan.ts in tf.layers (LeakyReLU 0.3, BN momentum as PyTorch's 0.1). */
function tfjsDcgan(): { generator: tf.Sequential; discriminator: tf.Sequential } {
  const norm = () => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const leaky = () => tf.layers.leakyReLU({ alpha: 0.3 });
  const up = (filters: number, strides: number, activation?: "tanh") =>
    tf.layers.conv2dTranspose({
      filters,
      kernelSize: 5,
      strides,
      padding: "same",
      useBias: false,
      activation,
    });
  const generator = tf.sequential({
    layers: [
      tf.layers.dense({ units: 7 * 7 * 256, useBias: false, inputShape: [NOISE_DIM] }),
      norm(),
      leaky(),
      tf.layers.reshape({ targetShape: [7, 7, 256] }),
      up(128, 1),
      norm(),
      leaky(),
      up(64, 2),
      norm(),
      leaky(),
      up(1, 2, "tanh"),
    ],
  });
  const down = (filters: number, first = false) =>
    tf.layers.conv2d({
      filters,
      kernelSize: 5,
      strides: 2,
      padding: "same",
      ...(first ? { inputShape: [28, 28, 1] } : {}),
    });
  const discriminator = tf.sequential({
    layers: [
      down(64, true),
      leaky(),
      tf.layers.dropout({ rate: 0.3 }),
      down(128),
      leaky(),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1 }),
    ],
  });
  return { generator, discriminator };
}

export function tfjsW4(): Timing {
  const batches = Array.from({ length: POOL }, () => tf.tanh(tf.randomNormal([64, 28, 28, 1])));
  const { generator, discriminator } = tfjsDcgan();
  const generatorOptimizer = tf.train.adam(2e-4, 0.5, 0.999);
  const discriminatorOptimizer = tf.train.adam(2e-4, 0.5, 0.999);
  const generatorVariables = generator.trainableWeights.map((w) => w.read() as tf.Variable);
  const discriminatorVariables = discriminator.trainableWeights.map((w) => w.read() as tf.Variable);
  const ones = tf.ones([64, 1]), zeros = tf.zeros([64, 1]);
  const training = { training: true };
  const timing = timeSteps(STEPS.w4.warmup, STEPS.w4.tfjs, (i) =>
    tf.tidy(() => {
      const real = batches[i % POOL];
      const noise = tf.randomNormal([64, NOISE_DIM]);
      const fake = generator.apply(noise, training) as tf.Tensor;
      tfjsStep(discriminatorOptimizer, () => {
        const realLogits = discriminator.apply(real, training) as tf.Tensor;
        const fakeLogits = discriminator.apply(fake, training) as tf.Tensor;
        return tf.add(
          tf.losses.sigmoidCrossEntropy(ones, realLogits),
          tf.losses.sigmoidCrossEntropy(zeros, fakeLogits),
        ) as tf.Scalar;
      }, discriminatorVariables);
      tfjsStep(generatorOptimizer, () => {
        const logits = discriminator.apply(generator.apply(noise, training), training);
        return tf.losses.sigmoidCrossEntropy(ones, logits as tf.Tensor) as tf.Scalar;
      }, generatorVariables);
    }));
  tf.dispose([...batches, ones, zeros]);
  generator.dispose();
  discriminator.dispose();
  generatorOptimizer.dispose();
  discriminatorOptimizer.dispose();
  return timing;
}
