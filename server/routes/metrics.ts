/** `GET /metrics`: request counts and the allocator's memory, in Prometheus text format. */
import { Hono } from "hono/quick";
import { memoryStats } from "../../runtime/api.ts";
import type { ModelRegistry } from "../registry.ts";
import type { AppState, RequestCounts } from "./state.ts";

/**
 * The metrics route.
 * @example
 * app.route("/metrics", metrics(state));
 */
export function metrics({ registry, counts }: AppState): Hono {
  const routes = new Hono();
  routes.get("/", (c) =>
    c.text(metricsText(counts, registry), 200, {
      "Content-Type": "text/plain; version=0.0.4",
    }));
  return routes;
}

function metricsText(counts: RequestCounts, registry: ModelRegistry): string {
  const memory = memoryStats();
  const lines = [
    "# HELP edgegrad_requests_total HTTP requests answered, by status.",
    "# TYPE edgegrad_requests_total counter",
    ...[...counts.requests].sort(([a], [b]) => a - b).map(([status, n]) =>
      `edgegrad_requests_total{status="${status}"} ${n}`
    ),
    "# HELP edgegrad_inferences_total Inference requests run (infer and classify).",
    "# TYPE edgegrad_inferences_total counter",
    `edgegrad_inferences_total ${counts.inferences}`,
    "# HELP edgegrad_inference_samples_total Samples inferred.",
    "# TYPE edgegrad_inference_samples_total counter",
    `edgegrad_inference_samples_total ${counts.samples}`,
    "# HELP edgegrad_models Models served.",
    "# TYPE edgegrad_models gauge",
    `edgegrad_models ${registry.names().length}`,
    "# HELP edgegrad_memory_live_bytes Bytes of WebAssembly memory held by live tensors and weights.",
    "# TYPE edgegrad_memory_live_bytes gauge",
    `edgegrad_memory_live_bytes ${memory.liveBytes}`,
    "# HELP edgegrad_memory_peak_bytes Most live bytes so far.",
    "# TYPE edgegrad_memory_peak_bytes gauge",
    `edgegrad_memory_peak_bytes ${memory.peakBytes}`,
    "# HELP edgegrad_memory_linear_bytes Size of WebAssembly linear memory (it never shrinks).",
    "# TYPE edgegrad_memory_linear_bytes gauge",
    `edgegrad_memory_linear_bytes ${memory.memoryBytes}`,
  ];
  return `${lines.join("\n")}\n`;
}
