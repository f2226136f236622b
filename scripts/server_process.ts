/**
 * Starting a server as a child process on loopback and waiting until it answers: shared by the
 * worker test and the serving benchmark (W5), which start the Deno server, `deno serve` and
 * workerd the same way. The child's output is kept for the error message when it never answers.
 */

/** A server process on loopback. */
export interface ServerProcess {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Milliseconds from spawning to the first successful readiness answer. */
  readonly startMs: number;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** How to start a server and how to know it is ready. */
export interface StartOptions {
  /** Its arguments; the port is known in advance (see `freePort`). */
  args: string[];
  port: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** The working directory (default: the current one). */
  cwd?: string;
  /**
   * The request that shows it is ready (default: GET /v2/health/ready). It is retried until it
   * answers 2xx.
   */
  ready?: (url: string) => Promise<Response>;
  /** Milliseconds between attempts (default 50). */
  pollMs?: number;
  /** Milliseconds before giving up (default 20 000). */
  timeoutMs?: number;
}

/** A port free on 127.0.0.1 at the time of the call. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Spawns `command` and resolves once `ready` answers 2xx; throws with its output otherwise. */
export async function startServer(command: string, options: StartOptions): Promise<ServerProcess> {
  const { args, port, pollMs = 50, timeoutMs = 20_000 } = options;
  const url = `http://127.0.0.1:${port}`;
  const ready = options.ready ?? ((base: string) => fetch(`${base}/v2/health/ready`));
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const collect = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeTo(
      new WritableStream({
        write(chunk) {
          output += decoder.decode(chunk, { stream: true });
        },
      }),
    );
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await drained;
  };
  const deadline = started + timeoutMs;
  while (performance.now() < deadline && !exited) {
    try {
      const response = await ready(url);
      await response.body?.cancel();
      if (response.ok) return { url, startMs: performance.now() - started, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  await stop();
  throw new Error(
    `${command} ${args.join(" ")} did not get ready within ${timeoutMs} ms` +
      `${exited ? " (it exited)" : ""}; its output:\n${output}`,
  );
}
