/**
 * `deno task separable`: logistic regression on linearly separable 2-D data. With the classes
 * apart, the loss can go to zero: training drives it below 1e-4, and the decision boundary is drawn
 * over the points.
 */
import { F, manualSeed, nn, optim, randn, tensor, train, viz } from "../../runtime/mod.ts";
import { liveCallbacks } from "./live_flag.ts";

/** Two Gaussian blobs around (−2, −2) and (2, 2), clipped so that a margin separates them. */
export function separableData(
  count = 200,
): { x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor> } {
  const points = randn([count, 2], { std: 0.7 }).data() as Float32Array;
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    const centre = label === 1 ? 2 : -2;
    // keep every point on its side of the line x + y = 0, at least 0.5 away
    let a = points[2 * i] + centre, b = points[2 * i + 1] + centre;
    const side = (a + b) * (label === 1 ? 1 : -1);
    if (side < 1) {
      a += (label === 1 ? 1 : -1) * (1 - side);
      b += (label === 1 ? 1 : -1) * 0;
    }
    points[2 * i] = a;
    points[2 * i + 1] = b;
    labels[i] = label;
  }
  return { x: tensor(points, { shape: [count, 2] }), y: tensor(labels, { shape: [count, 1] }) };
}

/** Trains logistic regression (one Linear layer, BCE with logits) and returns the final loss. */
export async function trainSeparable(
  { seed = 0, epochs = 300, progress = false } = {},
): Promise<
  { loss: number; model: nn.Linear; x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor> }
> {
  manualSeed(seed);
  const { x, y } = separableData();
  const model = new nn.Linear(2, 1);
  const history = await train.fit(model, {
    data: [{ x, y }],
    loss: (out, target) => F.binaryCrossEntropyWithLogits(out, target),
    optimizer: new optim.Adam(model.parameters(), { lr: 0.5 }),
    epochs,
    callbacks: await liveCallbacks(),
    progress,
  });
  const losses = history.series("loss");
  return { loss: losses[losses.length - 1], model, x, y };
}

if (import.meta.main) {
  const { loss, model, x, y } = await trainSeparable({ progress: true });
  console.log(
    `logistic regression on separable data: final loss ${loss.toExponential(3)} (goal < 1e-4)`,
  );
  await Deno.mkdir("out", { recursive: true });
  await viz.plotDecisionBoundary(model, x, F.reshape(y, [-1]).int(), "out/separable_boundary.png", {
    fromLogits: true,
  });
  console.log("wrote out/separable_boundary.png");
}
