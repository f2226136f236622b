/**
 * The one path check of the server's file access (Deno only): a name under a folder is resolved,
 * symlinks included, and must stay inside the folder. The model registry and the demo page's file
 * routes both use it, so no name or link can reach other files through either.
 */

/** A path under a folder that resolves (through links) to somewhere outside it. */
export class OutsideFolderError extends Error {
  override name = "OutsideFolderError";
}

/** True when `path` is `root` itself or lies below it (both already resolved). */
export function isInside(root: string, path: string): boolean {
  const base = root.replaceAll("\\", "/").replace(/\/$/, ""), target = path.replaceAll("\\", "/");
  return target === base || target.startsWith(`${base}/`);
}

/** The real path of `path` (links resolved), or null when nothing is there. */
export async function realPathOrNull(path: string | URL): Promise<string | null> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * The real path of `relative` below the real folder `root`, or null when it does not exist.
 * Throws `OutsideFolderError` ("{label}/{relative} leads outside {label}") when it resolves to
 * the folder itself or anywhere outside it.
 * @example
 * const root = await Deno.realPath("models");
 * const config = await resolveInside(root, "mnist-cnn/config.json", "models");
 */
export async function resolveInside(
  root: string,
  relative: string,
  label: string = root,
): Promise<string | null> {
  const real = await realPathOrNull(`${root}/${relative}`);
  if (real === null) return null;
  if (!isInside(root, real) || real === root) {
    throw new OutsideFolderError(`${label}/${relative} leads outside ${label}`);
  }
  return real;
}
