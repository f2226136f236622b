/**
 * The demo page in headless Chromium: the server (createApp with the page handler) runs on
 * loopback, the test draws digits on the page's canvas with mouse strokes, and the page's two
 * answers, in the browser through the WebAssembly runtime and on the server through the KServe v2
 * endpoint, must both name the digit drawn and agree to 1e-4 in every class probability. Uses
 * models/mnist-cnn when it has been trained, else trains the same CNN on an MNIST subset (seconds).
 * Without Chromium (/usr/bin/chromium, or CHROMIUM_PATH) it is skipped with the reason, unless CI
 * is set: then it fails.
 */
import assert from "node:assert/strict";
import { chromiumMissing, launchChromium, skipBrowserTest } from "./chromium.ts";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { load } from "../runtime/mod.ts";
import { bundleWeb } from "../scripts/bundle_web.ts";
import { saveMnistCnn, trainMnistCnn } from "../scripts/examples/mnist_cnn.ts";
import { createApp } from "../server/app.ts";
import { pageHandler } from "../server/page/handler.ts";
import { disposeModel, ModelRegistry } from "../server/registry.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const skip = skipBrowserTest("browser_test");

/** A folder holding `mnist-cnn/`: the trained example's, or one trained here on a subset. */
async function modelsFolder(temp: string): Promise<string> {
  const trained = join(root, "models");
  try {
    await Deno.stat(join(trained, "mnist-cnn/model.safetensors"));
    await Deno.stat(join(trained, "mnist-cnn/config.json"));
    return trained;
  } catch {
    const { model, accuracy } = await trainMnistCnn({
      epochs: 1,
      trainLimit: 2000,
      testLimit: 500,
      batchSize: 32,
      progress: false,
    });
    const folder = join(temp, "models");
    await saveMnistCnn(model, join(folder, "mnist-cnn"), accuracy);
    disposeModel(model);
    return folder;
  }
}

/** What the page keeps in `window.edgegradDemo`. */
interface DemoState {
  ready: boolean;
  predictions: number;
  browser?: { label: string; probabilities: number[] };
  server?: { label: string; probabilities: number[] };
  error?: string;
}

function demoState(page: Page): Promise<DemoState> {
  return page.evaluate(() => (globalThis as unknown as { edgegradDemo: DemoState }).edgegradDemo);
}

/** Draws one stroke through `points` (pad pixels, 0..280) and waits for both answers. */
async function drawAndWait(page: Page, points: Array<[number, number]>): Promise<DemoState> {
  const before = (await demoState(page)).predictions;
  const box = await page.locator("#pad").boundingBox();
  assert.ok(box, "the drawing pad is not visible");
  const at = (
    [x, y]: [number, number],
  ) => [box.x + x * box.width / 280, box.y + y * box.height / 280];
  const [startX, startY] = at(points[0]);
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  for (const point of points.slice(1)) {
    const [x, y] = at(point);
    await page.mouse.move(x, y, { steps: 4 });
  }
  await page.mouse.up();
  await page.waitForFunction(
    (count) => {
      const state = (globalThis as unknown as { edgegradDemo: DemoState }).edgegradDemo;
      return state.predictions > count || state.error !== undefined;
    },
    before,
    { timeout: 10_000 },
  );
  return await demoState(page);
}

function checkAnswers(state: DemoState, digit: string): void {
  assert.equal(state.error, undefined, `the page reported: ${state.error}`);
  const { browser, server } = state;
  assert.ok(browser && server, "the page shows no answers");
  assert.equal(browser.probabilities.length, server.probabilities.length);
  browser.probabilities.forEach((p, i) =>
    assert.ok(
      Math.abs(p - server.probabilities[i]) <= 1e-4,
      `class ${i}: browser ${p}, server ${server.probabilities[i]}`,
    )
  );
  const shown = (probabilities: number[]) =>
    probabilities.map((p, i) => `${i}: ${(p * 100).toFixed(1)}%`).join(", ");
  assert.equal(
    browser.label,
    digit,
    `browser read ${browser.label} (${shown(browser.probabilities)})`,
  );
  assert.equal(server.label, digit, `server read ${server.label} (${shown(server.probabilities)})`);
}

Deno.test({
  name: "demo page: browser and server read a drawn digit alike (headless Chromium)",
  ignore: skip,
  async fn() {
    assert.equal(chromiumMissing, null, `CI is set, so Chromium is required: ${chromiumMissing}`);
    const temp = await Deno.makeTempDir({ prefix: "edgegrad-browser-" });
    const registry = new ModelRegistry();
    let server: Deno.HttpServer<Deno.NetAddr> | null = null;
    let browser: Browser | null = null;
    try {
      const modelsDir = await modelsFolder(temp);
      const webDir = join(temp, "web");
      await bundleWeb({ outDir: webDir });
      registry.add("mnist-cnn", await load(join(modelsDir, "mnist-cnn")));
      const app = createApp({ registry, page: pageHandler({ modelsDir, webDir }) });
      server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
      browser = await launchChromium();
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      await page.waitForFunction(
        () => {
          const state = (globalThis as unknown as { edgegradDemo?: DemoState }).edgegradDemo;
          return state !== undefined && (state.ready || state.error !== undefined);
        },
        undefined,
        { timeout: 15_000 },
      );
      assert.equal((await demoState(page)).error, undefined);

      // A vertical bar is a 1.
      checkAnswers(await drawAndWait(page, [[140, 50], [140, 235]]), "1");
      // A ring is a 0.
      await page.click("#clear");
      const ring = Array.from({ length: 41 }, (_, i): [number, number] => {
        const angle = (i / 40) * 2 * Math.PI;
        return [140 + 70 * Math.sin(angle), 140 - 95 * Math.cos(angle)];
      });
      checkAnswers(await drawAndWait(page, ring), "0");
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser?.close();
      await server?.shutdown();
      for (const name of registry.names()) registry.remove(name);
      await Deno.remove(temp, { recursive: true });
    }
  },
});
