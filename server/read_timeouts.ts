/**
 * Read timeouts for the Deno server (Deno only; the worker's host has its own). `Deno.serve` has
 * none (denoland/deno#3515): a client that sends half a header block, or a Content-Length and then
 * a byte a minute, keeps its connection and its handler open for ever, and the handler cannot
 * close the connection (after a 408 Deno still waits for the announced body). So the server
 * listens through a thin TCP front: each connection is relayed to `Deno.serve` on a private Unix
 * socket, and the front follows HTTP/1.1 request framing (header block, Content-Length or chunked
 * body) just enough to know what the client still owes:
 *
 * - a header block not complete `headersTimeoutMs` after its first byte, or a body not complete
 *   `bodyTimeoutMs` after its headers, gets `408 {"error": ...}` (when no response has started)
 *   and the connection is closed;
 * - a connection with no traffic either way for `idleTimeoutMs` is closed.
 *
 * Requests the front cannot frame (an upgrade, a malformed length) are relayed as they are, under
 * the idle timeout only; Deno answers the malformed ones itself.
 */
import { checkOptions, type OptionKeys } from "../runtime/options.ts";

/** Read timeouts, in milliseconds; 0 turns one off. */
export interface ReadTimeouts {
  /** From a request's first byte to the end of its header block (default 10 s). */
  headersTimeoutMs?: number;
  /** From the end of the header block to the end of the body (default 30 s). */
  bodyTimeoutMs?: number;
  /** No byte either way on a connection for this long closes it (default 120 s). */
  idleTimeoutMs?: number;
}

/** Where `serveWithReadTimeouts` listens, and its timeouts. */
export interface ServeWithReadTimeoutsOptions extends ReadTimeouts {
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Called once listening, with the public address. */
  onListen?: (address: { hostname: string; port: number }) => void;
}

const KEYS: OptionKeys<ServeWithReadTimeoutsOptions> = {
  headersTimeoutMs: true,
  bodyTimeoutMs: true,
  idleTimeoutMs: true,
  hostname: true,
  port: true,
  onListen: true,
};

/** Defaults of `ReadTimeouts`. */
export const DEFAULT_READ_TIMEOUTS: Required<ReadTimeouts> = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
};

/** Largest header block the front frames; a larger one gets 431. */
const MAX_HEADER_BYTES = 64 * 1024;

/** What the front waits for from the client on one connection. */
type Expecting =
  | { kind: "headers"; bytes: number[] | null }
  | { kind: "length"; remaining: number }
  | { kind: "chunked"; state: ChunkedState }
  | { kind: "unframed" };

/** Chunked body position: in a size line, in data, after data (CRLF), or in the trailers. */
interface ChunkedState {
  phase: "size" | "data" | "dataEnd" | "trailer";
  line: string;
  remaining: number;
}

/** The result of looking at one header block: how its body is framed. */
function bodyFraming(head: string): Expecting {
  const lines = head.split(/\r?\n/);
  let length: string | null = null;
  let chunked = false;
  let upgrade = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") {
      if (length !== null && length !== value) return { kind: "unframed" };
      length = value;
    } else if (name === "transfer-encoding") {
      chunked = /(^|,)\s*chunked\s*$/i.test(value);
      if (!chunked) return { kind: "unframed" };
    } else if (name === "upgrade") {
      upgrade = true;
    }
  }
  if (upgrade) return { kind: "unframed" };
  if (chunked) return { kind: "chunked", state: { phase: "size", line: "", remaining: 0 } };
  if (length === null) return { kind: "headers", bytes: null };
  if (!/^\d{1,15}$/.test(length)) return { kind: "unframed" };
  const remaining = Number(length);
  return remaining === 0 ? { kind: "headers", bytes: null } : { kind: "length", remaining };
}

/**
 * Follows a chunked body through `data[from..]`; returns the index just past the body's end, or
 * -1 when the body goes on (or -2 when it is malformed).
 */
