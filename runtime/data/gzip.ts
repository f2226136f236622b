/** Gzip detection and decompression (Web-standard DecompressionStream), with a guard on the output. */

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes. `guard(chunks, received)` runs after every decompressed chunk and may
 * throw to stop early, so that a corrupt or hostile stream cannot exhaust memory. `name` (a file
 * path) labels the errors.
 * @example const raw = await gunzip(await Deno.readFile("train-images-idx3-ubyte.gz"), "train");
 */
export async function gunzip(
  bytes: Uint8Array,
  name: string,
  guard: (chunks: readonly Uint8Array[], received: number) => void = () => {},
): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw new Error(
        `${name}: the gzip data is corrupt or truncated (${(error as Error).message}); ` +
          `${bytes.length} compressed bytes gave ${received} bytes before the error`,
      );
    }
    if (result.done) break;
    chunks.push(result.value);
    received += result.value.length;
    try {
      guard(chunks, received);
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
  }
  return concat(chunks);
}

/** The chunks joined into one array (the chunk itself when there is one). */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
