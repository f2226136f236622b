/**
 * The DCGAN's two networks (the seed's: TensorFlow's DCGAN tutorial), the module that holds both
 * for one checkpoint, and their two Adam optimizers as one for `saveCheckpoint`.
 */
import { type io, nn, optim, type Tensor } from "../../../runtime/mod.ts";

/** Length of the generator's input noise. */
export const NOISE_DIM = 100;
/** LeakyReLU's slope for negative inputs: Keras's default, as the seed (TF's DCGAN tutorial). */
const LEAKY_SLOPE = 0.3;

/**
 * The generator: noise [N, 100] → images [N, 1, 28, 28] in [−1, 1]. No biases: each layer but the
 * last feeds a batch norm, which cancels them; the seed has none on the last either.
 */
export function generator(): nn.Sequential {
  const upsample = (inChannels: number, outChannels: number, stride: number) =>
    new nn.ConvTranspose2d(inChannels, outChannels, 5, {
      stride,
      padding: 2,
      outputPadding: stride - 1,
      bias: false,
    });
  return new nn.Sequential(
    new nn.Linear(NOISE_DIM, 7 * 7 * 256, { bias: false }),
    new nn.BatchNorm1d(7 * 7 * 256),
    new nn.LeakyReLU(LEAKY_SLOPE),
    new nn.Unflatten(1, [256, 7, 7]),
    upsample(256, 128, 1), // 7×7
    new nn.BatchNorm2d(128),
    new nn.LeakyReLU(LEAKY_SLOPE),
    upsample(128, 64, 2), // 14×14
    new nn.BatchNorm2d(64),
    new nn.LeakyReLU(LEAKY_SLOPE),
    upsample(64, 1, 2), // 28×28
    new nn.Tanh(),
  );
}

/** The discriminator: images [N, 1, 28, 28] → one logit per image [N, 1] (real > 0 > fake). */
export function discriminator(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 64, 5, { stride: 2, padding: 2 }), // 14×14
    new nn.LeakyReLU(LEAKY_SLOPE),
    new nn.Dropout(0.3),
    new nn.Conv2d(64, 128, 5, { stride: 2, padding: 2 }), // 7×7
    new nn.LeakyReLU(LEAKY_SLOPE),
    new nn.Dropout(0.3),
    new nn.Flatten(),
    new nn.Linear(7 * 7 * 128, 1),
  );
}

/**
 * Both networks in one module, so that one checkpoint holds them (`generator.0.weight`,
 * `discriminator.7.bias`, ...). Its forward is the generator's.
 */
export class Dcgan extends nn.Module {
  readonly generator = generator();
  readonly discriminator = discriminator();
  forward(noise: Tensor): Tensor {
    return this.generator.call(noise);
  }
}

/**
 * The two Adam optimizers as one for `saveCheckpoint` / `loadCheckpoint`, which take one: the
 * generator's parameters keep their indices, the discriminator's follow them.
 */
export class DcganOptimizers implements io.StatefulOptimizer {
  readonly generator: optim.Adam;
  readonly discriminator: optim.Adam;
  constructor(gan: Dcgan, options: optim.AdamOptions = { lr: 2e-4, betas: [0.5, 0.999] }) {
    this.generator = new optim.Adam(gan.generator.parameters(), options);
    this.discriminator = new optim.Adam(gan.discriminator.parameters(), options);
  }
  stateDict(): io.OptimizerState {
    const g = this.generator.stateDict(), d = this.discriminator.stateDict();
    const offset = this.generator.params.length;
    const state = new Map(g.state);
    for (const [index, slots] of d.state) state.set(offset + index, slots);
    return { state, options: { generator: g.options, discriminator: d.options } };
  }
  loadStateDict({ state, options }: io.OptimizerState): void {
    const offset = this.generator.params.length;
    const part = (from: number, to: number) =>
      new Map([...state].filter(([i]) => i >= from && i < to).map(([i, s]) => [i - from, s]));
    this.generator.loadStateDict({
      state: part(0, offset),
      options: options.generator as Record<string, unknown>,
    });
    this.discriminator.loadStateDict({
      state: part(offset, Infinity),
      options: options.discriminator as Record<string, unknown>,
    });
  }
}
