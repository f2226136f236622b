/**
 * `deno task bench onnx`: in-process inference latency of ONNX models in edgegrad (`io.loadOnnx`)
 * beside ONNX Runtime Web (npm `onnxruntime-web`, wasm, one thread) on the same file in the same
 * run: the PyTorch-exported MNIST CNN and ResNet-style block (test/fixtures/onnx/) and the W3 CNN
 * written by `io.onnxToBytes`, at batch 1 and 32. Each call is timed by itself (input from a
 * Float32Array, output read back); p50 and p99; the ratio is ONNX Runtime's p50 over edgegrad's
 * (above 1: edgegrad is faster). Both engines' outputs are compared first.
 * Run alone: `npx deno run -A scripts/bench/onnx.ts`.
 */
import * as ort from "onnxruntime-web";
import { fileURLToPath } from "node:url";
import { io, manualSeed, noGrad, tensor } from "../../runtime/mod.ts";
import { cnn } from "../examples/mnist_cnn.ts";
import { onnxReady } from "../../runtime/onnx/protobuf.ts";

// The ONNX reader and writer load protobufjs on first use; the synchronous calls below need it.
await onnxReady();

ort.env.wasm.numThreads = 1;

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/onnx/", import.meta.url));
/** Timed calls per figure at each batch size (after a tenth as many warm-up calls). */
const CALLS: Record<number, number> = { 1: 1000, 32: 100 };

interface Figure {
  p50: number;
  p99: number;
}

function percentiles(times: number[]): Figure {
  const sorted = [...times].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function time(calls: number, run: () => unknown): Promise<Figure> {
  for (let i = 0; i < Math.max(5, calls / 10); i++) await run();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return percentiles(times);
}

async function models(): Promise<{ name: string; bytes: Uint8Array }[]> {
  manualSeed(7);
  return [
    { name: "MNIST CNN (PyTorch)", bytes: await Deno.readFile(`${FIXTURES}mnist_cnn/model.onnx`) },
    {
      name: "ResNet block (PyTorch)",
      bytes: await Deno.readFile(`${FIXTURES}resnet_block/model.onnx`),
    },
    { name: "W3 CNN (saveOnnx)", bytes: io.onnxToBytes(cnn(), { inputShape: [1, 28, 28] }) },
  ];
}

function ms(value: number): string {
  return value < 1 ? value.toFixed(3) : value.toFixed(2);
}

/** Prints the latency table. */
export async function benchOnnx(): Promise<void> {
  const rows: string[] = [];
  for (const { name, bytes } of await models()) {
    const ours = await io.loadOnnx(bytes);
    const session = await ort.InferenceSession.create(bytes);
    const example = ours.inputs[0].shape!.slice(1) as number[];
    for (const batch of [1, 32]) {
      const shape = [batch, ...example];
      const size = shape.reduce((n, d) => n * d, 1);
      const input = new Float32Array(size).map((_, i) => Math.sin(i) * 0.5 + 0.5);
      const runOurs = () => noGrad(() => ours(tensor(input, { shape })).data() as Float32Array);
      const runTheirs = async () => {
        const feed = new ort.Tensor("float32", input, shape);
        const result = await session.run({ [session.inputNames[0]]: feed });
        return result[session.outputNames[0]].data as Float32Array;
      };
      const a = runOurs(), b = await runTheirs();
      const difference = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
      const mine = await time(CALLS[batch], runOurs);
      const theirs = await time(CALLS[batch], runTheirs);
      rows.push(
        `| ${name} | ${batch} | ${ms(mine.p50)} | ${ms(mine.p99)} | ${ms(theirs.p50)} | ` +
          `${ms(theirs.p99)} | ${(theirs.p50 / mine.p50).toFixed(2)}x | ${
            difference.toExponential(1)
          } |`,
      );
    }
    await session.release();
  }
  console.log("\nONNX inference in process (one thread each; ms per call)\n");
  console.log(
    "| model | batch | edgegrad p50 | p99 | onnxruntime-web p50 | p99 | ratio | max abs diff |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}

if (import.meta.main) await benchOnnx();
