/**
 * ONNX's loss ops: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss over [N, C, d1, ...]
 * scores and [N, d1, ...] integer targets, with class weights, ignore_index and the three
 * reductions. Composed from gather and the arithmetic ops, so both have gradients.
 */
import type { Tensor } from "../../tensor.ts";
import * as A from "../../ops/arithmetic.ts";
import { logSoftmax } from "../../ops/activation.ts";
import { gather, indexSelect } from "../../ops/indexing.ts";
import { sum } from "../../ops/reduce.ts";
import { reshape, squeeze, unsqueeze } from "../../ops/shape_ops.ts";
import { tensor } from "../../ops/creation.ts";
import { asHost, asTensor, type Value } from "../value.ts";
import { fail, type NodeContext, type OpTable, required } from "../op.ts";

const REDUCTIONS = ["mean", "sum", "none"];

function checkReduction(attributes: { string(name: string, fallback: string): string }) {
  const reduction = attributes.string("reduction", "mean");
  return REDUCTIONS.includes(reduction) ? null : `attribute 'reduction' = ${reduction}`;
}

/** −Σ w[t]·input[n, t, ...] over the kept targets, reduced as asked. */
function negativeLogLikelihood(
  logProbabilities: Tensor,
  targetValue: Value,
  weightValue: Value | undefined,
  context: NodeContext,
): Tensor {
  const classes = logProbabilities.shape[1];
  const target = asHost(targetValue);
  const ignore = context.attributes.has("ignore_index")
    ? context.attributes.int("ignore_index", -100)
    : null;
  const keep = new Float32Array(target.size);
  const index = new Int32Array(target.size);
  target.data.forEach((t, i) => {
    if (t === ignore) return;
    if (!(t >= 0 && t < classes)) fail(context, `target ${t} is outside the ${classes} classes`);
    keep[i] = 1;
    index[i] = t;
  });
  const indices = tensor(index, { shape: target.shape, dtype: "int32" });
  const picked = squeeze(gather(logProbabilities, 1, unsqueeze(indices, 1)), 1);
  const mask = tensor(keep, { shape: target.shape });
  const weights = weightValue === undefined ? mask : A.mul(
    reshape(indexSelect(asTensor(weightValue), 0, reshape(indices, [-1])), target.shape),
    mask,
  );
  const losses = A.neg(A.mul(picked, weights));
  const reduction = context.attributes.string("reduction", "mean");
  if (reduction === "none") return losses;
  if (reduction === "sum") return sum(losses);
  return A.div(sum(losses), sum(weights));
}

/** The loss ops. */
export const lossOps: OpTable = {
  NegativeLogLikelihoodLoss: {
    attributes: ["reduction", "ignore_index"],
    check: checkReduction,
    run(inputs, context) {
      const scores = asTensor(required(inputs, 0, context));
      return [negativeLogLikelihood(scores, required(inputs, 1, context), inputs[2], context)];
    },
  },
  SoftmaxCrossEntropyLoss: {
    attributes: ["reduction", "ignore_index"],
    check: checkReduction,
    run(inputs, context) {
      const scores = asTensor(required(inputs, 0, context));
      const logProbabilities = logSoftmax(scores, 1);
      const loss = negativeLogLikelihood(
        logProbabilities,
        required(inputs, 1, context),
        inputs[2],
        context,
      );
      return context.outputCount > 1 ? [loss, logProbabilities] : [loss];
    },
  },
};
