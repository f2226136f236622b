/**
 * The live training page in headless Chromium: the page is open while a small `fit` runs in this
 * process with the live callback; the fit pauses after step 20 (a callback that waits for the
 * test), so the test sees the first points on the page, then lets it finish and sees the points
 * grow to every step, the epoch charts drawn and "finished"; an image published after training
 * appears; a page opened late shows the whole run. Without Chromium (/usr/bin/chromium, or
 * CHROMIUM_PATH) it is skipped with the reason, unless CI is set: then it fails.
 */
import assert from "node:assert/strict";
import { chromiumMissing, launchChromium, skipBrowserTest } from "./chromium.ts";
import type { Browser, Page } from "playwright-core";
import { F, manualSeed, nn, optim, randn, tensor, train, viz } from "../runtime/mod.ts";
import { liveTraining } from "../server/live/mod.ts";

const skip = skipBrowserTest("live_browser_test");

/** What the page keeps in `window.__live`. */
interface LiveState {
  connected: boolean;
  points: number;
  epochs: number;
  images: number;
  drawn: number;
  ended: boolean;
  errors: string[];
}

function liveState(page: Page): Promise<LiveState> {
  return page.evaluate(() => (globalThis as unknown as { __live: LiveState }).__live);
}

function waitForState(page: Page, condition: string): Promise<unknown> {
  return page.waitForFunction(
    `(() => { const s = globalThis.__live; return s !== undefined && (${condition}); })()`,
    undefined,
    { timeout: 10_000 },
  );
}

const EPOCHS = 3, STEPS = 20;

Deno.test({
  name:
    "live page: points arrive while fit runs, the charts draw them, the image appears (headless Chromium)",
  ignore: skip,
  async fn() {
    assert.equal(chromiumMissing, null, `CI is set, so Chromium is required: ${chromiumMissing}`);
    const live = await liveTraining({ port: 0, log: false, maxStepRate: Infinity });
    let browser: Browser | null = null;
    let release = () => {};
    let training: Promise<train.History> | null = null;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await page.goto(live.url);
      await waitForState(page, "s.connected");

      manualSeed(3);
      const batches = Array.from({ length: STEPS }, () => ({
        x: randn([16, 4]),
        y: tensor(Int32Array.from({ length: 16 }, (_, i) => i % 3), { dtype: "int32" }),
      }));
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
      const paused = new Promise<void>((resolve) => release = resolve);
      const pauseAfterStep20: train.Callback = {
        async onStepEnd(_context, step) {
          if (step.globalStep === 20) await paused;
        },
      };
      training = train.fit(model, {
        data: batches,
        loss: F.crossEntropy,
        optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
        epochs: EPOCHS,
        metrics: ["accuracy"],
        progress: false,
        callbacks: [live.callback, pauseAfterStep20],
      });

      await waitForState(page, "s.points >= 20");
      const first = await liveState(page);
      assert.equal(first.points, 20, "the page has every step up to the pause");
      assert.equal(first.ended, false);
      release();
      const history = await training;
      await waitForState(page, `s.ended && s.points === ${EPOCHS * STEPS}`);
      await waitForState(page, `s.drawn === ${EPOCHS * STEPS + 2 * EPOCHS}`);
      const done = await liveState(page);
      assert.equal(done.epochs, EPOCHS);
      assert.deepEqual(done.errors, []);
      const status = await page.locator("#status").textContent();
      assert.match(status ?? "", new RegExp(`epoch ${EPOCHS}/${EPOCHS}`));
      assert.match(status ?? "", /finished in/);
      assert.equal(history.stepLosses.length, EPOCHS * STEPS);
      for (const id of ["#steps-panel", "#epoch-loss-panel", "#epoch-metrics-panel"]) {
        assert.ok(await page.locator(id).isVisible(), `${id} is shown`);
        assert.equal(await page.locator(`${id} canvas`).count(), 1, `${id} has a uPlot canvas`);
      }

      const grid = await viz.imageGrid(randn([2, 1, 28, 28]), { columns: 2 });
      const info = await live.publishImage(grid, "samples after epoch 3");
      await waitForState(page, "s.images >= 1");
      const shown = await page.locator("#image").evaluate((image: HTMLImageElement) => ({
        src: image.src,
        width: image.naturalWidth,
      }));
      assert.ok(shown.src.endsWith(info.url), shown.src);
      assert.ok(shown.width >= 56, `the image is ${shown.width} pixels wide`);
      assert.equal(await page.locator("#caption").textContent(), "samples after epoch 3");

      const late = await browser.newPage();
      await late.goto(live.url);
      await waitForState(late, `s.points === ${EPOCHS * STEPS} && s.images === 1 && s.ended`);
      assert.deepEqual(pageErrors, []);
    } finally {
      release();
      await training?.catch(() => {});
      await browser?.close();
      await live.close();
    }
  },
});
