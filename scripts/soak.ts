/**
 * Soak test of the Deno server: starts `server/deno.ts` on loopback (a free port), holds a fixed
 * number of requests in flight for a while (inference at batch 1 and 8, the PNG classify route,
 * health checks, and now and then a request the server must refuse with a 400), then reports
 * requests/s, latency percentiles, errors (anything but the expected status: a goal of none), and
 * the server's memory before and after (the allocator's live bytes and WebAssembly memory from
 * /metrics, and the process's resident set on Linux). Stops by itself and shuts the server down
 * with SIGTERM.
 *
 * Usage: `npx deno run -A scripts/soak.ts [seconds=60] [concurrency=16]`; `MODELS_DIR` picks the
 * models folder (default models/; the server trains mnist-cnn first if it is missing).
 */
import { encode } from "fast-png";

const seconds = Number(Deno.args[0] ?? 60);
const concurrency = Number(Deno.args[1] ?? 16);
if (!(seconds > 0) || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error("usage: soak.ts [seconds > 0] [concurrency ≥ 1]");
  Deno.exit(2);
}
/** How long the server may take to start (training the default model on first run included). */
const START_TIMEOUT_MS = 30 * 60 * 1000;

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("../server/deno.ts", import.meta.url).pathname],
  env: { HOST: "127.0.0.1", PORT: "0", LOG: "0" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

/** Echoes the server's output and resolves with its URL once it listens. */
function watchServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the server did not start in time")),
      START_TIMEOUT_MS,
    );
    (async () => {
      let pending = "";
      let found = false;
      for await (const chunk of server.stdout.pipeThrough(new TextDecoderStream())) {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          console.log(`[server] ${line}`);
          const match = /on (http:\/\/[\d.]+:\d+)\//.exec(line);
          if (!found && match !== null) {
            found = true;
            clearTimeout(timer);
            resolve(match[1]);
          }
        }
      }
      if (!found) {
        clearTimeout(timer);
        reject(new Error("the server exited before listening"));
      }
    })().catch(reject);
  });
}

async function memory(base: string): Promise<{ live: number; linear: number; rss: number | null }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
  let rss: number | null = null;
  try {
    const status = await Deno.readTextFile(`/proc/${server.pid}/status`);
    rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) * 1024;
  } catch {
    // Not Linux: no resident set figure.
  }
  return {
    live: metric("edgegrad_memory_live_bytes"),
    linear: metric("edgegrad_memory_linear_bytes"),
    rss,
  };
}

/** A request of the mix, with the status it must get. */
interface Planned {
  kind: string;
  path: string;
  init: RequestInit;
  expect: number;
}