function followChunked(state: ChunkedState, data: Uint8Array, from: number): number {
  let i = from;
  while (i < data.length) {
    if (state.phase === "data") {
      const take = Math.min(state.remaining, data.length - i);
      state.remaining -= take;
      i += take;
      if (state.remaining === 0) state.phase = "dataEnd";
      continue;
    }
    const byte = data[i++];
    if (byte !== 10) {
      state.line += String.fromCharCode(byte);
      if (state.line.length > 4096) return -2;
      continue;
    }
    const line = state.line.replace(/\r$/, "");
    state.line = "";
    if (state.phase === "dataEnd") {
      if (line !== "") return -2;
      state.phase = "size";
    } else if (state.phase === "size") {
      const size = /^([0-9a-fA-F]{1,12})\s*(;.*)?$/.exec(line);
      if (size === null) return -2;
      state.remaining = parseInt(size[1], 16);
      state.phase = state.remaining === 0 ? "trailer" : "data";
    } else if (line === "") {
      return i; // the empty line after the last chunk's trailers
    }
  }
  return -1;
}

function timeoutResponse(status: 408 | 431, error: string): Uint8Array {
  const body = JSON.stringify({ error });
  const reason = status === 408 ? "Request Timeout" : "Request Header Fields Too Large";
  return new TextEncoder().encode(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\n` +
      `content-length: ${
        new TextEncoder().encode(body).length
      }\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** One client connection relayed to the inner server, with its deadlines. */
async function relay(
  client: Deno.Conn,
  innerPath: string,
  timeouts: Required<ReadTimeouts>,
): Promise<void> {
  let inner: Deno.Conn;
  try {
    inner = await Deno.connect({ transport: "unix", path: innerPath });
  } catch {
    client.close();
    return;
  }
  let closed = false;
  let expecting: Expecting = { kind: "headers", bytes: null };
  /** When the current header block or body must be complete (0: no deadline). */
  let deadline = 0;
  let lastTraffic = Date.now();
  /** Bytes the inner server wrote since the client's current request began. */
  let answeredBytes = 0;
  let requests = 0;
  const close = (answer?: Uint8Array) => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    const finish = () => {
      for (const conn of [client, inner]) {
        try {
          conn.close();
        } catch {
          // Already closed by the other side.
        }
      }
    };
    if (answer === undefined) finish();
    else client.write(answer).catch(() => {}).finally(finish);
  };
  const check = () => {
    const now = Date.now();
    if (timeouts.idleTimeoutMs > 0 && now - lastTraffic > timeouts.idleTimeoutMs) close();
    else if (deadline > 0 && now > deadline) {
      const seconds = (ms: number) => `${ms / 1000} s`;
      const error = expecting.kind === "headers"
        ? `the request's headers did not arrive within ${seconds(timeouts.headersTimeoutMs)}`
        : `the request body did not arrive within ${seconds(timeouts.bodyTimeoutMs)}`;
      // A 408 only where no response has begun, so that it cannot land inside another.
      const mayAnswer = answeredBytes === 0 && (expecting.kind !== "headers" || requests === 0);
      close(mayAnswer ? timeoutResponse(408, `${error}; the connection is closed`) : undefined);
    }
  };
  const shortest = [timeouts.headersTimeoutMs, timeouts.bodyTimeoutMs, timeouts.idleTimeoutMs]
    .filter((ms) => ms > 0);
  const timer = setInterval(check, Math.max(10, Math.min(1000, ...shortest) / 10));

  /** Advances the framing over one chunk of client bytes; false when the client must go. */
  const follow = (data: Uint8Array): boolean => {
    let i = 0;
    while (i < data.length) {
      if (expecting.kind === "unframed") return true;
      if (expecting.kind === "headers") {
        if (expecting.bytes === null) {
          expecting.bytes = [];
          deadline = timeouts.headersTimeoutMs > 0 ? Date.now() + timeouts.headersTimeoutMs : 0;
          answeredBytes = 0;
        }
        const bytes = expecting.bytes;
        let end = -1;
        for (; i < data.length; i++) {
          bytes.push(data[i]);
          const n = bytes.length;
          if (
            data[i] === 10 && n >= 2 && (bytes[n - 2] === 10 || (bytes[n - 2] === 13 &&
              n >= 4 && bytes[n - 3] === 10 && bytes[n - 4] === 13))
          ) {
            end = ++i;
            break;
          }
        }
        if (bytes.length > MAX_HEADER_BYTES) {
          close(timeoutResponse(431, `the request's headers exceed ${MAX_HEADER_BYTES} bytes`));
          return false;
        }
        if (end < 0) return true;
        // A blank line between requests is allowed before a request line.
        if (bytes.every((b) => b === 13 || b === 10)) {
          expecting = { kind: "headers", bytes: null };
          deadline = 0;
          continue;
        }
        requests++;
        expecting = bodyFraming(new TextDecoder("latin1").decode(Uint8Array.from(bytes)));
        deadline = expecting.kind === "length" || expecting.kind === "chunked"
          ? (timeouts.bodyTimeoutMs > 0 ? Date.now() + timeouts.bodyTimeoutMs : 0)
          : 0;
      } else if (expecting.kind === "length") {
        const take = Math.min(expecting.remaining, data.length - i);
        expecting.remaining -= take;
        i += take;
        if (expecting.remaining === 0) {
          expecting = { kind: "headers", bytes: null };
          deadline = 0;
        }
      } else {
        const end = followChunked(expecting.state, data, i);
        if (end === -2) {
          expecting = { kind: "unframed" };
          deadline = 0;
          return true;
        }
        if (end === -1) return true;
        i = end;
        expecting = { kind: "headers", bytes: null };
        deadline = 0;
      }
    }
    return true;
  };

  const upstream = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await client.read(buffer);
        if (n === null) {
          await inner.closeWrite().catch(() => {});
          return;
        }
        lastTraffic = Date.now();
        const data = buffer.subarray(0, n);
        if (!follow(data)) return;
        let written = 0;
        while (written < n) written += await inner.write(data.subarray(written));
      }
    } catch {
      close();
    }
  })();
  const downstream = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await inner.read(buffer);
        if (n === null) break;
        lastTraffic = Date.now();
        answeredBytes += n;
        let written = 0;
        while (written < n) written += await client.write(buffer.subarray(written, n));
      }
    } catch {
      // The client went away, or close() closed both.
    }
    close();
  })();
  await Promise.all([upstream, downstream]);
}

