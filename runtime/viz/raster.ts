/**
 * SVG → PNG through resvg compiled to WebAssembly (`@resvg/resvg-wasm`, its wasm read from
 * node_modules). resvg has no system fonts under WebAssembly, so text is drawn with DejaVu Sans from
 * the `dejavu-fonts-ttf` package (or Debian's copy, or the files given).
 */
import { fontFamily } from "./svg.ts";

/** Options of rasterising. */
export interface RasterOptions {
  /** Pixels per SVG unit (default 2, sharp on high-density screens). */
  scale?: number;
  /** TrueType/OpenType files for text; default DejaVu Sans (regular and bold). */
  fontFiles?: readonly string[];
}

type ResvgModule = typeof import("@resvg/resvg-wasm");

let resvg: Promise<ResvgModule> | null = null;
const fontCache = new Map<string, Promise<Uint8Array[]>>();

function loadResvg(): Promise<ResvgModule> {
  resvg ??= (async () => {
    const module = await import("@resvg/resvg-wasm");
    const wasm = await Deno.readFile(
      new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm")),
    );
    await module.initWasm(wasm);
    return module;
  })();
  return resvg;
}

function defaultFontFiles(): string[][] {
  const names = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];
  const candidates = [
    (name: string) => new URL(import.meta.resolve(`dejavu-fonts-ttf/ttf/${name}`)).pathname,
    (name: string) => `/usr/share/fonts/truetype/dejavu/${name}`,
  ];
  return candidates.map((path) => names.map(path));
}

async function readAll(paths: readonly string[]): Promise<Uint8Array[] | null> {
  try {
    return await Promise.all(paths.map((p) => Deno.readFile(p)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

function loadFonts(files: readonly string[] | undefined): Promise<Uint8Array[]> {
  const key = JSON.stringify(files ?? "default");
  let fonts = fontCache.get(key);
  if (fonts === undefined) {
    fonts = (async () => {
      const sets = files !== undefined ? [files] : defaultFontFiles();
      for (const set of sets) {
        const found = await readAll(set);
        if (found !== null) return found;
      }
      throw new Error(
        `svgToPng: no font files found (tried ${sets.flat().join(", ")}); run npm install ` +
          "(the dejavu-fonts-ttf package) or pass { fontFiles: [...] }",
      );
    })();
    fontCache.set(key, fonts);
  }
  return fonts;
}

/**
 * Renders an SVG document to PNG bytes.
 * @example await Deno.writeFile("chart.png", await svgToPng(lineChart(series), { scale: 2 }));
 */
export async function svgToPng(svg: string, options: RasterOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) {
    throw new RangeError(`svgToPng: scale must be in (0, 16], got ${scale}`);
  }
  const [{ Resvg }, fontBuffers] = await Promise.all([loadResvg(), loadFonts(options.fontFiles)]);
  const renderer = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: {
      fontBuffers,
      loadSystemFonts: false,
      defaultFontFamily: fontFamily.split(",")[0],
      sansSerifFamily: fontFamily.split(",")[0],
    },
  });
  try {
    const image = renderer.render();
    const png = image.asPng();
    image.free();
    return png;
  } finally {
    renderer.free();
  }
}
