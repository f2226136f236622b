/**
 * W5 of DESIGN.md, serving latency of the W3 CNN (mnist-cnn, 22 MFLOP per image):
 *
 * - In-process: one inference at batch 1 and 32 (input from a Float32Array, forward in eval mode,
 *   logits read back), p50/p99 of individually timed calls, beside TensorFlow.js's wasm backend
 *   running the same network with the same weights (`tf.layers`, fused conv + relu, one thread).
 * - Over HTTP on loopback: the KServe v2 infer route at batch 1, at concurrency 1 and 16, under
 *   Deno (`server/deno.ts`) and in workerd (the `bundle:worker` bundle), each beside a bare Hono
 *   route that parses the same body and does no inference (`bare_app.ts`). Every request is timed
 *   by itself (p50/p99), and requests/s is requests over the wall time.
 * - Cold start: from spawning the server process to the first answered inference, median of a
 *   few starts, for the same four servers.
 *
 * The model is models/mnist-cnn when it has been trained, else the same network with seeded
 * random weights (the speed does not depend on the weights). The client runs in this process, on
 * the same two cores as the server. Run alone: `npx deno run -A scripts/bench/serve.ts`.
 */
import * as tf from "@tensorflow/tfjs";
import * as esbuild from "esbuild";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load, manualSeed, nn, noGrad, save, tensor } from "../../runtime/mod.ts";
import { cnn } from "../examples/mnist_cnn.ts";
import { bundleWorker } from "../bundle_worker.ts";
import { freePort, type ServerProcess, startServer } from "../server_process.ts";
import { useTfjsWasm } from "./tfjs_peer.ts";
import { tfjsMnistCnn } from "./tfjs_models.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const WORKERD = join(root, "node_modules/.bin/workerd");
const MODEL = "mnist-cnn";

/** Calls per in-process figure (after as many warm-up calls again, at most 50). */
const CALLS = { 1: 2000, 32: 150 } as const;
/** Requests per HTTP figure, and cold starts per server. */
const REQUESTS = 2000;
const COLD_STARTS = 5;

/** p50, p99 of some durations in ms. */
function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

function ms(value: number): string {
  return value < 1 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(0);
}

/** Times `calls` calls of `run` one by one, after warm-up calls. */
function timeCalls(calls: number, run: () => void): { p50: number; p99: number } {
  for (let i = 0; i < Math.min(50, calls); i++) run();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return percentiles(times);
}

// --- the model -----------------------------------------------------------------------------------

/** The trained example's model directory, or a seeded untrained one in `temp`. */
async function modelsFolder(temp: string): Promise<{ folder: string; trained: boolean }> {
  const trained = join(root, "models");
  try {
    await Deno.stat(join(trained, MODEL, "model.safetensors"));
    return { folder: trained, trained: true };
  } catch {
    manualSeed(7);
    await save(cnn(), join(temp, MODEL), {
      inputShape: [1, 28, 28],
      labels: Array.from({ length: 10 }, (_, i) => String(i)),
    });
    return { folder: temp, trained: false };
  }
}

/** The same CNN in tf.layers (NHWC), with our weights: kernels to HWIO, the dense rows reordered. */
function tfjsCnn(model: nn.Module): tf.Sequential {
  const state = model.stateDict();
  const value = (name: string) => {
    const t = state.get(name);
    if (t === undefined) throw new Error(`serve bench: the model has no ${name}`);
    return tf.tensor(t.data() as Float32Array, t.shape as number[]);
  };
  const net = tfjsMnistCnn();
  const weights = tf.tidy(() => {
    // Ours flattens [64, 7, 7] (channel first); TF.js flattens [7, 7, 64].
    const dense1 = value("7.weight").reshape([128, 64, 7, 7]).transpose([2, 3, 1, 0])
      .reshape([3136, 128]);
    return [
      value("0.weight").transpose([2, 3, 1, 0]),
      value("0.bias"),
      value("3.weight").transpose([2, 3, 1, 0]),
      value("3.bias"),
      dense1,
      value("7.bias"),
      value("9.weight").transpose(),
      value("9.bias"),
    ];
  });
  net.setWeights(weights);
  tf.dispose(weights);
  return net;
}

// --- in-process ----------------------------------------------------------------------------------

interface InProcessRow {
  batch: number;
  ours: { p50: number; p99: number };
  tfjs: { p50: number; p99: number };
  maxDifference: number;
}

