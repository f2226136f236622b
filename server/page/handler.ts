/**
 * The demo page for the Deno server (`createApp({ page: pageHandler(...) })`): `/` is the drawing
 * page, `/web/*` the browser bundle that `deno task bundle:web` writes to `out/web/` (edgegrad.js,
 * app.js and the two kernel builds), and `/models/{name}/config.json` and
 * `/models/{name}/model.safetensors` the files of a model directory, which the page fetches to run
 * the model in the browser. Deno only (it reads files); names that could leave a folder are refused,
 * and every file is resolved (symlinks included) and must stay inside its folder, as the registry's
 * files must (`inside_folder.ts`).
 */
import type { Context } from "hono";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OutsideFolderError, realPathOrNull, resolveInside } from "../inside_folder.ts";
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

/** A folder option as an absolute path. */
function asPath(dir: string | URL): string {
  return dir instanceof URL ? fileURLToPath(dir) : resolve(dir);
}

function notFound(what: string, hint = ""): Response {
  return Response.json({ error: `${what} not found${hint}` }, { status: 404 });
}

/**
 * Streams `folder/relative`, resolved: 404 when it (or the folder) is absent, 403 when it leads
 * outside the folder (a symlink to elsewhere).
 */
async function serveFile(
  folder: string,
  relative: string,
  what: string,
  hint = "",
): Promise<Response> {
  const root = await realPathOrNull(folder);
  let path: string | null;
  try {
    path = root === null ? null : await resolveInside(root, relative);
  } catch (error) {
    if (!(error instanceof OutsideFolderError)) throw error;
    return Response.json({ error: `${what} leads outside its folder` }, { status: 403 });
  }
  if (path === null) return notFound(what, hint);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return notFound(what, hint);
    throw error;
  }
  const { size } = await file.stat();
  const extension = relative.slice(relative.lastIndexOf("."));
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
  const modelsDir = asPath(options.modelsDir);
  const webDir = asPath(options.webDir ?? new URL("../../out/web/", import.meta.url));
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
        webDir,
        name,
        `web asset ${name}`,
        " (run `npx deno task bundle:web`)",
      );
    }
    const match = MODEL_FILE.exec(path);
    if (match !== null) {
      const [, name, file] = match;
      if (!isValidModelName(name)) return notFound(`model ${JSON.stringify(name.slice(0, 80))}`);
      return await serveFile(modelsDir, `${name}/${file}`, `${file} of model ${name}`);
    }
    return notFound(`${path.slice(0, 200)}`);
  };
}
