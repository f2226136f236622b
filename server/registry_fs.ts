/**
 * Models from a folder (Deno only): every subdirectory with a `config.json` (an edgegrad model) or a
 * `model.onnx` (an imported ONNX graph, see onnx_dir.ts) is a model named after it. Names are checked against `MODEL_NAME_PATTERN` and every path is resolved (symlinks
 * included) and must stay inside the folder (`inside_folder.ts`), so no name or link can reach
 * other files.
 */
import { io } from "../runtime/api.ts";
import { realPathOrNull, resolveInside } from "./inside_folder.ts";
import { ONNX_FILE, onnxDirectoryModel } from "./onnx_dir.ts";
import {
  disposeModel,
  isValidModelName,
  ModelNotFoundError,
  ModelRegistry,
  type ModelSource,
} from "./registry.ts";

/**
 * A `ModelSource` over a folder of model directories (`{dir}/{name}/config.json` and
 * `model.safetensors`).
 * @example
 * const source = directorySource("models");
 * const { model, config } = await source.load("mnist-cnn");
 */
export function directorySource(dir: string): ModelSource {
  const root = async (): Promise<string> => {
    const real = await realPathOrNull(dir);
    if (real === null) throw new Error(`the models folder ${dir} does not exist`);
    return real;
  };
  /** The resolved path of `name/file` (file "" for the model's folder), or null if absent. */
  const resolve = (rootReal: string, name: string, file: string): Promise<string | null> =>
    resolveInside(rootReal, file === "" ? name : `${name}/${file}`, dir);
  return {
    async list(): Promise<string[]> {
      const rootReal = await root();
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(rootReal));
      } catch (error) {
        throw new Error(`cannot read the models folder ${dir}: ${(error as Error).message}`);
      }
      const names: string[] = [];
      for (const entry of entries) {
        if (!isValidModelName(entry.name) || entry.isFile) continue;
        try {
          const folder = await resolve(rootReal, entry.name, "");
          const isModel = folder !== null &&
            ((await resolve(rootReal, entry.name, io.CONFIG_FILE)) !== null ||
              (await resolve(rootReal, entry.name, ONNX_FILE)) !== null);
          if (isModel) names.push(entry.name);
        } catch {
          // A link that leads outside the folder is not a model of this folder.
        }
      }
      return names.sort();
    },
    async load(name: string) {
      if (!isValidModelName(name)) {
        throw new Error(`${JSON.stringify(name.slice(0, 80))} is not a valid model name`);
      }
      const rootReal = await root();
      const folder = await resolve(rootReal, name, "");
      if (folder === null || !(await Deno.stat(folder)).isDirectory) {
        throw new ModelNotFoundError(`no model ${JSON.stringify(name)} in ${dir}`);
      }
      const configPath = await resolve(rootReal, name, io.CONFIG_FILE);
      const onnxPath = await resolve(rootReal, name, ONNX_FILE);
      if (onnxPath !== null) {
        const [onnx, configText] = await Promise.all([
          Deno.readFile(onnxPath),
          configPath === null ? null : Deno.readTextFile(configPath),
        ]);
        return await onnxDirectoryModel(onnx, configText, {
          onnx: `${dir}/${name}/${ONNX_FILE}`,
          config: `${dir}/${name}/${io.CONFIG_FILE}`,
        });
      }
      const weightsPath = await resolve(rootReal, name, io.WEIGHTS_FILE);
      if (configPath === null || weightsPath === null) {
        throw new ModelNotFoundError(
          `${dir}/${name} is not a model directory (it needs ${io.CONFIG_FILE} and ` +
            `${io.WEIGHTS_FILE}, or ${ONNX_FILE})`,
        );
      }
      const [configText, weights] = await Promise.all([
        Deno.readTextFile(configPath),
        Deno.readFile(weightsPath),
      ]);
      return io.modelFromBytes(configText, weights, {
        config: `${dir}/${name}/${io.CONFIG_FILE}`,
        weights: `${dir}/${name}/${io.WEIGHTS_FILE}`,
      });
    },
  };
}

/**
 * Loads every model directory under `dir` into a new registry (whose `source` is the folder, for
 * the admin load route). A model that fails to load is reported to `onError` (default: a warning
 * on stderr) and skipped, so one broken folder does not keep the others from being served.
 * @example
 * const registry = await registryFromDirectory("models");
 * registry.names(); // ["mnist-cnn"]
 */
export async function registryFromDirectory(
  dir: string,
  {
    onError = (name: string, error: Error) =>
      console.warn(`skipping model ${name}: ${error.message}`),
  }: { onError?: (name: string, error: Error) => void } = {},
): Promise<ModelRegistry> {
  const registry = new ModelRegistry();
  const source = directorySource(dir);
  registry.source = source;
  for (const name of await source.list()) {
    let loaded: Awaited<ReturnType<ModelSource["load"]>> | undefined;
    try {
      loaded = await source.load(name);
      registry.add(name, loaded);
    } catch (error) {
      if (loaded !== undefined) disposeModel(loaded.model);
      onError(name, error as Error);
    }
  }
  return registry;
}
