/**
 * The models a server answers for, by name. Host-neutral (no file system): models come in already
 * loaded (`add`), and an optional `source` lets the admin routes load more by name (the Deno entry
 * sets one over a models folder, see `registry_fs.ts`; an edge worker has none).
 */
import { type io, nn, noGrad, zeros } from "../runtime/api.ts";

/** A model name: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The name of a model's only input tensor in the inference protocol. */
export const INPUT_NAME = "input";
/** The model's raw output (for classifiers, the logits). */
export const LOGITS_OUTPUT = "logits";
/** Softmax of the raw output along its last dim. */
export const PROBABILITIES_OUTPUT = "probabilities";

/** True when `name` may name a model (and so a folder under the models directory). */
export function isValidModelName(name: string): boolean {
  return MODEL_NAME_PATTERN.test(name);
}

/** A model as served: the module in eval mode, its config and the shapes of one sample. */
export interface ServedModel {
  readonly name: string;
  /** The added model through `nn.fuse` (sharing its tensors; the same outputs, bit for bit). */
  readonly model: nn.Module;
  readonly config: io.ModelConfigFile;
  /** One sample's input shape (no batch dim), from config.json. */
  readonly inputShape: readonly number[];
  /** One sample's output shape (no batch dim), found by a forward pass when the model was added. */
  readonly outputShape: readonly number[];
  /** The names of the protocol outputs: "logits", and "probabilities" when the output has a dim. */
  readonly outputs: readonly string[];
}

/** Thrown by a `ModelSource` when it has no model of that name. */
export class ModelNotFoundError extends Error {
  override name = "ModelNotFoundError";
}

/** Where the admin routes load models from by name (a folder, a bucket, ...). */
export interface ModelSource {
  /** Names of the models the source holds, loaded or not. */
  list(): Promise<string[]>;
  /** Loads one; throws `ModelNotFoundError` when the source has no such model. */
  load(name: string): Promise<{ model: nn.Module; config: io.ModelConfigFile }>;
}

/** Frees a module's parameters and buffers. */
export function disposeModel(model: nn.Module): void {
  for (const p of model.parameters()) p.dispose();
  for (const [, b] of model.namedBuffers()) b.dispose();
}

/**
 * Models by name.
 * @example
 * const registry = new ModelRegistry();
 * registry.add("mnist-cnn", modelFromBytes(configJson, weights));
 * const app = createApp({ registry });
 */
export class ModelRegistry {
  private readonly models = new Map<string, ServedModel>();
  /** Where `POST /v2/repository/models/{name}/load` finds models by name; none by default. */
  source: ModelSource | undefined = undefined;

  constructor() {}

  /**
   * Serves `loaded.model` as `name` (replacing and freeing a model of that name). The model is put
   * in eval mode and served through `nn.fuse` (its Conv2d/Linear + ReLU pairs fused, same bits),
   * and run once on zeros of its input shape to learn its output shape; a model whose config does
   * not fit its architecture is refused with the reason.
   */
  add(name: string, loaded: { model: nn.Module; config: io.ModelConfigFile }): void {
    if (!isValidModelName(name)) {
      throw new Error(
        `model name ${JSON.stringify(name.slice(0, 80))} is not valid: use 1-64 letters, digits, ` +
          "'.', '_' or '-', starting with a letter or digit",
      );
    }
    const { config } = loaded;
    const inputShape = [...config.inputShape];
    const model = nn.fuse(loaded.model.eval());
    let probe: readonly number[];
    try {
      probe = noGrad(() => model.call(zeros([1, ...inputShape])).shape);
    } catch (error) {
      throw new Error(
        `model ${name}: a forward pass on one input of shape [1, ${inputShape}] (its config's ` +
          `inputShape with a batch dim) failed: ${(error as Error).message}`,
      );
    }
    if (probe[0] !== 1) {
      throw new Error(
        `model ${name}: an input of shape [1, ${inputShape}] gave an output of shape [${probe}], ` +
          "which has no batch dim of 1",
      );
    }
    const outputShape = probe.slice(1);
    const previous = this.models.get(name);
    this.models.set(name, {
      name,
      model,
      config,
      inputShape,
      outputShape,
      outputs: outputShape.length > 0 ? [LOGITS_OUTPUT, PROBABILITIES_OUTPUT] : [LOGITS_OUTPUT],
    });
    if (previous !== undefined) this.release(previous.model);
  }

  /** The model served as `name`, if any. */
  get(name: string): ServedModel | undefined {
    return this.models.get(name);
  }

  /** Names of the served models, sorted. */
  names(): string[] {
    return [...this.models.keys()].sort();
  }

  /** Stops serving `name` and frees its weights; false when no such model was served. */
  remove(name: string): boolean {
    const served = this.models.get(name);
    if (served === undefined) return false;
    this.models.delete(name);
    this.release(served.model);
    return true;
  }

  /**
   * Frees a model's weights except those still served under another name (the fused copies of one
   * model share its tensors).
   */
  private release(model: nn.Module): void {
    const served = new Set<unknown>();
    for (const other of this.models.values()) {
      for (const t of other.model.stateDict().values()) served.add(t);
    }
    for (const t of model.stateDict().values()) if (!served.has(t)) t.dispose();
  }
}
