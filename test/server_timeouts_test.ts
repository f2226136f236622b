/**
 * Read timeouts of the Deno server (defect 7 of issue 15), with real slow senders on loopback: a
 * raw connection that sends its headers then dribbles the body, one that dribbles its headers, and
 * one that says nothing; each must get its 408 (or be closed) and see the connection end, long
 * before the guard of each read. Requests that arrive in time pass through unchanged.
 */
import assert from "node:assert/strict";
import { manualSeed, nn } from "../runtime/mod.ts";
import { createApp } from "../server/app.ts";
import { serveWithReadTimeouts } from "../server/read_timeouts.ts";
import { ModelRegistry } from "../server/registry.ts";

manualSeed(3);
const registry = new ModelRegistry();
const model = new nn.Sequential(new nn.Linear(4, 2));
registry.add("tiny", {
  model,
  config: { format: "edgegrad", version: 1, architecture: model.toConfig(), inputShape: [4] },
});
const app = createApp({ registry });

/** Guard of every read: a connection still open this long after its deadline fails the test. */
const GUARD_MS = 5000;

/** Everything the server sends until it closes the connection, or an error after `GUARD_MS`. */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(4096);
  let text = "";
  let guard: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    guard = setTimeout(
      () => reject(new Error(`still open after ${GUARD_MS} ms: ${text}`)),
      GUARD_MS,
    );
  });
  try {
    for (;;) {
      const n = await Promise.race([conn.read(buffer), timedOut]);
      if (n === null) return text;
      text += decoder.decode(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(guard);
    try {
      conn.close();
    } catch {
      // Closed by the server already.
    }
  }
}

/** Writes `head`, then `dribble` one byte every `everyMs` until the connection fails. */
async function slowSender(port: number, head: string, dribble: string, everyMs: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(head));
  const sending = (async () => {
    for (const char of dribble) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      try {
        await conn.write(new TextEncoder().encode(char));
      } catch {
        return; // the server closed the connection
      }
    }
  })();
  const received = await readToEnd(conn);
  await sending;
  return received;
}

function statusAndError(response: string): { status: number; error: string } {
  const [head, body] = response.split("\r\n\r\n");
  assert.match(head, /^HTTP\/1\.1 \d{3} /);
  assert.match(head, /\r\ncontent-type: application\/json\r\n/i);
  assert.match(head, /\r\nconnection: close(\r\n|$)/i);
  return { status: Number(head.slice(9, 12)), error: JSON.parse(body).error };
}

const INFER = JSON.stringify({
  inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }],
});

Deno.test("a body that dribbles past the body timeout gets 408 and its connection is closed", async () => {
  const server = await serveWithReadTimeouts(app.fetch, {
    port: 0,
    headersTimeoutMs: 300,
    bodyTimeoutMs: 300,
  });
  try {
    const response = await slowSender(
      server.port,
      `POST /v2/models/tiny/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${INFER.length}\r\n\r\n`,
      INFER,
      100,
    );
    assert.deepEqual(statusAndError(response), {
      status: 408,
      error: "the request body did not arrive within 0.3 s; the connection is closed",
    });
    // Chunked, the same.
    const chunked = await slowSender(
      server.port,
      "POST /v2/models/tiny/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        '5\r\n{"inp\r\n',
      "1\r\nu\r\n".repeat(20),
      50,
    );
    assert.equal(statusAndError(chunked).status, 408);
  } finally {
    await server.shutdown();
  }
});

Deno.test("headers that dribble past the headers timeout get 408; a silent connection is closed", async () => {
  const server = await serveWithReadTimeouts(app.fetch, {
    port: 0,
    headersTimeoutMs: 300,
    idleTimeoutMs: 400,
  });
  try {
    const response = await slowSender(
      server.port,
      "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n",
      "X-Slow: " + "a".repeat(40),
      50,
    );
    assert.deepEqual(statusAndError(response), {
      status: 408,
      error: "the request's headers did not arrive within 0.3 s; the connection is closed",
    });
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    assert.equal(await readToEnd(silent), "");
  } finally {
    await server.shutdown();
  }
});

Deno.test("requests in time pass through the front unchanged: keep-alive, chunked, large bodies", async () => {
  const server = await serveWithReadTimeouts(app.fetch, { port: 0, bodyTimeoutMs: 2000 });
  const url = `http://127.0.0.1:${server.port}`;
  try {
    const direct = await (await app.request("/v2/models/tiny/infer", {
      method: "POST",
      body: INFER,
    })).json();
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${url}/v2/models/tiny/infer`, { method: "POST", body: INFER });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), direct);
    }
    const bytes = new TextEncoder().encode(INFER);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const chunked = await fetch(`${url}/v2/models/tiny/infer`, { method: "POST", body: stream });
    assert.deepEqual(await chunked.json(), direct);
    // A body over the limit still gets the app's 413.
    const huge = await fetch(`${url}/v2/models/tiny/infer`, {
      method: "POST",
      body: new Uint8Array(9 * 1024 * 1024),
    });
    assert.equal(huge.status, 413);
    await huge.body?.cancel();
    assert.deepEqual(await (await fetch(`${url}/v2/health/live`)).json(), { live: true });
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveWithReadTimeouts refuses unknown options and negative timeouts", async () => {
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    serveWithReadTimeouts(app.fetch, { port: 0, bodyTimeout: 5 } as any),
    /serveWithReadTimeouts: unknown option "bodyTimeout"/,
  );
  await assert.rejects(
    serveWithReadTimeouts(app.fetch, { port: 0, headersTimeoutMs: -1 }),
    /headersTimeoutMs must be a number of milliseconds ≥ 0/,
  );
});
