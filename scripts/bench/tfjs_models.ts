/**
 * The networks the benchmarks build in TensorFlow.js, written once: the W3 CNN as TF.js users
 * write it (`tf.layers`, NHWC, conv and dense fused with their ReLU).
 */
import * as tf from "@tensorflow/tfjs";

/** The mnist-cnn network (conv 5×5 32, max-pool, conv 5×5 64, max-pool, dense 128, dense 10). */
export function tfjsMnistCnn(): tf.Sequential {
  const conv = (filters: number, first = false) =>
    tf.layers.conv2d({
      filters,
      kernelSize: 5,
      padding: "same",
      activation: "relu",
      ...(first ? { inputShape: [28, 28, 1] } : {}),
    });
  return tf.sequential({
    layers: [
      conv(32, true),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: "relu" }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}
