/** One DCGAN training step: the discriminator on a real and a generated batch, then the generator. */
import { F, full, noGrad, randn, scope, type Tensor } from "../../../runtime/mod.ts";
import { type Dcgan, type DcganOptimizers, NOISE_DIM } from "./models.ts";

/** What one training step reports: both losses and the discriminator's mean verdicts D(x), D(G(z)). */
export interface StepResult {
  discriminatorLoss: number;
  generatorLoss: number;
  /** Mean σ(D(x)) over the real batch (1: sure they are real). */
  realScore: number;
  /** Mean σ(D(G(z))) over the generated batch, before the discriminator's update. */
  fakeScore: number;
}

/** Binary cross-entropy of `logits` against one `target` for all. */
function bce(logits: Tensor, target: number): Tensor {
  return F.binaryCrossEntropyWithLogits(logits, full(logits.shape, target));
}

/** Mean σ(logits), a plain number. */
function meanSigmoid(logits: Tensor): number {
  return noGrad(() => F.mean(F.sigmoid(logits)).item());
}

/**
 * One DCGAN step on a batch of real images [N, 1, 28, 28] in [−1, 1], in its own memory scope:
 * the discriminator learns real → 1 and generated → 0, then the generator learns to make the
 * updated discriminator say 1. While the generator learns, the discriminator's weights do not
 * collect gradients (they would be thrown away).
 */
export function trainStep(gan: Dcgan, optimizers: DcganOptimizers, real: Tensor): StepResult {
  const { generator, discriminator } = gan;
  return scope(() => {
    const noise = randn([real.shape[0], NOISE_DIM]);
    const fake = generator.call(noise);

    optimizers.discriminator.zeroGrad();
    const realLogits = discriminator.call(real);
    const fakeLogits = discriminator.call(fake.detach());
    const discriminatorLoss = F.add(bce(realLogits, 1), bce(fakeLogits, 0));
    discriminatorLoss.backward();
    optimizers.discriminator.step();
    optimizers.discriminator.zeroGrad();

    optimizers.generator.zeroGrad();
    const discriminatorWeights = discriminator.parameters();
    for (const p of discriminatorWeights) p.requiresGrad = false;
    let generatorLoss: Tensor;
    try {
      generatorLoss = bce(discriminator.call(fake), 1);
      generatorLoss.backward();
    } finally {
      for (const p of discriminatorWeights) p.requiresGrad = true;
    }
    optimizers.generator.step();
    optimizers.generator.zeroGrad();
    return {
      discriminatorLoss: discriminatorLoss.item(),
      generatorLoss: generatorLoss.item(),
      realScore: meanSigmoid(realLogits),
      fakeScore: meanSigmoid(fakeLogits),
    };
  });
}
