/**
 * `deno task regression`: polynomial regression by gradient descent beside the normal equation.
 * Noisy samples of y = 0.5 − 1.2x + 0.8x³ on [−1.5, 1.5]; features 1, x, x², x³; a Linear layer
 * trained with Adam on the MSE reaches the least-squares solution that the normal equation
 * (XᵀX)w = Xᵀy gives directly (solved in float64).
 */
import { F, manualSeed, nn, optim, rand, randn, tensor, train, viz } from "../../runtime/mod.ts";
import { liveCallbacks } from "./live_flag.ts";

const TRUE_COEFFICIENTS = [0.5, -1.2, 0, 0.8];

/** Solves the small symmetric system A·w = b by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    const pivot = m.slice(col).reduce(
      (best, row, i) => (Math.abs(row[col]) > Math.abs(m[best][col]) ? col + i : best),
      col,
    );
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let row = col + 1; row < n; row++) {
      const factor = m[row][col] / m[col][col];
      for (let k = col; k <= n; k++) m[row][k] -= factor * m[col][k];
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let total = m[row][n];
    for (let k = row + 1; k < n; k++) total -= m[row][k] * w[k];
    w[row] = total / m[row][row];
  }
  return w;
}

/** Fits the cubic both ways; returns both coefficient vectors and the gradient-descent loss. */
export async function fitPolynomial(
  { seed = 0, samples = 200, epochs = 1500, progress = false } = {},
): Promise<
  { gradientDescent: number[]; normalEquation: number[]; loss: number; xs: number[]; ys: number[] }
> {
  manualSeed(seed);
  const xs = Array.from(F.sub(F.mul(rand([samples]), 3), 1.5).data());
  const noise = Array.from(randn([samples], { std: 0.1 }).data());
  const ys = xs.map((x, i) => TRUE_COEFFICIENTS.reduce((s, c, p) => s + c * x ** p, 0) + noise[i]);
  const rows = xs.map((x) => [1, x, x * x, x * x * x]);
  const features = tensor(rows.map((r) => r.slice(1)));
  const targets = tensor(ys, { shape: [samples, 1] });
  const model = new nn.Linear(3, 1);
  const history = await train.fit(model, {
    data: [{ x: features, y: targets }],
    loss: (out, target) => F.mseLoss(out, target),
    optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
    epochs,
    callbacks: await liveCallbacks(),
    progress,
  });
  const xtx = [0, 1, 2, 3].map((i) =>
    [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + r[i] * r[j], 0))
  );
  const xty = [0, 1, 2, 3].map((i) => rows.reduce((s, r, k) => s + r[i] * ys[k], 0));
  const weights = Array.from(model.weight.data());
  const losses = history.series("loss");
  return {
    gradientDescent: [model.bias!.item(), ...weights],
    normalEquation: solve(xtx, xty),
    loss: losses[losses.length - 1],
    xs,
    ys,
  };
}

if (import.meta.main) {
  const result = await fitPolynomial({ progress: true });
  const show = (w: number[]) => w.map((c) => c.toFixed(4).padStart(8)).join(" ");
  console.log("coefficients of 1, x, x², x³");
  console.log(`  true             ${show(TRUE_COEFFICIENTS)}`);
  console.log(`  normal equation  ${show(result.normalEquation)}`);
  console.log(
    `  gradient descent ${show(result.gradientDescent)}  (mse ${result.loss.toExponential(3)})`,
  );
  const grid = Array.from({ length: 61 }, (_, i) => -1.5 + i * 0.05);
  const curve = (w: number[]) => grid.map((x) => w.reduce((s, c, p) => s + c * x ** p, 0));
  await Deno.mkdir("out", { recursive: true });
  await viz.plotLines(
    [
      { name: "samples", x: result.xs, y: result.ys, color: "#999999", width: 0 },
      { name: "normal equation", x: grid, y: curve(result.normalEquation) },
      { name: "gradient descent", x: grid, y: curve(result.gradientDescent), dashed: true },
    ],
    "out/regression.png",
    { title: "cubic fit: gradient descent vs normal equation", xLabel: "x", yLabel: "y" },
  );
  console.log("wrote out/regression.png");
}