/**
 * Serves `handler` over HTTP/1.1 like `Deno.serve`, with read timeouts (see the module comment).
 * Returns the public address, and `shutdown()`, which stops listening and waits for the open
 * requests to finish.
 * @example
 * const server = await serveWithReadTimeouts(app.fetch, { port: 8000, bodyTimeoutMs: 30_000 });
 * await server.shutdown();
 */
export async function serveWithReadTimeouts(
  handler: (request: Request) => Response | Promise<Response>,
  options: ServeWithReadTimeoutsOptions = {},
): Promise<{ hostname: string; port: number; shutdown: () => Promise<void> }> {
  const { hostname = "127.0.0.1", port = 8000, onListen, ...given } = checkOptions(
    "serveWithReadTimeouts",
    options,
    KEYS,
  );
  const timeouts = { ...DEFAULT_READ_TIMEOUTS, ...given };
  for (const [name, ms] of Object.entries(timeouts)) {
    if (!(Number.isFinite(ms) && ms >= 0)) {
      throw new RangeError(
        `serveWithReadTimeouts: ${name} must be a number of milliseconds ≥ 0 (0 turns it off), ` +
          `got ${ms}`,
      );
    }
  }
  const socketDir = await Deno.makeTempDir({ prefix: "edgegrad_serve_" });
  const innerPath = `${socketDir}/http.sock`;
  const inner = Deno.serve({ path: innerPath, onListen: () => {} }, handler);
  const listener = Deno.listen({ hostname, port });
  const address = listener.addr as Deno.NetAddr;
  const connections = new Set<Promise<void>>();
  const accepting = (async () => {
    try {
      for await (const client of listener) {
        const done: Promise<void> = relay(client, innerPath, timeouts).finally(() =>
          connections.delete(done)
        );
        connections.add(done);
      }
    } catch {
      // The listener was closed by shutdown().
    }
  })();
  onListen?.({ hostname: address.hostname, port: address.port });
  return {
    hostname: address.hostname,
    port: address.port,
    async shutdown() {
      listener.close();
      await accepting;
      await inner.shutdown();
      await Promise.all([...connections]);
      await Deno.remove(socketDir, { recursive: true }).catch(() => {});
    },
  };
}
