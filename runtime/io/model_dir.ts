/**
 * A model on disk is a directory: `config.json` (format, version, the architecture from
 * `toConfig()`, the input shape, labels, preprocessing, metadata) and `model.safetensors` (the
 * state dict). `save` writes both atomically; `load` rebuilds the model with `moduleFromConfig`
 * and copies the weights in, naming the file at fault when anything does not match.
 */
import type { Module, ModuleConfig } from "../nn/module.ts";
import { moduleFromConfig } from "../nn/registry.ts";
import { skipInit } from "../ops/creation.ts";
import { loadSafetensorsInto } from "./load_into.ts";
import { SafetensorsError } from "./safetensors_header.ts";
import { saveSafetensors } from "./safetensors_file.ts";
import { joinPath, type PathLike, readFileNamed, writeFileAtomic } from "./files.ts";
import { getRandomState, setRandomState } from "./random_state.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { checkInputShape, checkLabels, checkObject, isPlainObject } from "./config_checks.ts";

/** The architecture file's name in a model directory. */
export const CONFIG_FILE = "config.json";
/** The weights file's name in a model directory. */
export const WEIGHTS_FILE = "model.safetensors";

/** What `save` records beside the architecture. */
export interface SaveOptions {
  /** The shape of one input sample, without the batch dim (e.g. [1, 28, 28]). */
  inputShape: readonly number[];
  /** Class names, in output order. */
  labels?: readonly string[];
  /** How raw inputs become model inputs (e.g. { scale: 1 / 255, mean: 0.1307, std: 0.3081 }). */
  preprocessing?: Record<string, unknown>;
  /** Anything else worth keeping (JSON values): training figures, dataset, date. */
  metadata?: Record<string, unknown>;
}

