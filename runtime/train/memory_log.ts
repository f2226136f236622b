/**
 * A callback that prints the process's memory after each epoch: the resident set (under Deno and
 * Node), WebAssembly linear memory, and the allocator's live bytes, so a run shows at a glance
 * that memory is flat across epochs.
 */
import { backend } from "../backend/backend.ts";
import type { Callback } from "./callback.ts";
import type { EpochLog } from "./history.ts";
import { checkOptions } from "../options.ts";

/** One epoch's memory figures in bytes (rss is null where the host does not report it). */
export interface MemoryReading {
  epoch: number;
  rss: number | null;
  wasmMemory: number;
  liveBytes: number;
}

/** Options of `memoryLog`. */
export interface MemoryLogOptions {
  /** Where each reading goes (default: a line on standard output). */
  print?: (line: string, reading: MemoryReading) => void;
}

function residentSetBytes(): number | null {
  const host = globalThis as { Deno?: { memoryUsage(): { rss: number } } };
  try {
    return host.Deno?.memoryUsage().rss ?? null;
  } catch {
    return null;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Prints RSS, wasm memory and live bytes after each epoch.
 * @example await fit(model, { ..., callbacks: [train.memoryLog()] });
 * // memory after epoch 1: RSS 212.4 MiB, wasm memory 96.0 MiB, live 3.1 MiB
 */
export function memoryLog(options: MemoryLogOptions = {}): Callback {
  checkOptions("memoryLog", options, { print: true });
  const print = options.print ?? ((line: string) => console.log(line));
  return {
    onEpochEnd(_context, log: EpochLog) {
      const allocator = backend().allocator;
      const reading: MemoryReading = {
        epoch: log.epoch,
        rss: residentSetBytes(),
        wasmMemory: allocator.memoryBytes,
        liveBytes: allocator.liveBytes,
      };
      const rss = reading.rss === null ? "" : `RSS ${mib(reading.rss)}, `;
      print(
        `memory after epoch ${log.epoch}: ${rss}wasm memory ${mib(reading.wasmMemory)}, ` +
          `live ${mib(reading.liveBytes)}`,
        reading,
      );
    },
  };
}
