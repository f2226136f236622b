/** Safetensors files on disk: atomic save, checked load. */
import {
  decodeSafetensors,
  type NamedTensors,
  safetensorsChunks,
  type SafetensorsContents,
} from "./safetensors.ts";
import { type PathLike, pathString, readFileNamed, writeFileAtomic } from "./files.ts";

/**
 * Writes named tensors (and optional string metadata) to a safetensors file, atomically: the
 * previous file stays whole if the save fails or the process dies part-way.
 * @example await saveSafetensors("weights.safetensors", model.stateDict(), { epoch: "3" });
 */
export async function saveSafetensors(
  path: PathLike,
  tensors: NamedTensors,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, safetensorsChunks(tensors, metadata));
}

/**
 * Reads a safetensors file, checking every rule of the format; errors name the file.
 * @example const { tensors, metadata } = await loadSafetensors("weights.safetensors");
 */
export async function loadSafetensors(path: PathLike): Promise<SafetensorsContents> {
  const bytes = await readFileNamed(path, "safetensors file");
  return decodeSafetensors(bytes, pathString(path));
}