function plan(modelName: string, inputShape: number[]): Planned[] {
  const sample = inputShape.reduce((a, b) => a * b, 1);
  const infer = (batch: number) =>
    JSON.stringify({
      inputs: [{
        name: "input",
        shape: [batch, ...inputShape],
        datatype: "FP32",
        data: Array.from({ length: batch * sample }, (_, i) => Math.sin(i) * 2),
      }],
    });
  const model = `/v2/models/${encodeURIComponent(modelName)}`;
  const json = { "content-type": "application/json" };
  const mix: Planned[] = [
    {
      kind: "infer b=1",
      path: `${model}/infer`,
      init: { method: "POST", headers: json, body: infer(1) },
      expect: 200,
    },
    {
      kind: "infer b=8",
      path: `${model}/infer`,
      init: { method: "POST", headers: json, body: infer(8) },
      expect: 200,
    },
    { kind: "health", path: "/v2/health/ready", init: {}, expect: 200 },
    {
      kind: "bad shape",
      path: `${model}/infer`,
      init: {
        method: "POST",
        headers: json,
        body: JSON.stringify({
          inputs: [{ name: "input", shape: [1], datatype: "FP32", data: [0] }],
        }),
      },
      expect: 400,
    },
  ];
  const side = inputShape.length === 3 && inputShape[0] === 1 ? inputShape[1] : 0;
  if (side > 0 && inputShape[2] === side) {
    const pixels = new Uint8Array(side * side);
    for (let y = 2; y < side - 2; y++) pixels[y * side + (side >> 1)] = 255; // a vertical bar: "1"
    const png = encode({ width: side, height: side, data: pixels, depth: 8, channels: 1 });
    mix.push({
      kind: "classify",
      path: `${model}/classify`,
      init: {
        method: "POST",
        headers: { "content-type": "image/png" },
        body: png as Uint8Array<ArrayBuffer>,
      },
      expect: 200,
    });
  }
  // Weights of the mix: mostly batch-1 inference.
  const weights: Record<string, number> = {
    "infer b=1": 10,
    "infer b=8": 3,
    health: 3,
    "bad shape": 1,
    classify: 3,
  };
  return mix.flatMap((p) => Array(weights[p.kind]).fill(p));
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

let exitCode = 0;
try {
  const base = await watchServer();
  const models = (await (await fetch(`${base}/v2/models`)).json()).models as string[];
  if (models.length === 0) throw new Error("the server has no models");
  const metadata = await (await fetch(`${base}/v2/models/${encodeURIComponent(models[0])}`)).json();
  const requests = plan(models[0], metadata.inputs[0].shape.slice(1));
  // Warm up before the first memory reading: the kernels' workspace and the JIT settle.
  for (let i = 0; i < 200; i++) {
    const p = requests[i % requests.length];
    await (await fetch(`${base}${p.path}`, p.init)).arrayBuffer();
  }
  const before = await memory(base);
  const latencies = new Map<string, number[]>();
  const errors = new Map<string, number>();
  let done = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let next = 0;
  // The resident set every tenth of the run, to tell growth from a plateau.
  const rssSeries: (number | null)[] = [];
  const sampler = setInterval(
    async () => rssSeries.push((await memory(base)).rss),
    (seconds * 1000) / 10,
  );
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const p = requests[next++ % requests.length];
      const t0 = performance.now();
      let outcome: string;
      try {
        const response = await fetch(`${base}${p.path}`, p.init);
        await response.arrayBuffer();
        outcome = response.status === p.expect ? "" : `${p.kind}: status ${response.status}`;
      } catch (error) {
        outcome = `${p.kind}: ${(error as Error).message}`;
      }
      const ms = performance.now() - t0;
      done++;
      if (outcome !== "") errors.set(outcome, (errors.get(outcome) ?? 0) + 1);
      else {
        if (!latencies.has(p.kind)) latencies.set(p.kind, []);
        latencies.get(p.kind)!.push(ms);
      }
    }
  }));
  clearInterval(sampler);
  const elapsed = (performance.now() - start) / 1000;
  const after = await memory(base);

  const mb = (
    bytes: number | null,
  ) => (bytes === null ? "n/a" : `${(bytes / 2 ** 20).toFixed(2)} MiB`);
  console.log(
    `\nsoak: model ${models[0]}, concurrency ${concurrency}, ${
      elapsed.toFixed(1)
    } s: ${done} requests, ` +
      `${(done / elapsed).toFixed(0)} requests/s`,
  );
  console.log("request       count     p50 ms   p99 ms");
  for (const [kind, values] of latencies) {
    values.sort((a, b) => a - b);
    console.log(
      `${kind.padEnd(12)} ${String(values.length).padStart(6)} ${
        percentile(values, 50).toFixed(2).padStart(10)
      } ` +
        `${percentile(values, 99).toFixed(2).padStart(8)}`,
    );
  }
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  console.log(
    `errors: ${errorCount}${
      errorCount > 0 ? ` (${[...errors].map(([k, n]) => `${k} ×${n}`).join("; ")})` : ""
    }`,
  );
  console.log(
    `server memory before → after: live ${before.live} → ${after.live} bytes, wasm ${
      mb(before.linear)
    } → ` +
      `${mb(after.linear)}, rss ${mb(before.rss)} → ${mb(after.rss)}`,
  );
  if (rssSeries.some((v) => v !== null)) {
    console.log(
      `server rss during the run (MiB): ${
        rssSeries.map((v) => (v === null ? "?" : (v / 2 ** 20).toFixed(0))).join(" ")
      }`,
    );
  }
  if (errorCount > 0 || after.live !== before.live) exitCode = 1;
} catch (error) {
  console.error(`soak: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  try {
    server.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  const status = await server.status;
  console.log(
    `server stopped (exit code ${status.code}${status.signal ? `, signal ${status.signal}` : ""})`,
  );
}
Deno.exit(exitCode);
