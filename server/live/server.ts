/**
 * `liveTraining`: the live training page on its own Hono app under `Deno.serve`, with a `fit`
 * callback and methods for loops that do not use `fit`. The server keeps serving after training
 * ends (a listening server keeps a Deno process alive) until `close()` or the process exits.
 */
import { Hono } from "hono";
import type { Callback } from "../../runtime/train/callback.ts";
import type { ImageInfo } from "./events.ts";
import { EventLoopYielder, liveCallback } from "./callback.ts";
import { LiveHub, type LiveHubOptions, type LiveRunOptions } from "./hub.ts";
import type { LiveEpoch, LiveStep } from "./hub.ts";
import { loadLiveAssets } from "./assets.ts";
import { mountLive, type MountLiveOptions } from "./routes.ts";

/** Options of `liveTraining`. */
export interface LiveTrainingOptions extends LiveHubOptions, MountLiveOptions {
  /** Interface to listen on (default 127.0.0.1; "0.0.0.0" to be reachable from elsewhere). */
  hostname?: string;
  /** Port (default 8001, beside the inference server's 8000); 0 picks a free one. */
  port?: number;
  /** Receives the lines it prints (the URL at start, a note when training ends); false: silent. */
  log?: ((line: string) => void) | false;
  /** Milliseconds of training between two turns of the event loop while a page is open (100). */
  yieldInterval?: number;
  /** The same while no page is open (default 250: a page connecting waits about that long per request). */
  idleYieldInterval?: number;
}

/** A running live page. */
export interface LiveTraining {
  /** The page's address, e.g. `http://127.0.0.1:8001/live`. */
  readonly url: string;
  /** The address bound (the real port when 0 was asked). */
  readonly addr: Deno.NetAddr;
  /** The state and its subscribers. */
  readonly hub: LiveHub;
  /** Pass to `fit`: `callbacks: [live.callback]`. */
  readonly callback: Callback;
  /** Starts a run by hand (a loop without `fit`); publishing a step starts one if needed. */
  startRun(options?: LiveRunOptions): void;
  /** Says an epoch begins and how many steps it has (for the page's step count and ETA). */
  startEpoch(epoch: number, stepsInEpoch?: number | null): void;
  /** Publishes a step; await it, so the page is served while the loop runs. */
  publishStep(step: LiveStep): Promise<void>;
  /** Publishes an epoch's values; await it as `publishStep`. */
  publishEpoch(epoch: LiveEpoch): Promise<void>;
  /** Makes `png` (a PNG file's bytes) the page's image, e.g. the latest sample grid. */
  publishImage(png: Uint8Array, caption?: string): Promise<ImageInfo>;
  /** Ends the run by hand (`fit`'s callback does it itself). */
  endRun(options?: { stopReason?: string | null; error?: string | null }): Promise<void>;
  /** Ends every page's event stream and stops the server; the port is free when it resolves. */
  close(): Promise<void>;
}

/** Default port of the live page. */
export const DEFAULT_LIVE_PORT = 8001;

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `live: port must be an integer in 0..65535 (0: any free port), got ${port}`,
    );
  }
}

/**
 * Serves the live training page and returns the callback and publishing methods.
 * @example
 * const live = await liveTraining({ port: 8001 }); // prints http://127.0.0.1:8001/live
 * await train.fit(model, { data, loss: F.crossEntropy, optimizer, epochs: 5, callbacks: [live.callback] });
 * // a loop of its own:
 * await live.publishStep({ step, values: { d_loss, g_loss } });
 * await live.publishImage(await viz.imageGrid(samples, { columns: 8 }), `epoch ${epoch}`);
 */
export async function liveTraining(options: LiveTrainingOptions = {}): Promise<LiveTraining> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? DEFAULT_LIVE_PORT;
  checkPort(port);
  const log = options.log === false ? () => {} : options.log ?? ((line) => console.log(line));
  const now = options.now ?? (() => performance.now());
  const hub = new LiveHub({ ...options, now });
  const yielder = new EventLoopYielder(
    options.yieldInterval ?? 100,
    options.idleYieldInterval ?? 250,
    () => hub.subscriberCount > 0,
    now,
  );
  const app = mountLive(new Hono(), hub, await loadLiveAssets(), options);

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port, onListen() {} }, app.fetch);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `live: ${hostname}:${port} is in use; choose another port (--live=PORT, or 0 for any ` +
          "free one)",
        { cause: error },
      );
    }
    throw error;
  }
  const shownHost = server.addr.hostname.includes(":")
    ? `[${server.addr.hostname}]`
    : server.addr.hostname;
  const url = `http://${shownHost}:${server.addr.port}/live`;
  log(`live training page: ${url}`);

  const fitCallback = liveCallback(hub, yielder);
  const callback: Callback = {
    ...fitCallback,
    async onTrainEnd(context) {
      await fitCallback.onTrainEnd?.(context);
      if (!hub.closed) log(`live: training ended; ${url} keeps serving until the process exits`);
    },
  };
  let closing: Promise<void> | null = null;
  return {
    url,
    addr: server.addr,
    hub,
    callback,
    startRun(runOptions) {
      hub.startRun(runOptions);
    },
    startEpoch(epoch, stepsInEpoch) {
      hub.startEpoch(epoch, stepsInEpoch);
    },
    async publishStep(step) {
      hub.addStep(step);
      await yielder.maybeYield();
    },
    async publishEpoch(epoch) {
      hub.addEpoch(epoch);
      await yielder.maybeYield();
    },
    async publishImage(png, caption) {
      const info = hub.setImage(png, caption);
      await yielder.maybeYield();
      return info;
    },
    async endRun(endOptions) {
      hub.endRun(endOptions);
      await yielder.maybeYield(true);
    },
    close() {
      closing ??= (async () => {
        hub.close();
        await server.shutdown();
      })();
      return closing;
    },
  };
}
