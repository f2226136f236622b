/** Writing pictures: the format follows the file name (.svg or .png); the content is also returned. */
import { type RasterOptions, svgToPng } from "./raster.ts";

/** Where to write a picture, if anywhere: a path ending in .svg or .png. */
export type PicturePath = string | URL;

function extensionOf(path: PicturePath): string {
  const name = path instanceof URL ? path.pathname : path;
  return name.slice(name.lastIndexOf(".") + 1).toLowerCase();
}

async function ensureParent(path: PicturePath): Promise<void> {
  const name = path instanceof URL ? path.pathname : path;
  const slash = name.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(name.slice(0, slash), { recursive: true });
}

/** Writes bytes or text, creating the folder. */
export async function writeFileCreatingFolder(
  path: PicturePath,
  content: Uint8Array | string,
): Promise<void> {
  await ensureParent(path);
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
}

/**
 * Writes an SVG document as `path` says: as it is for .svg, rasterised for .png. Returns what it
 * wrote (the SVG text, or the PNG bytes).
 */
export async function writePicture(
  owner: string,
  svg: string,
  path: PicturePath,
  options: RasterOptions = {},
): Promise<string | Uint8Array> {
  const extension = extensionOf(path);
  if (extension === "svg") {
    await writeFileCreatingFolder(path, svg);
    return svg;
  }
  if (extension === "png") {
    const png = await svgToPng(svg, options);
    await writeFileCreatingFolder(path, png);
    return png;
  }
  throw new Error(`${owner}: the file name must end in .svg or .png, got "${String(path)}"`);
}
