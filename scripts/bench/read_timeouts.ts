/**
 * What the read-timeout front (`server/read_timeouts.ts`) costs: the KServe infer route of a small
 * model at batch 1, over loopback, through `serveWithReadTimeouts` beside plain `Deno.serve` of the
 * same app, at concurrency 1 and 16 (p50/p99 of individually timed requests, and requests/s).
 * The client runs in this process. Run: `npx deno run -A scripts/bench/read_timeouts.ts`.
 */
import { manualSeed, nn } from "../../runtime/mod.ts";
import { createApp } from "../../server/app.ts";
import { serveWithReadTimeouts } from "../../server/read_timeouts.ts";
import { ModelRegistry } from "../../server/registry.ts";

const REQUESTS = 2000;

manualSeed(1);
const registry = new ModelRegistry();
const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
registry.add("mlp", {
  model,
  config: { format: "edgegrad", version: 1, architecture: model.toConfig(), inputShape: [784] },
});
const app = createApp({ registry });
const body = JSON.stringify({
  inputs: [{
    name: "input",
    shape: [1, 784],
    datatype: "FP32",
    data: Array.from({ length: 784 }, (_, i) => (i % 17) / 17),
  }],
});

async function measure(url: string, concurrency: number) {
  const times: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < REQUESTS) {
      const t0 = performance.now();
      const r = await fetch(`${url}/v2/models/mlp/infer`, { method: "POST", body });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      times.push(performance.now() - t0);
    }
  }));
  const wall = performance.now() - start;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99), rps: (times.length / wall) * 1000 };
}

const plain = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
const front = await serveWithReadTimeouts(app.fetch, { port: 0 });
const servers = [
  ["Deno.serve", `http://127.0.0.1:${plain.addr.port}`],
  ["serveWithReadTimeouts", `http://127.0.0.1:${front.port}`],
] as const;
for (const [, url] of servers) await measure(url, 4); // warm-up
console.log("| server | concurrency | p50 ms | p99 ms | requests/s |");
console.log("|---|---|---|---|---|");
for (const concurrency of [1, 16]) {
  for (const [name, url] of servers) {
    const { p50, p99, rps } = await measure(url, concurrency);
    console.log(
      `| ${name} | ${concurrency} | ${p50.toFixed(3)} | ${p99.toFixed(3)} | ${rps.toFixed(0)} |`,
    );
  }
}
await plain.shutdown();
await front.shutdown();
