/**
 * Grad-CAM (Selvaraju et al., 2017): where in the input a classifier looked for a class. A forward
 * hook captures the activations A [N, C, h, w] of a chosen layer; the class score (the logit y_c)
 * is back-propagated to them; each channel is weighted by its spatially averaged gradient
 * α_k = mean_ij ∂y_c/∂A_kij, and the map is ReLU(Σ_k α_k·A_k), upsampled bilinearly to the input's
 * size and divided by its maximum.
 */
import type { Tensor } from "../tensor.ts";
import { Module } from "./module.ts";
import { tensor } from "../ops/creation.ts";
import { argmax, max, mean, sum } from "../ops/reduce.ts";
import { clamp, div, mul } from "../ops/arithmetic.ts";
import { relu } from "../ops/activation.ts";
import { matmul } from "../ops/matmul.ts";
import { transpose } from "../ops/shape_ops.ts";
import { runBackward } from "../autograd/engine.ts";
import { withGradMode } from "../autograd/grad_mode.ts";
import { scope } from "../backend/scope.ts";
import { filled } from "../backend/kernels/fill.ts";
import { formatShape } from "../shape.ts";
import { checkOptions } from "../options.ts";

/** Options of `gradCam`. */
export interface GradCamOptions {
  /** The class explained for each input (its logit is the score); default the predicted class. */
  classes?: readonly number[] | Int32Array;
}

/** What `gradCam` returns (tensors the caller owns; free them with `dispose()` or a scope). */
export interface GradCamResult {
  /** The heatmaps [N, H, W] at the input's size, each in [0, 1] (all 0 where no evidence). */
  heatmap: Tensor;
  /** ReLU(Σ_k α_k·A_k) [N, h, w] at the layer's size, before upsampling and scaling. */
  cam: Tensor;
  /** Channel weights α [N, C]: the spatial mean of the gradients. */
  weights: Tensor;
  /** The layer's activations A [N, C, h, w]. */
  activations: Tensor;
  /** ∂score/∂A [N, C, h, w]. */
  gradients: Tensor;
  /** The model's output [N, classes]. */
  logits: Tensor;
  /** The class explained for each input. */
  classes: Int32Array;
}

/**
 * Grad-CAM heatmaps of `model` (a classifier of images [N, C, H, W] to logits [N, classes]) at
 * `layer` (a module inside it, or its name as `namedModules()` gives it, e.g. "4" or
 * "features.3"), whose output must be [N, C, h, w].
 *
 * The model runs in its current mode: call `model.eval()` first (in training mode dropout adds
 * noise and batch norm mixes the images of the batch). The hook is removed before this returns,
 * even on error. The gradient is taken as `grad()` takes it (the backward walk hands back the
 * gradient of the activations), not with `retainGrad()` and `backward()`, so no parameter's
 * `.grad` changes and a training step in progress is left as it was. A model whose parameters are
 * all frozen works too: the activations then become the leaf the gradient flows to.
 * @example
 * model.eval();
 * const { heatmap, classes } = nn.gradCam(model, "4", images); // heatmap [N, 28, 28] in [0, 1]
 */
export function gradCam(
  model: Module,
  layer: Module | string,
  inputs: Tensor,
  options: GradCamOptions = {},
): GradCamResult {
  checkOptions("gradCam", options, { classes: true });
  const target = resolveLayer(model, layer);
  if (inputs.ndim !== 4) {
    throw new Error(
      `gradCam: expected images [N, C, H, W], got shape ${formatShape(inputs.shape)}`,
    );
  }
  return scope(() => {
    const { activations, logits } = captureActivations(model, target, inputs);
    const classes = chosenClasses(logits, options.classes);
    const seed = oneHot(classes, logits.shape[1]);
    const gradients = runBackward(logits, seed, [activations]).get(activations) ??
      filled(activations.shape, 0); // the score may not depend on A at all (e.g. all-zero weights)
    const detached = activations.detach();
    const weights = mean(gradients, [2, 3]);
    const [n, c] = weights.shape;
    const cam = relu(sum(mul(detached, weights.alias([n, c, 1, 1])), 1));
    const [height, width] = inputs.shape.slice(2);
    const upsampled = upsampleBilinear(cam, height, width);
    const peak = max(upsampled, [1, 2], true);
    const heatmap = div(upsampled, clamp(peak, { min: 1e-30 }));
    return {
      heatmap,
      cam,
      weights,
      activations: detached,
      gradients,
      logits: logits.detach(),
      classes,
    };
  });
}