async function inProcess(modelDir: string): Promise<InProcessRow[]> {
  // Fused for inference, as the server serves it.
  const model = nn.fuse((await load(modelDir)).model.eval());
  await useTfjsWasm();
  const peer = tfjsCnn(model);
  const rows: InProcessRow[] = [];
  for (const batch of [1, 32] as const) {
    const images = new Float32Array(batch * 784).map((_, i) => Math.sin(i) * 0.5 + 0.5);
    const oursLogits = () =>
      noGrad(() => {
        // noGrad frees both when it returns.
        const x = tensor(images, { shape: [batch, 1, 28, 28] });
        const y = model.call(x);
        return y.data() as Float32Array;
      });
    const tfjsLogits = () => {
      const y = tf.tidy(() => peer.predict(tf.tensor4d(images, [batch, 28, 28, 1])) as tf.Tensor);
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    };
    // The NCHW and NHWC layouts agree for one channel, so both get the same images.
    const a = oursLogits();
    const b = tfjsLogits();
    const maxDifference = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    rows.push({
      batch,
      ours: timeCalls(CALLS[batch], oursLogits),
      tfjs: timeCalls(CALLS[batch], tfjsLogits),
      maxDifference,
    });
  }
  peer.dispose();
  for (const p of model.parameters()) p.dispose();
  return rows;
}

// --- servers ---------------------------------------------------------------------------------------

interface Server {
  name: string;
  /** The model name in the infer route's path. */
  model: string;
  start(port: number): Promise<ServerProcess>;
}

function inferBody(): string {
  const data = Array.from(
    { length: 784 },
    (_, i) => Math.round((Math.sin(i) * 0.5 + 0.5) * 1e4) / 1e4,
  );
  return JSON.stringify({
    inputs: [{ name: "input", shape: [1, 1, 28, 28], datatype: "FP32", data }],
  });
}

const BODY = inferBody();

function infer(url: string, model: string): Promise<Response> {
  return fetch(`${url}/v2/models/${model}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: BODY,
  });
}

/** The four servers: Deno and workerd, each with the model and bare. */
async function servers(modelsDir: string, temp: string): Promise<Server[]> {
  const bundle = await bundleWorker({
    modelDir: join(modelsDir, MODEL),
    outDir: join(temp, "worker"),
  });
  const bareDir = join(temp, "bare-worker");
  await Deno.mkdir(bareDir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(root, "scripts/bench/bare_app.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    minify: true,
    outfile: join(bareDir, "worker.js"),
    logLevel: "warning",
  });
  await esbuild.stop();
  const bareCapnp = join(bareDir, "config.capnp");
  await Deno.writeTextFile(
    bareCapnp,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "bare", worker = .bare)],
  sockets = [(name = "http", address = "127.0.0.1:8788", http = (), service = "bare")],
);
const bare :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
);
`,
  );
  const deno = Deno.execPath();
  const ready = (model: string) => (url: string) => infer(url, model);
  const options = (model: string, args: string[], port: number, env?: Record<string, string>) => ({
    args,
    port,
    env,
    cwd: root,
    ready: ready(model),
    pollMs: 2,
  });
  const workerdArgs = (capnp: string, port: number) => [
    "serve",
    capnp,
    "--socket-addr",
    `http=127.0.0.1:${port}`,
  ];
  return [
    {
      name: "Deno, bare Hono route",
      model: "bare",
      start: (port) =>
        startServer(
          deno,
          options("bare", [
            "serve",
            "-A",
            "--host",
            "127.0.0.1",
            "--port",
            String(port),
            join(root, "scripts/bench/bare_app.ts"),
          ], port),
        ),
    },
    {
      name: "Deno, edgegrad (server/deno.ts)",
      model: MODEL,
      start: (port) =>
        startServer(
          deno,
          options(MODEL, ["run", "-A", join(root, "server/deno.ts")], port, {
            MODELS_DIR: modelsDir,
            PORT: String(port),
            HOST: "127.0.0.1",
            LOG: "0",
            TRAIN: "0",
          }),
        ),
    },
    {
      name: "workerd, bare Hono route",
      model: "bare",
      start: (port) => startServer(WORKERD, options("bare", workerdArgs(bareCapnp, port), port)),
    },
    {
      name: "workerd, edgegrad (bundle:worker)",
      model: bundle.name,
      start: (port) =>
        startServer(WORKERD, options(bundle.name, workerdArgs(bundle.capnp, port), port)),
    },
  ];
}

