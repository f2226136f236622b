/**
 * Reads the live page's files under Deno: page.html, client.js and merge_values.js beside this module, and uPlot's
 * browser build and stylesheet from node_modules (npm `uplot`), once, at startup.
 */
import type { LiveAssets } from "./routes.ts";

const UPLOT_DIST = new URL("../../node_modules/uplot/dist/", import.meta.url);

async function readText(url: URL, hint: string): Promise<string> {
  try {
    return await Deno.readTextFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`live: ${url.pathname} is missing; ${hint}`);
    }
    throw error;
  }
}

/**
 * The page, its script and uPlot, read from disk.
 * @example
 * const app = mountLive(new Hono(), new LiveHub(), await loadLiveAssets());
 */
export async function loadLiveAssets(): Promise<LiveAssets> {
  const install = "run `npm install` (uPlot comes from the npm package `uplot`)";
  const [html, client, mergeValues, uplot, uplotCss] = await Promise.all([
    readText(new URL("page.html", import.meta.url), "the checkout is incomplete"),
    readText(new URL("client.js", import.meta.url), "the checkout is incomplete"),
    readText(new URL("merge_values.js", import.meta.url), "the checkout is incomplete"),
    readText(new URL("uPlot.iife.min.js", UPLOT_DIST), install),
    readText(new URL("uPlot.min.css", UPLOT_DIST), install),
  ]);
  return { html, client, mergeValues, uplot, uplotCss };
}
