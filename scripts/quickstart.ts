/**
 * The main job of `npx deno task start`: shows the core at work. It back-propagates a softmax
 * classifier's cross-entropy through a 64×784 · 784×10 product, draws the recorded graph (SVG, laid
 * out by Graphviz compiled to WebAssembly; the DOT text beside it), and trains the seeds' hard case (XOR with two hidden tanh units) to a loss below 1e-2.
 */
import {
  F,
  manualSeed,
  memoryStats,
  optim,
  randn,
  scope,
  type Tensor,
  tensor,
  toDot,
  uniform,
  viz,
} from "../runtime/mod.ts";

manualSeed(0);
const x = randn([64, 784]);
const w = randn([784, 10], { requiresGrad: true, std: 0.05 });
w.name = "w";
const labels = tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10), { dtype: "int32" });
const loss = F.crossEntropy(x.matmul(w), labels);
loss.backward();
await Deno.mkdir("out", { recursive: true });
await Deno.writeTextFile("out/graph.dot", toDot(loss));
await viz.plotGraph(loss, "out/graph.svg");
console.log(`cross-entropy ${loss.item().toFixed(4)}; w.grad has shape [${w.grad!.shape}]`);
console.log("wrote out/graph.svg (the autodiff graph) and out/graph.dot");

const inputs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const targets = tensor([[0], [1], [1], [0]]);
const init = (shape: number[]) => uniform(shape, -0.5, 0.5, { requiresGrad: true });
const [w1, b1, w2, b2] = [init([2, 2]), init([2]), init([1, 2]), init([1])];
const net = (input: Tensor) => F.linear(F.tanh(F.linear(input, w1, b1)), w2, b2);
const optimizer = new optim.SGD([w1, b1, w2, b2], { lr: 0.1, momentum: 0.9 });
const steps = 2000;
for (let step = 1; step <= steps; step++) {
  const value = scope(() => {
    optimizer.zeroGrad();
    const l = F.mseLoss(net(inputs), targets);
    l.backward();
    optimizer.step();
    return l.item();
  });
  if (step % 400 === 0) console.log(`XOR step ${step}/${steps}: mse ${value.toExponential(3)}`);
}
const predictions = Array.from(net(inputs).data(), (v) => v.toFixed(3));
console.log(`XOR predictions for 00 01 10 11: ${predictions.join(" ")} (targets 0 1 1 0)`);
console.log(
  `allocator: ${memoryStats().liveBytes} bytes live in ${memoryStats().liveBlocks} blocks`,
);
