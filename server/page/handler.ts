/**
 * The demo page for the Deno server (`createApp({ page: pageHandler(...) })`): `/` is the drawing
 * page, `/web/*` the browser bundle that `deno task bundle:web` writes to `out/web/` (edgegrad.js,
 * app.js and the two kernel builds), and `/models/{name}/config.json` and
 * `/models/{name}/model.safetensors` the files of a model directory, which the page fetches to run
 * the model in the browser. Deno only (it reads files); names that could leave a folder are refused.
 */
import type { Context } from "hono";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isValidModelName } from "../registry.ts";

/** Where the page handler finds what it serves. */
export interface PageOptions {
  /** The folder of model directories (`{modelsDir}/{name}/config.json`, ...). */
  modelsDir: string | URL;
  /** The model the page uses unless the URL names one (`/?model=name`). */
  model?: string;
  /** The browser bundle (default: out/web/ of this checkout). */
  webDir?: string | URL;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
  ".safetensors": "application/octet-stream",
};

const WEB_FILE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.(js|wasm)$/;
const MODEL_FILE = /^\/models\/([^/]+)\/(config\.json|model\.safetensors)$/;

/** A folder as a file URL ending in "/", so that names resolve inside it. */
function asDirectory(dir: string | URL): URL {
  const url = dir instanceof URL ? dir : pathToFileURL(resolve(dir));
  return url.href.endsWith("/") ? url : new URL(`${url.href}/`);
}

function notFound(what: string, hint = ""): Response {
  return Response.json({ error: `${what} not found${hint}` }, { status: 404 });
}

async function serveFile(url: URL, what: string, hint = ""): Promise<Response> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return notFound(what, hint);
    throw error;
  }
  const { size } = await file.stat();
  const extension = url.pathname.slice(url.pathname.lastIndexOf("."));
  return new Response(file.readable, {
    headers: {
      "content-type": CONTENT_TYPES[extension] ?? "application/octet-stream",
      "content-length": String(size),
      "cache-control": "no-cache",
    },
  });
}

/**
 * A handler for `createApp`'s `page` option: answers GET `/`, `/web/{file}` and
 * `/models/{name}/{config.json|model.safetensors}`, and 404 with a JSON error for anything else.
 * @example
 * const app = createApp({ registry, page: pageHandler({ modelsDir: "models" }) });
 */
export function pageHandler(options: PageOptions): (c: Context) => Promise<Response> {
  const modelsDir = asDirectory(options.modelsDir);
  const webDir = asDirectory(options.webDir ?? new URL("../../out/web/", import.meta.url));
  const model = options.model ?? "mnist-cnn";
  if (!isValidModelName(model)) throw new Error(`pageHandler: ${model} is not a model name`);
  const indexUrl = new URL("index.html", import.meta.url);
  return async (c) => {
    const path = new URL(c.req.url).pathname;
    if (path === "/" || path === "/index.html") {
      const html = await Deno.readTextFile(indexUrl);
      return c.html(html.replace('data-model="mnist-cnn"', `data-model="${model}"`));
    }
    if (path.startsWith("/web/")) {
      const name = path.slice("/web/".length);
      if (!WEB_FILE.test(name)) return notFound(`web asset ${JSON.stringify(name)}`);
      return await serveFile(
        new URL(name, webDir),
        `web asset ${name}`,
        " (run `npx deno task bundle:web`)",
      );
    }
    const match = MODEL_FILE.exec(path);
    if (match !== null) {
      const [, name, file] = match;
      if (!isValidModelName(name)) return notFound(`model ${JSON.stringify(name.slice(0, 80))}`);
      return await serveFile(new URL(`${name}/${file}`, modelsDir), `${file} of model ${name}`);
    }
    return notFound(`${path.slice(0, 200)}`);
  };
}
