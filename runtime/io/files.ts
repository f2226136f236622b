/**
 * File helpers of the io module: atomic writes (a temporary file in the same directory, flushed,
 * then renamed over the target, so a crash mid-write leaves the previous file whole) and paths
 * given as strings or file URLs. No `node:` imports, so that bundles for the browser and edge
 * workers can include this module (its functions then simply have no file system to call).
 */

/** A file path or a `file:` URL. */
export type PathLike = string | URL;

/** The path as a string (a file URL's decoded pathname). */
export function pathString(path: PathLike): string {
  return path instanceof URL ? decodeURIComponent(path.pathname) : path;
}

/** `dir/name`, with one separator. */
export function joinPath(dir: PathLike, name: string): string {
  const base = pathString(dir);
  return base.endsWith("/") ? `${base}${name}` : `${base}/${name}`;
}

function splitPath(path: string): [dir: string, name: string] {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut < 0 ? [".", path] : [path.slice(0, cut) || "/", path.slice(cut + 1)];
}

/**
 * Writes `data` (bytes, or chunks of bytes written in turn) to `path` atomically. If anything
 * fails (a chunk throws, the disk fills), the temporary file is removed and `path` is untouched.
 * @example await writeFileAtomic("run/model.safetensors", bytes);
 */
export async function writeFileAtomic(
  path: PathLike,
  data: Uint8Array | Iterable<Uint8Array>,
): Promise<void> {
  const target = pathString(path);
  const [dir, name] = splitPath(target);
  const temp = `${dir}/.${name}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(temp, { write: true, createNew: true });
  try {
    try {
      for (const chunk of data instanceof Uint8Array ? [data] : data) {
        for (let written = 0; written < chunk.length;) {
          written += await file.write(chunk.subarray(written));
        }
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, target);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Reads a whole file; a failure names the file and says what it was for. */
export async function readFileNamed(path: PathLike, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new Error(`${pathString(path)}: cannot read the ${what} (${(error as Error).message})`);
  }
}