interface HttpRow {
  server: string;
  concurrency: number;
  p50: number;
  p99: number;
  perSecond: number;
  errors: number;
}

/** `total` infer requests from `concurrency` loops, each request timed by itself. */
async function loadTest(url: string, model: string, concurrency: number, total: number) {
  const times: number[] = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const loop = async () => {
    while (sent < total) {
      sent++;
      const start = performance.now();
      const response = await infer(url, model);
      await response.arrayBuffer();
      times.push(performance.now() - start);
      if (!response.ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  return { ...percentiles(times), perSecond: total / seconds, errors };
}

async function overHttp(list: Server[]): Promise<{ rows: HttpRow[]; cold: Map<string, number> }> {
  const rows: HttpRow[] = [];
  const cold = new Map<string, number>();
  for (const server of list) {
    const starts: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      const running = await server.start(freePort());
      starts.push(running.startMs);
      if (i < COLD_STARTS - 1) await running.stop();
      else {
        try {
          await loadTest(running.url, server.model, 4, 200); // warm-up
          for (const concurrency of [1, 16]) {
            const figures = await loadTest(running.url, server.model, concurrency, REQUESTS);
            rows.push({ server: server.name, concurrency, ...figures });
          }
        } finally {
          await running.stop();
        }
      }
    }
    // The first start also fills caches (Deno's transpile cache, the page cache): drop it.
    cold.set(server.name, percentiles(starts.slice(1)).p50);
  }
  return { rows, cold };
}

// --- the tables ------------------------------------------------------------------------------------

/** Runs W5 and prints its tables. */
export async function benchServe(): Promise<void> {
  const temp = await Deno.makeTempDir({ prefix: "edgegrad-serve-bench-" });
  try {
    const { folder, trained } = await modelsFolder(temp);
    console.log(
      `\nW5: serving the W3 CNN (${trained ? "models/mnist-cnn" : "seeded random weights"}), ` +
        "one thread, times in ms",
    );
    const inProcessRows = await inProcess(join(folder, MODEL));
    console.log(
      "\n| in-process | edgegrad p50 / p99 | tfjs-wasm p50 / p99 | ratio (p50) | goal (p50) |",
    );
    console.log("|---|---:|---:|---:|---|");
    for (const row of inProcessRows) {
      console.log(
        `| batch ${row.batch} | ${ms(row.ours.p50)} / ${ms(row.ours.p99)} | ${ms(row.tfjs.p50)} / ${
          ms(row.tfjs.p99)
        } | ${(row.tfjs.p50 / row.ours.p50).toFixed(2)} | < ${row.batch === 1 ? "0.6" : "18"} |`,
      );
    }
    const worst = Math.max(...inProcessRows.map((r) => r.maxDifference));
    console.log(`(largest logit difference between the two: ${worst.toExponential(2)})`);

    const { rows, cold } = await overHttp(await servers(folder, temp));
    console.log("\n| over HTTP, batch 1 | concurrency | p50 | p99 | requests/s | errors |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const row of rows) {
      console.log(
        `| ${row.server} | ${row.concurrency} | ${ms(row.p50)} | ${ms(row.p99)} | ${
          Math.round(row.perSecond)
        } | ${row.errors} |`,
      );
    }
    const p50 = (server: string) =>
      rows.find((r) => r.server.startsWith(server) && r.concurrency === 1)?.p50 ?? NaN;
    // What the route adds over the bare one is the model (its in-process latency) plus the
    // server's own work: parsing and checking 784 numbers, the softmax, writing the outputs.
    const model = inProcessRows[0].ours.p50;
    for (const host of ["Deno", "workerd"]) {
      const added = p50(`${host}, edgegrad`) - p50(`${host}, bare`);
      console.log(
        `${host}, one connection: inference adds ${ms(added)} ms over the bare route; the model ` +
          `in-process takes ${ms(model)} ms, so the server's own work is ${ms(added - model)} ms ` +
          "(goal < 0.3)",
      );
    }
    console.log("\n| cold start to the first answered inference | median ms | goal |");
    console.log("|---|---:|---|");
    for (const [server, value] of cold) {
      const goal = server.includes("edgegrad")
        ? (server.startsWith("Deno") ? "< 150" : "< 60")
        : "";
      console.log(`| ${server} | ${ms(value)} | ${goal} |`);
    }
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
}

if (import.meta.main) await benchServe();