/** The contents of `config.json`. */
export interface ModelConfigFile {
  format: "edgegrad";
  version: 1;
  architecture: ModuleConfig;
  inputShape: number[];
  labels?: string[];
  preprocessing?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** A loaded model and its config. */
export interface LoadedModel {
  model: Module;
  config: ModelConfigFile;
}

const FORMAT_VERSION = 1;

const SAVE_KEYS: OptionKeys<SaveOptions> = {
  inputShape: true,
  labels: true,
  preprocessing: true,
  metadata: true,
};

/**
 * Saves a model as a directory (created if missing): `config.json` and `model.safetensors`.
 * Returns the config written.
 * @example
 * await save(model, "models/mnist-cnn", { inputShape: [1, 28, 28], labels: ["0", "1", ...] });
 */
export async function save(
  model: Module,
  dir: PathLike,
  options: SaveOptions,
): Promise<ModelConfigFile> {
  if (options?.inputShape === undefined) {
    throw new TypeError(
      "save: pass the shape of one input sample (without the batch dim) as the third argument, " +
        "e.g. save(model, dir, { inputShape: [1, 28, 28] }); labels, preprocessing and metadata " +
        "are optional",
    );
  }
  checkOptions("save", options, SAVE_KEYS);
  const config: ModelConfigFile = {
    format: "edgegrad",
    version: FORMAT_VERSION,
    architecture: model.toConfig(),
    inputShape: checkInputShape(options.inputShape, "save"),
  };
  const labels = checkLabels(options.labels, "save");
  if (labels !== undefined) config.labels = labels;
  const preprocessing = checkObject(options.preprocessing, "preprocessing", "save");
  if (preprocessing !== undefined) config.preprocessing = preprocessing;
  const metadata = checkObject(options.metadata, "metadata", "save");
  if (metadata !== undefined) config.metadata = metadata;
  const text = `${JSON.stringify(config, null, 2)}\n`;
  await Deno.mkdir(dir, { recursive: true });
  // "format": "pt" tells other ecosystems' loaders the tensors follow PyTorch's names and layout.
  await saveSafetensors(joinPath(dir, WEIGHTS_FILE), model.stateDict(), {
    format: "pt",
    producer: "edgegrad",
  });
  await writeFileAtomic(joinPath(dir, CONFIG_FILE), new TextEncoder().encode(text));
  return JSON.parse(text);
}

/**
 * Checks a parsed `config.json` (or an object of that shape); `source` names it in errors.
 */
export function parseModelConfig(value: unknown, source = CONFIG_FILE): ModelConfigFile {
  if (!isPlainObject(value)) {
    throw new Error(`${source}: expected a JSON object, got ${JSON.stringify(value)}`);
  }
  if (value.format !== "edgegrad") {
    throw new Error(
      `${source}: not an edgegrad model config (format is ${JSON.stringify(value.format)}, ` +
        'expected "edgegrad")',
    );
  }
  if (value.version !== FORMAT_VERSION) {
    throw new Error(
      `${source}: config version ${JSON.stringify(value.version)} is not supported (this ` +
        `edgegrad reads version ${FORMAT_VERSION})`,
    );
  }
  const architecture = value.architecture;
  if (!isPlainObject(architecture) || typeof architecture.type !== "string") {
    throw new Error(
      `${source}: architecture must be a module config { type, options, children }, got ` +
        JSON.stringify(architecture),
    );
  }
  const config: ModelConfigFile = {
    format: "edgegrad",
    version: FORMAT_VERSION,
    architecture: architecture as unknown as ModuleConfig,
    inputShape: checkInputShape(value.inputShape, source),
  };
  const labels = checkLabels(value.labels, source);
  if (labels !== undefined) config.labels = labels;
  const preprocessing = checkObject(value.preprocessing, "preprocessing", source);
  if (preprocessing !== undefined) config.preprocessing = preprocessing;
  const metadata = checkObject(value.metadata, "metadata", source);
  if (metadata !== undefined) config.metadata = metadata;
  return config;
}

/**
 * Builds a model from a config (JSON text or object) and safetensors bytes, without a file
 * system (for edge workers and browsers). The architecture is rebuilt without drawing initial
 * values (`skipInit`) and the weights are copied straight into it; the global random stream is
 * left as it was.
 * @example
 * const { model } = modelFromBytes(configJson, new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function modelFromBytes(
  config: unknown,
  weights: Uint8Array,
  names: { config?: string; weights?: string } = {},
): LoadedModel {
  const configName = names.config ?? CONFIG_FILE;
  const weightsName = names.weights ?? WEIGHTS_FILE;
  let value = config;
  if (typeof config === "string") {
    try {
      value = JSON.parse(config);
    } catch (error) {
      throw new Error(`${configName}: not valid JSON (${(error as Error).message})`);
    }
  }
  const checked = parseModelConfig(value, configName);
  const state = getRandomState();
  let model: Module;
  try {
    // Every parameter is overwritten below: drawing their initial values would be wasted time.
    model = skipInit(() => moduleFromConfig(checked.architecture));
  } catch (error) {
    throw new Error(`${configName}: cannot rebuild the architecture (${(error as Error).message})`);
  } finally {
    setRandomState(state);
  }
  try {
    loadSafetensorsInto(model, weights, weightsName);
  } catch (error) {
    for (const t of model.stateDict().values()) t.dispose();
    if (error instanceof SafetensorsError) throw error;
    throw new Error(
      `${weightsName} does not fit the architecture in ${configName}: ${(error as Error).message}`,
    );
  }
  return { model, config: checked };
}

/**
 * Loads a model directory written by `save`: rebuilds the architecture and loads the weights.
 * @example const { model, config } = await load("models/mnist-cnn"); model.eval();
 */
export async function load(dir: PathLike): Promise<LoadedModel> {
  const configPath = joinPath(dir, CONFIG_FILE);
  const weightsPath = joinPath(dir, WEIGHTS_FILE);
  const configText = new TextDecoder().decode(await readFileNamed(configPath, "model config"));
  const weights = await readFileNamed(weightsPath, "model weights");
  return modelFromBytes(configText, weights, { config: configPath, weights: weightsPath });
}
