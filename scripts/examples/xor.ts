/**
 * `deno task xor`: the seeds' hard case. A 2-2-1 tanh network (two hidden units) learns XOR.
 * Recipe: U(−0.5, 0.5) initialisation of every weight and bias, SGD with momentum 0.9, MSE,
 * lr 0.1, 2000 full-batch steps. Trains seeds 0..19, reports how many solve XOR (all four points
 * right and MSE < 0.01), and draws the decision boundary of the first solved seed.
 */
import {
  F,
  manualSeed,
  nn,
  optim,
  scope,
  type Tensor,
  tensor,
  uniform,
  viz,
} from "../../runtime/mod.ts";

/** The 2-2-1 tanh network with the example's initialisation. */
export class XorNet extends nn.Module {
  hidden = new nn.Linear(2, 2);
  output = new nn.Linear(2, 1);
  constructor() {
    super();
    for (const layer of [this.hidden, this.output]) {
      layer.weight.dispose();
      layer.bias?.dispose();
      layer.weight = nn.parameter(uniform([layer.outFeatures, layer.inFeatures], -0.5, 0.5));
      layer.bias = nn.parameter(uniform([layer.outFeatures], -0.5, 0.5));
    }
  }
  forward(x: Tensor): Tensor {
    return this.output.call(F.tanh(this.hidden.call(x)));
  }
}

/** The four XOR points and their targets. */
export function xorData(): { x: Tensor; y: Tensor } {
  return { x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: tensor([[0], [1], [1], [0]]) };
}

/** Trains one seed; returns the final loss, the predictions and whether XOR is solved. */
export function trainXor(
  seed: number,
  steps = 2000,
): { loss: number; predictions: number[]; solved: boolean; model: XorNet } {
  manualSeed(seed);
  const model = new XorNet();
  const { x, y } = xorData();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  let loss = Infinity;
  for (let step = 0; step < steps; step++) {
    loss = scope(() => {
      optimizer.zeroGrad();
      const l = F.mseLoss(model.call(x), y);
      l.backward();
      optimizer.step();
      return l.item();
    });
  }
  const predictions = Array.from(model.call(x).data());
  const solved = loss < 0.01 && predictions.every((p, i) => (p > 0.5 ? 1 : 0) === [0, 1, 1, 0][i]);
  return { loss, predictions, solved, model };
}

if (import.meta.main) {
  const seeds = 20;
  const results = Array.from({ length: seeds }, (_, seed) => trainXor(seed));
  const solved = results.filter((r) => r.solved);
  console.log(`XOR with two hidden tanh units: solved by ${solved.length} of ${seeds} seeds`);
  results.forEach((r, seed) =>
    console.log(
      `  seed ${String(seed).padStart(2)}: mse ${r.loss.toExponential(2)}  outputs ${
        r.predictions.map((p) => p.toFixed(3)).join(" ")
      }${r.solved ? "" : "  (stuck in a local minimum)"}`,
    )
  );
  if (solved.length > 0) {
    await Deno.mkdir("out", { recursive: true });
    const { x } = xorData();
    await viz.plotDecisionBoundary(
      solved[0].model,
      x,
      tensor([0, 1, 1, 0], { dtype: "int32" }),
      "out/xor_boundary.png",
      {
        fromLogits: false,
      },
    );
    console.log("wrote out/xor_boundary.png");
  }
}
