/**
 * The peer every benchmark compares with: TensorFlow.js's wasm backend (XNNPACK) on one thread,
 * from this checkout's node_modules, set up the same way for every table.
 */
import * as tf from "@tensorflow/tfjs-core";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** Makes TF.js's wasm backend current: the non-threaded SIMD binary, one thread. */
export async function useTfjsWasm(): Promise<void> {
  const dist = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  // The non-threaded SIMD binary, and one thread should the threaded one be picked anyway.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setThreadsCount(1);
  setWasmPaths(dist.href);
  if (!(await tf.setBackend("wasm"))) {
    throw new Error("bench: the TF.js wasm backend failed to start");
  }
  await tf.ready();
}

/** The median of some timings. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
