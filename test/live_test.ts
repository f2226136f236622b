/**
 * The live training page's server, in process: a small `fit` publishes to `/live/events` (read
 * with fetch) with the exact values of its history; a late client gets the whole run in its first
 * event; steps are downsampled by a fake clock exactly as the rate allows; the history is bounded
 * and keeps its mean; the image route serves the published PNG; `close()` ends the streams and
 * frees the port; the routes mount on the inference app; `--live` parses.
 */
import assert from "node:assert/strict";
import { F, manualSeed, nn, optim, tensor, train, viz } from "../runtime/mod.ts";
import { createApp } from "../server/app.ts";
import { ModelRegistry } from "../server/registry.ts";
import {
  type EpochPoint,
  EventLoopYielder,
  LiveHub,
  liveTraining,
  loadLiveAssets,
  mountLive,
  type RunInfo,
  type Snapshot,
  type StepPoint,
} from "../server/live/mod.ts";
import { exampleArgs, parseLiveFlag } from "../scripts/examples/live_flag.ts";
import { Hono } from "hono";

/** One server-sent event. */
interface Sse {
  event: string;
  data: unknown;
}

/** Reads server-sent events from `url` into `events` until the stream ends. */
function readEvents(url: string): { events: Sse[]; done: Promise<void>; cancel(): Promise<void> } {
  const events: Sse[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const response = await fetch(url, { signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block.split("\n").filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6)).join("\n");
          if (event !== undefined) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch (error) {
      if (!(error instanceof DOMException && error.name === "AbortError")) throw error;
    }
  })();
  return {
    events,
    done,
    async cancel() {
      controller.abort();
      await done;
    },
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

/** A tiny classification fit: 2 → 2 linear model, 3 epochs of 4 batches, with validation. */
async function tinyFit(callbacks: train.Callback[]): Promise<train.History> {
  manualSeed(7);
  const batches = Array.from({ length: 4 }, (_, i) => ({
    x: tensor([[i, 1], [1, -i], [0.5, i - 1]]),
    y: tensor([0, 1, i % 2], { dtype: "int32" }),
  }));
  const model = new nn.Linear(2, 2);
  return await train.fit(model, {
    data: batches,
    validation: batches.slice(0, 2),
    loss: F.crossEntropy,
    optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
    epochs: 3,
    metrics: ["accuracy"],
    progress: false,
    callbacks,
  });
}

Deno.test("live: a fit's run, steps and epochs arrive as events with its history's values; a late client gets them replayed", async () => {
  const live = await liveTraining({ port: 0, log: false, maxStepRate: Infinity });
  const base = `http://127.0.0.1:${live.addr.port}`;
  assert.equal(live.url, `${base}/live`);
  const early = readEvents(`${base}/live/events`);
  try {
    await until(() => early.events.length > 0, "the first snapshot");
    assert.equal(early.events[0].event, "snapshot");
    assert.equal((early.events[0].data as Snapshot).run, null);

    const history = await tinyFit([live.callback]);
    await until(() => early.events.some((e) => e.event === "end"), "the end event");
    const of = (name: string) => early.events.filter((e) => e.event === name).map((e) => e.data);

    const [run] = of("run") as RunInfo[];
    assert.equal(run.epochs, 3);
    assert.deepEqual(run.metrics, ["accuracy"]);
    assert.equal(run.hasValidation, true);
    assert.deepEqual(
      of("epochStart"),
      [1, 2, 3].map((epoch) => ({ epoch, stepsInEpoch: 4 })),
    );
    const steps = of("step") as StepPoint[];
    assert.deepEqual(steps.map((s) => s.step), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.deepEqual(steps.map((s) => s.stepInEpoch), [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    assert.ok(steps.every((s) => s.count === 1 && s.samples === 3));
    assert.deepEqual(steps.map((s) => s.values.loss), history.stepLosses);
    const epochs = of("epoch") as EpochPoint[];
    assert.deepEqual(epochs.map((e) => e.values), history.epochs.map((e) => e.values));
    assert.deepEqual(Object.keys(epochs[0].values), [
      "loss",
      "accuracy",
      "val_loss",
      "val_accuracy",
    ]);
    // Each epoch's last step comes before its epoch event.
    const order = early.events.map((e) => e.event === "epoch" ? "E" : e.event === "step" ? "s" : "")
      .join("");
    assert.equal(order, "ssssEssssEssssE");

    const late = readEvents(`${base}/live/events`);
    await until(() => late.events.length > 0, "the late client's snapshot");
    const snapshot = late.events[0].data as Snapshot;
    assert.equal(late.events[0].event, "snapshot");
    assert.deepEqual(snapshot.run, run);
    assert.deepEqual(snapshot.steps, steps);
    assert.deepEqual(snapshot.epochs, epochs);
    assert.equal(snapshot.end?.error, null);
    assert.deepEqual(await (await fetch(`${base}/live/state`)).json(), snapshot);
    await late.cancel();
  } finally {
    await live.close();
    await early.done;
  }
});

Deno.test("live: steps are downsampled to the rate (mean of the steps covered), epoch ends always send", () => {
  let now = 0;
  const hub = new LiveHub({ maxStepRate: 20, now: () => now }); // a point per 50 ms at most
  const sent: StepPoint[] = [];
  hub.subscribe({ send: (e) => e.type === "step" && sent.push(e.data), end() {} });
  hub.startRun({ epochs: 2, stepsInEpoch: 50 });
  for (let step = 1; step <= 100; step++, now++) { // one step a millisecond, loss = step number
    const epoch = step <= 50 ? 1 : 2;
    if (step === 1 || step === 51) hub.startEpoch(epoch, 50);
    hub.addStep({ step, epoch, stepInEpoch: step - (epoch - 1) * 50, values: { loss: step } });
  }
  // Step 1 goes at once; steps 2..50 wait for the epoch's end (49 ms < 50); 51..100 likewise.
  assert.deepEqual(sent.map((p) => [p.step, p.count, p.values.loss]), [
    [1, 1, 1],
    [50, 49, 26], // mean of 2..50
    [100, 50, 75.5], // mean of 51..100
  ]);
  assert.deepEqual(hub.snapshot().steps, sent);

  // Without epochs: a point each time 50 ms have passed since the last.
  hub.startRun();
  sent.length = 0;
  for (let step = 1; step <= 120; step++, now += 10) hub.addStep({ step, values: { loss: step } });
  assert.deepEqual(sent.map((p) => p.step), [
    1,
    6,
    11,
    16,
    21,
    26,
    31,
    36,
    41,
    46,
    51,
    56,
    61,
    66,
    71,
    76,
    81,
    86,
    91,
    96,
    101,
    106,
    111,
    116,
  ]);
  hub.endRun();
  assert.deepEqual(sent.slice(-1).map((p) => [p.step, p.count, p.values.loss]), [[120, 4, 118.5]]);
});

Deno.test("live: training hands the event loop a turn once per interval, more often while a page watches", async () => {
  let now = 0, watched = false;
  const yielder = new EventLoopYielder(100, 250, () => watched, () => now);
  /** Whether a zero timeout set just before got to run during maybeYield. */
  async function turned(force = false): Promise<boolean> {
    let ran = false;
    const timer = setTimeout(() => ran = true, 0);
    await yielder.maybeYield(force);
    clearTimeout(timer);
    return ran;
  }
  now = 249;
  assert.equal(await turned(), false, "no page: 249 ms < 250");
  now = 250;
  assert.equal(await turned(), true);
  watched = true;
  now = 349;
  assert.equal(await turned(), false, "a page: 99 ms < 100");
  now = 350;
  assert.equal(await turned(), true);
  assert.equal(await turned(true), true, "forced");
});

Deno.test("live: past maxPoints the stored curve halves by merging neighbours and keeps its mean", () => {
  const hub = new LiveHub({ maxStepRate: Infinity, maxPoints: 8 });
  for (let step = 1; step <= 21; step++) hub.addStep({ step, values: { loss: step, acc: 1 } });
  hub.addEpoch({ epoch: 1, values: { loss: Infinity } });
  const { steps, epochs } = hub.snapshot();
  assert.ok(steps.length <= 8, `${steps.length} points kept`);
  assert.equal(steps.reduce((n, p) => n + p.count, 0), 21);
  // Count-weighted means are exact: Σ count·mean = Σ 1..21 = 231.
  assert.equal(steps.reduce((sum, p) => sum + p.count * (p.values.loss as number), 0), 231);
  assert.ok(steps.every((p) => p.values.acc === 1));
  assert.ok(steps.every((p, i) => i === 0 || p.step > steps[i - 1].step));
  assert.equal(steps.at(-1)?.step, 21);
  assert.equal(epochs[0].values.loss, null, "Infinity is sent as null (JSON has no Infinity)");
});

Deno.test("live: bad input gets an error that says what was wrong", () => {
  const hub = new LiveHub();
  assert.throws(
    () => hub.addStep({ step: 1, values: { loss: "0.3" as unknown as number } }),
    /value "loss" must be a number, got string/,
  );
  assert.throws(
    () => hub.addStep({ step: 1, values: [0.3] as unknown as Record<string, number> }),
    /values must be an object of numbers.*got an array/,
  );
  hub.addStep({ step: 5, values: { loss: 1 } });
  assert.throws(() => hub.addStep({ step: 5, values: { loss: 1 } }), /step 5 is not after/);
  assert.throws(() => hub.setImage(new Uint8Array([1, 2, 3])), /bytes of a PNG file/);
  assert.throws(() => new LiveHub({ maxStepRate: 0 }), /maxStepRate must be a positive/);
  assert.throws(() => new LiveHub({ maxPoints: 1 }), /maxPoints must be an integer ≥ 2/);
});

Deno.test("live: the image route serves the published PNG; close() ends the streams and frees the port", async () => {
  const live = await liveTraining({ port: 0, log: false });
  const base = `http://127.0.0.1:${live.addr.port}`;
  const stream = readEvents(`${base}/live/events`);
  let closed = false;
  try {
    const missing = await fetch(`${base}/live/image.png`);
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).error, /no image has been published/);

    const png = viz.encodePng(new Uint8Array([0, 64, 128, 255]), 2, 2, 1);
    const info = await live.publishImage(png, "a 2×2 test image");
    assert.deepEqual(info, { version: 1, caption: "a 2×2 test image", url: "/live/image.png?v=1" });
    const response = await fetch(`${base}${info.url}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/png");
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), png);
    await until(() => stream.events.some((e) => e.event === "image"), "the image event");
    assert.deepEqual(stream.events.find((e) => e.event === "image")?.data, info);

    const page = await fetch(`${base}/live`);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const html = await page.text();
    for (const asset of ["/live/client.js", "/live/uplot.js", "/live/uplot.css"]) {
      assert.ok(html.includes(asset), `the page links ${asset}`);
      const response = await fetch(`${base}${asset}`);
      assert.equal(response.status, 200, asset);
      assert.ok((await response.text()).length > 1000, `${asset} has content`);
    }

    const port = live.addr.port;
    await live.close();
    closed = true;
    await stream.done; // the open event stream ended with the server
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    listener.close();
  } finally {
    if (!closed) await live.close();
    await stream.done;
  }
});

Deno.test("live: a page that falls behind by maxQueue events gets a fresh snapshot instead", async () => {
  const live = await liveTraining({ port: 0, log: false, maxStepRate: Infinity, maxQueue: 3 });
  const stream = readEvents(`http://127.0.0.1:${live.addr.port}/live/events`);
  try {
    await until(() => stream.events.length === 1, "the first snapshot");
    // Ten steps with no turn of the event loop between them: the queue overflows at 3.
    for (let step = 1; step <= 10; step++) live.hub.addStep({ step, values: { loss: step } });
    await until(() => stream.events.length >= 2, "the resynchronisation");
    // Without the limit, step events would come first.
    assert.deepEqual(stream.events.slice(0, 2).map((e) => e.event), ["snapshot", "snapshot"]);
    const steps = (stream.events[1].data as Snapshot).steps;
    assert.deepEqual(steps.map((p) => p.values.loss), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  } finally {
    await live.close();
    await stream.done;
  }
});

Deno.test("live: a port in use gets a clear error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      liveTraining({ port: (listener.addr as Deno.NetAddr).port, log: false }),
      /is in use; choose another port/,
    );
  } finally {
    listener.close();
  }
});

Deno.test("live: the routes mount on the inference app beside /v2", async () => {
  const hub = new LiveHub();
  hub.addEpoch({ epoch: 1, values: { loss: 0.5 } });
  const app = mountLive(createApp({ registry: new ModelRegistry() }), hub, await loadLiveAssets());
  assert.equal((await app.request("/v2/health/live")).status, 200);
  const page = await app.request("/live");
  assert.equal(page.status, 200);
  assert.match(await page.text(), /live\/client\.js/);
  const state = await (await app.request("/live/state")).json() as Snapshot;
  assert.deepEqual(state.epochs.map((e) => e.values), [{ loss: 0.5 }]);
  assert.equal(
    (await mountLive(new Hono(), hub, await loadLiveAssets()).request("/live")).status,
    200,
  );
});

Deno.test("live: --live flags parse and are removed from the examples' arguments", () => {
  assert.equal(parseLiveFlag(["3"]), null);
  assert.deepEqual(parseLiveFlag(["--live", "3"]), { hostname: "127.0.0.1", port: 8001 });
  assert.deepEqual(parseLiveFlag(["3", "--live=0"]), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseLiveFlag(["--live=0.0.0.0:9000"]), { hostname: "0.0.0.0", port: 9000 });
  assert.throws(() => parseLiveFlag(["--live=abc"]), /expected --live, --live=PORT or/);
  assert.throws(() => parseLiveFlag(["--live=70000"]), /PORT in 0\.\.65535/);
  assert.deepEqual(exampleArgs(["--live", "3", "--steps", "5", "--live=9"]), ["3", "--steps", "5"]);
});
