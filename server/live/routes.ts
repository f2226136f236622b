/**
 * The live page's routes on any Hono app (its own under `liveTraining`, or the inference server's):
 *
 * - `GET /live`: the page; `GET /live/client.js`, `/live/merge_values.js`, `/live/uplot.js`,
 *   `/live/uplot.css` its scripts
 * - `GET /live/events`: server-sent events: first a `snapshot` of everything kept (a late page
 *   sees the whole run), then `run`, `epochStart`, `step`, `epoch`, `image` and `end` as they come
 * - `GET /live/state`: the same snapshot as JSON
 * - `GET /live/image.png`: the latest image (404 before the first)
 *
 * A page that reads too slowly to keep up is sent a fresh snapshot instead of an ever longer
 * queue, so a stalled tab cannot make the server's memory grow.
 */
import type { Context, Hono } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { LiveEvent } from "./events.ts";
import type { LiveHub } from "./hub.ts";

/** The page's files, as `loadLiveAssets` reads them. */
export interface LiveAssets {
  /** page.html */
  html: string;
  /** client.js, the page's script */
  client: string;
  /** merge_values.js, which client.js imports (the server merges points with the same code) */
  mergeValues: string;
  /** uPlot's browser build (defines the global `uPlot`) */
  uplot: string;
  /** uPlot's stylesheet */
  uplotCss: string;
}

/** Options of `mountLive`. */
export interface MountLiveOptions {
  /** Seconds between keep-alive comments on an idle event stream (default 15). */
  keepAlive?: number;
  /** Events queued for one page before it is resynchronised with a snapshot (default 10,000). */
  maxQueue?: number;
}

/** A page's queue of events, woken when one arrives or the hub closes. */
class Connection {
  queue: LiveEvent[] = [];
  resync = true;
  ended = false;
  private wake: (() => void) | null = null;
  constructor(private readonly maxQueue: number) {}
  send(event: LiveEvent): void {
    if (this.resync) return;
    if (this.queue.length >= this.maxQueue) {
      this.queue = [];
      this.resync = true;
    } else {
      this.queue.push(event);
    }
    this.notify();
  }
  end(): void {
    this.ended = true;
    this.notify();
  }
  /** Resolves when there is something to do, or after `ms` (true then: send a keep-alive). */
  waitFor(ms: number): Promise<boolean> {
    if (this.ended || this.resync || this.queue.length > 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(true);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(false);
      };
    });
  }
  private notify(): void {
    this.wake?.();
  }
}

async function streamEvents(
  stream: SSEStreamingApi,
  hub: LiveHub,
  keepAliveMs: number,
  maxQueue: number,
): Promise<void> {
  const connection = new Connection(maxQueue);
  const unsubscribe = hub.subscribe(connection);
  stream.onAbort(() => connection.end());
  try {
    while (!connection.ended && !stream.aborted) {
      if (connection.resync) {
        connection.resync = false;
        connection.queue = [];
        await stream.writeSSE({ event: "snapshot", data: JSON.stringify(hub.snapshot()) });
        continue;
      }
      const event = connection.queue.shift();
      if (event !== undefined) {
        await stream.writeSSE({ event: event.type, data: JSON.stringify(event.data) });
      } else if (await connection.waitFor(keepAliveMs)) {
        await stream.write(": keep-alive\n\n");
      }
    }
  } finally {
    unsubscribe();
  }
}

function asset(body: string, type: string): (c: Context) => Response {
  return (c) => c.body(body, 200, { "content-type": type, "cache-control": "no-cache" });
}

/**
 * Adds the live page's routes to `app` and returns it.
 * @example
 * const hub = new LiveHub();
 * const app = mountLive(createApp({ registry }), hub, await loadLiveAssets());
 * Deno.serve(app.fetch); // the inference API and, at /live, the training page
 */
export function mountLive(
  app: Hono,
  hub: LiveHub,
  assets: LiveAssets,
  options: MountLiveOptions = {},
): Hono {
  const keepAliveMs = (options.keepAlive ?? 15) * 1000;
  const maxQueue = options.maxQueue ?? 10_000;
  app.get("/live", (c) => c.html(assets.html));
  app.get("/live/", (c) => c.redirect("/live"));
  app.get("/live/client.js", asset(assets.client, "text/javascript; charset=utf-8"));
  app.get("/live/merge_values.js", asset(assets.mergeValues, "text/javascript; charset=utf-8"));
  app.get("/live/uplot.js", asset(assets.uplot, "text/javascript; charset=utf-8"));
  app.get("/live/uplot.css", asset(assets.uplotCss, "text/css; charset=utf-8"));
  app.get("/live/state", (c) => c.json(hub.snapshot()));
  app.get("/live/image.png", (c) => {
    const image = hub.image();
    if (image === null) {
      return c.json({ error: "no image has been published yet (publishImage)" }, 404);
    }
    return c.body(image.png as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "image/png",
      "cache-control": "no-cache",
      "x-image-version": String(image.info.version),
    });
  });
  app.get("/live/events", (c) => {
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, (stream) => streamEvents(stream, hub, keepAliveMs, maxQueue));
  });
  return app;
}