/** The layer as a module of `model`, or an error listing the names there are. */
function resolveLayer(model: Module, layer: Module | string): Module {
  const modules = model.namedModules();
  const found = typeof layer === "string"
    ? modules.find(([name]) => name === layer)?.[1]
    : modules.find(([, m]) => m === layer)?.[1];
  if (found === undefined) {
    const names = modules.map(([name, m]) => `"${name}" (${m.constructor.name})`).join(", ");
    const what = typeof layer === "string"
      ? `no layer named "${layer}"`
      : `the layer ${layer.constructor.name} is not part of it`;
    throw new Error(`gradCam: the model has ${what}; its layers are ${names}`);
  }
  return found;
}

/** Runs the model with grad on and a hook on `target`; the hook is always removed. */
function captureActivations(
  model: Module,
  target: Module,
  inputs: Tensor,
): { activations: Tensor; logits: Tensor } {
  const captured: Tensor[] = [];
  const remove = target.registerForwardHook((_module, _inputs, output) => {
    // With every parameter frozen nothing upstream records the graph: start it here.
    if (!output.requiresGrad) output.setRequiresGrad(true);
    captured.push(output);
  });
  let logits: Tensor;
  try {
    logits = withGradMode(true, () => model.call(inputs));
  } finally {
    remove();
  }
  const name = target.constructor.name;
  if (captured.length !== 1) {
    throw new Error(
      `gradCam: the target layer (${name}) ran ${captured.length} times in one forward pass; ` +
        "Grad-CAM needs a layer that runs exactly once",
    );
  }
  const activations = captured[0];
  const n = inputs.shape[0];
  if (activations.ndim !== 4 || activations.shape[0] !== n) {
    throw new Error(
      `gradCam: the target layer (${name}) gives shape ${formatShape(activations.shape)}; ` +
        `Grad-CAM needs spatial activations [${n}, C, h, w] (pick a convolution or the ` +
        "activation after it)",
    );
  }
  if (logits.ndim !== 2 || logits.shape[0] !== n) {
    throw new Error(
      `gradCam: the model's output has shape ${formatShape(logits.shape)}; expected logits ` +
        `[${n}, classes]`,
    );
  }
  if (!logits.requiresGrad) {
    throw new Error(
      `gradCam: the model's output does not depend on the target layer (${name}); pick a layer ` +
        "on the path from the input to the logits",
    );
  }
  return { activations, logits };
}

/** The given classes, checked, or the argmax of the logits. */
function chosenClasses(logits: Tensor, given: GradCamOptions["classes"]): Int32Array {
  const [n, count] = logits.shape;
  if (given === undefined) return argmax(logits, 1).data() as Int32Array;
  if (given.length !== n) {
    throw new Error(`gradCam: ${n} inputs but ${given.length} classes; give one class per input`);
  }
  const bad = Array.from(given).findIndex((c) => !Number.isInteger(c) || c < 0 || c >= count);
  if (bad >= 0) {
    throw new RangeError(
      `gradCam: class ${given[bad]} (input ${bad}) is not an integer in [0, ${count})`,
    );
  }
  return Int32Array.from(given);
}

/** [N, count] with a 1 at (i, classes[i]): back-propagating it gives the gradient of Σ_i y_i,c_i. */
function oneHot(classes: Int32Array, count: number): Tensor {
  const values = new Float32Array(classes.length * count);
  classes.forEach((c, i) => (values[i * count + c] = 1));
  return tensor(values, { shape: [classes.length, count] });
}

/**
 * [out, in] weights of 1-D linear interpolation with PyTorch's `align_corners=False`: output
 * pixel o samples the input at (o + ½)·in/out − ½, clamped to the edge pixels.
 */
function interpolationMatrix(out: number, size: number): Tensor {
  const values = new Float32Array(out * size);
  for (let o = 0; o < out; o++) {
    const source = Math.max(0, ((o + 0.5) * size) / out - 0.5);
    const low = Math.min(Math.floor(source), size - 1);
    const high = Math.min(low + 1, size - 1);
    const fraction = source - low;
    values[o * size + low] += 1 - fraction;
    values[o * size + high] += fraction;
  }
  return tensor(values, { shape: [out, size] });
}

/** Bilinear upsampling of maps [N, h, w] to [N, height, width]: Ry · map · Rxᵀ. */
function upsampleBilinear(maps: Tensor, height: number, width: number): Tensor {
  const [h, w] = maps.shape.slice(1);
  const rows = interpolationMatrix(height, h);
  const columns = transpose(interpolationMatrix(width, w), 0, 1);
  return matmul(matmul(rows, maps), columns);
}
