/** The pictures of a DCGAN run: the fixed noise's samples, the loss curves, the score curve. */
import { noGrad, type Tensor, viz } from "../../../runtime/mod.ts";
import { type DcganHistory, LOSS_WINDOW } from "./epoch.ts";
import type { Dcgan } from "./models.ts";

/** Columns (and rows) of the sample grid. */
export const GRID_COLUMNS = 8;

/**
 * The fixed noise's samples, the loss curves and, when judged, the score curves; returns the
 * samples' PNG.
 */
export async function drawEpoch(
  gan: Dcgan,
  fixedNoise: Tensor,
  history: DcganHistory,
  out: string,
  epoch: number,
): Promise<Uint8Array> {
  const samples = noGrad(() => {
    gan.eval();
    try {
      return gan.generator.call(fixedNoise);
    } finally {
      gan.train();
    }
  });
  const grid = await viz.plotImageGrid(samples, `${out}/samples-epoch-${epoch}.png`, {
    columns: GRID_COLUMNS,
    range: [-1, 1],
  });
  samples.dispose();
  const steps = history.lossSteps;
  await viz.plotLines(
    [
      { name: "discriminator", x: steps, y: history.discriminatorLoss },
      { name: "generator", x: steps, y: history.generatorLoss },
    ],
    `${out}/losses.png`,
    { title: `DCGAN losses (mean of ${LOSS_WINDOW} steps)`, xLabel: "step", yLabel: "BCE" },
  );
  const judged = history.epochs.filter((r) => r.inceptionScore !== null);
  if (judged.length > 0) {
    await viz.plotLines(
      [{
        name: "Inception Score (mnist-cnn, 2,000 samples)",
        x: judged.map((r) => r.epoch),
        y: judged.map((r) => r.inceptionScore as number),
      }],
      `${out}/inception_score.png`,
      { title: "DCGAN samples judged by mnist-cnn", xLabel: "epoch", yLabel: "IS" },
    );
  }
  return grid;
}
