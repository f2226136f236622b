/**
 * `--live` for the examples: `--live` serves the live training page on 127.0.0.1:8001,
 * `--live=PORT` on another port (0: any free one), `--live=HOST:PORT` on another interface. The
 * page starts with the first training run of the process and stays up after training until the
 * process is stopped (Ctrl-C); the examples' own arguments never see the flag.
 */
import type { train } from "../../runtime/mod.ts";
import { DEFAULT_LIVE_PORT, type LiveTraining, liveTraining } from "../../server/live/mod.ts";

/** Where `--live` asks the page to be served. */
export interface LiveAddress {
  hostname: string;
  port: number;
}

const LIVE_FLAG = /^--live(?:=(.*))?$/;

/** The arguments without the `--live` flags (what the examples parse). */
export function exampleArgs(args: readonly string[] = Deno.args): string[] {
  return args.filter((arg) => !LIVE_FLAG.test(arg));
}

/** The address the last `--live` flag in `args` asks for, or null without one. */
export function parseLiveFlag(args: readonly string[] = Deno.args): LiveAddress | null {
  const flag = args.findLast((arg) => LIVE_FLAG.test(arg));
  if (flag === undefined) return null;
  const value = LIVE_FLAG.exec(flag)?.[1];
  if (value === undefined) return { hostname: "127.0.0.1", port: DEFAULT_LIVE_PORT };
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    throw new Error(
      `${flag}: expected --live, --live=PORT or --live=HOST:PORT with PORT in 0..65535 (0: any ` +
        "free port)",
    );
  }
  return { hostname: match[1] ?? "127.0.0.1", port };
}

let started: Promise<LiveTraining | null> | null = null;

/** The process's live page when `--live` was given (started on the first call), else null. */
export function liveFromArgs(args: readonly string[] = Deno.args): Promise<LiveTraining | null> {
  started ??= (async () => {
    const address = parseLiveFlag(args);
    if (address === null) return null;
    // The task's name: scripts/examples/mnist_mlp.ts → "mnist-mlp".
    const task = Deno.mainModule.split("/").pop()?.replace(/\.ts$/, "").replaceAll("_", "-");
    const live = await liveTraining({ ...address, title: `edgegrad: ${task ?? "training"}` });
    console.log("  (open it in a browser; after training it stays up until Ctrl-C)");
    return live;
  })();
  return started;
}

/** The callbacks to add to `fit`: the live page's with `--live`, else none. */
export async function liveCallbacks(
  args: readonly string[] = Deno.args,
): Promise<train.Callback[]> {
  const live = await liveFromArgs(args);
  return live === null ? [] : [live.callback];
}
