/**
 * The serving benchmark's baseline: a bare Hono app with the KServe v2 routes the benchmark calls,
 * doing no inference. Its infer route reads and parses the same JSON body as the real one and
 * answers a small fixed JSON, so the difference between the two servers is what inference (the
 * validation, the model, the output encoding) adds. Runs under `deno serve` and, bundled by
 * esbuild, in workerd.
 */
import { Hono } from "hono";

const app = new Hono();
app.get("/v2/health/ready", (c) => c.json({ ready: true }));
app.post("/v2/models/:name/infer", async (c) => {
  const body = await c.req.json();
  const inputs = Array.isArray(body?.inputs) ? body.inputs.length : 0;
  return c.json({ model_name: c.req.param("name"), inputs, outputs: [] });
});

/** The Workers / `deno serve` entry: `export default { fetch }`. */
export default app;
