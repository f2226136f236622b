/**
 * protobufjs's minimal runtime, loaded on first use instead of at import: its initialisation
 * takes about 30 ms, which every program that imports the runtime (the Deno server's cold start
 * above all) would otherwise pay whether or not it ever reads an ONNX file. `loadOnnx` and
 * `saveOnnx` load it themselves; the synchronous `onnxFromBytes` / `onnxToBytes` need
 * `await io.onnxReady()` once before.
 */
import type protobufModule from "protobufjs/minimal.js";

/** The protobufjs minimal namespace (Reader, Writer). */
export type Protobuf = typeof protobufModule;

let loaded: Protobuf | null = null;

/** Loads protobufjs (once); resolves when the ONNX reader and writer can run synchronously. */
export async function onnxReady(): Promise<void> {
  if (loaded === null) loaded = (await import("protobufjs/minimal.js")).default;
}

/** The loaded protobufjs, or a clear error saying how to load it. */
export function protobuf(): Protobuf {
  if (loaded === null) {
    throw new Error(
      "edgegrad: the ONNX reader is not loaded yet; use `await io.loadOnnx(...)` / " +
        "`await io.saveOnnx(...)`, or `await io.onnxReady()` once before onnxFromBytes/onnxToBytes",
    );
  }
  return loaded;
}
