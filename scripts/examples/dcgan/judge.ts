/**
 * How good the generator's digits are, by the trained mnist-cnn classifier: the Inception Score
 * exp(E_x KL(p(y|x) ‖ p(y))) and the mean max-probability, on generated and on real test digits.
 */
import {
  data,
  F,
  io,
  load,
  manualSeed,
  type nn,
  noGrad,
  randn,
  scope,
  type Tensor,
} from "../../../runtime/mod.ts";
import { type Dcgan, NOISE_DIM } from "./models.ts";

/** How the judge sees an image: MNIST's normalisation of pixels in [0, 1]. */
export interface ClassifierInput {
  mean: number;
  std: number;
}

/** What the judge says of a set of images. */
export interface Verdict {
  /** exp(E_x KL(p(y|x) ‖ p(y))): 1 (one class, or no confidence) to 10 (sure, all classes alike). */
  inceptionScore: number;
  /** Mean over the images of the classifier's highest class probability. */
  meanMaxProbability: number;
}

/** Images in [−1, 1] → the classifier's input: v = (x + 1)/2 in [0, 1], then (v − mean)/std. */
export function classifierInput(images: Tensor, { mean, std }: ClassifierInput): Tensor {
  return F.div(F.sub(F.mul(F.add(images, 1), 0.5), mean), std);
}

/**
 * The Inception Score and mean max-probability of classifier logits [N, classes]. Computed from
 * log-probabilities, so a class probability that underflows to 0 adds 0, not NaN.
 */
export function verdict(logits: Tensor): Verdict {
  return noGrad(() => {
    const logP = F.logSoftmax(logits, 1);
    const p = F.exp(logP);
    const logMarginal = F.log(F.mean(p, 0, true));
    const kl = F.sum(F.mul(p, F.sub(logP, logMarginal)), 1);
    return {
      inceptionScore: Math.exp(F.mean(kl).item()),
      meanMaxProbability: F.mean(F.max(p, 1)).item(),
    };
  });
}

/** Images per batch when judging (no more memory than a training step's). */
const JUDGE_BATCH = 50;

/**
 * Judges the generator by `samples` images made from noise drawn with `seed` (the same noise each
 * time; the global random state is restored after, so judging leaves training unchanged). The
 * generator runs in evaluation mode (batch norm with its running statistics).
 */
export function judge(
  gan: Dcgan,
  classifier: nn.Module,
  { samples = 2000, seed = 12345, input = { mean: data.MNIST_MEAN, std: data.MNIST_STD } }: {
    samples?: number;
    seed?: number;
    input?: ClassifierInput;
  } = {},
): Verdict {
  const state = io.getRandomState();
  const wasTraining = gan.training;
  gan.eval();
  classifier.eval();
  try {
    manualSeed(seed);
    return noGrad(() => {
      const logits: Tensor[] = [];
      for (let start = 0; start < samples; start += JUDGE_BATCH) {
        const count = Math.min(JUDGE_BATCH, samples - start);
        logits.push(scope(() => {
          const images = gan.generator.call(randn([count, NOISE_DIM]));
          return classifier.call(classifierInput(images, input));
        }));
      }
      return verdict(F.cat(logits, 0));
    });
  } finally {
    gan.train(wasTraining);
    io.setRandomState(state);
  }
}

/** The judge's verdict on real test digits, for reference. */
export async function judgeRealDigits(
  classifier: nn.Module,
  { samples = 2000, input = { mean: data.MNIST_MEAN, std: data.MNIST_STD } } = {},
): Promise<Verdict> {
  const test = await data.mnistSplit("test", { limit: samples, normalize: input });
  classifier.eval();
  try {
    return noGrad(() => {
      const logits: Tensor[] = [];
      for (let start = 0; start < samples; start += JUDGE_BATCH) {
        const count = Math.min(JUDGE_BATCH, samples - start);
        logits.push(scope(() => classifier.call(F.narrow(test.images, 0, start, count))));
      }
      return verdict(F.cat(logits, 0));
    });
  } finally {
    test.images.dispose();
    test.labels.dispose();
  }
}

/** The trained mnist-cnn and how it expects its input, or a message saying how to make it. */
export async function loadJudge(
  dir: string,
): Promise<{ classifier: nn.Module; input: ClassifierInput }> {
  try {
    await Deno.stat(`${dir}/config.json`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(
      `dcgan: the judge ${dir}/config.json is missing; train it first with ` +
        "`npx deno task mnist-cnn` (3 epochs, 99% test accuracy, a few minutes), point to " +
        "another with --classifier DIR, or skip judging with --no-judge",
    );
  }
  const { model, config } = await load(dir);
  const pre = config.preprocessing ?? {};
  const input = {
    mean: typeof pre.mean === "number" ? pre.mean : data.MNIST_MEAN,
    std: typeof pre.std === "number" ? pre.std : data.MNIST_STD,
  };
  return { classifier: model.eval(), input };
}
