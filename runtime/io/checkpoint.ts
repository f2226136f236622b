/**
 * Training checkpoints: model state, optimizer state, epoch and the global generator's state in
 * one safetensors file, written atomically (a crash mid-save leaves the previous checkpoint
 * whole). Tensors are named `model.<name>` and `optimizer.state.<param index>.<slot>`; the rest
 * is in `__metadata__` as JSON strings, so other tools can open the file.
 */
import type { Tensor } from "../tensor.ts";
import type { Module } from "../nn/module.ts";
import { decodeSafetensors } from "./safetensors.ts";
import { saveSafetensors } from "./safetensors_file.ts";
import { type PathLike, pathString, readFileNamed } from "./files.ts";
import { getRandomState, type RandomState, setRandomState } from "./random_state.ts";
import { checkOptions } from "../options.ts";

/**
 * An optimizer's state as PyTorch's `state_dict()`: each parameter's state by its index in the
 * optimizer's parameter list (tensors such as moments, numbers such as the step count), and the
 * hyper-parameters.
 */
export interface OptimizerState {
  state: Map<number, Record<string, Tensor | number>>;
  options: Record<string, unknown>;
}

/** What a checkpoint needs of an optimizer (the optimizers in `optim` have it). */
export interface StatefulOptimizer {
  stateDict(): OptimizerState;
  loadStateDict(state: OptimizerState): void;
}

/** What `saveCheckpoint` saves. */
export interface CheckpointContents {
  model: Module;
  optimizer?: StatefulOptimizer;
  /** Epochs completed (training resumes with this epoch). */
  epoch: number;
  /** More to keep (JSON values): best loss so far, history, ... */
  extra?: Record<string, unknown>;
}

/** What `loadCheckpoint` gives back besides restoring the model and optimizer. */
export interface LoadedCheckpoint {
  epoch: number;
  extra: Record<string, unknown>;
  randomState: RandomState;
}

const FORMAT = "edgegrad-checkpoint";
const MODEL = "model.";
const OPTIMIZER = "optimizer.state.";

/**
 * Saves model, optimizer, epoch and random state to one file, atomically.
 * @example await saveCheckpoint("run/checkpoint.safetensors", { model, optimizer, epoch: 3 });
 */
export async function saveCheckpoint(path: PathLike, contents: CheckpointContents): Promise<void> {
  checkOptions("saveCheckpoint", contents, {
    model: true,
    optimizer: true,
    epoch: true,
    extra: true,
  });
  const { model, optimizer, epoch, extra = {} } = contents;
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(`saveCheckpoint: epoch must be a non-negative integer, got ${epoch}`);
  }
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of model.stateDict()) tensors.set(MODEL + name, t);
  const metadata: Record<string, string> = {
    format: FORMAT,
    version: "1",
    epoch: String(epoch),
    random_state: JSON.stringify(getRandomState()),
    extra: JSON.stringify(extra),
  };
  if (optimizer !== undefined) {
    const { state, options } = optimizer.stateDict();
    const numbers: Record<string, Record<string, number>> = {};
    for (const [index, slots] of state) {
      for (const [slot, value] of Object.entries(slots)) {
        if (typeof value === "number") (numbers[index] ??= {})[slot] = value;
        else tensors.set(`${OPTIMIZER}${index}.${slot}`, value);
      }
    }
    metadata.optimizer = JSON.stringify({ type: optimizer.constructor.name, options, numbers });
  }
  await saveSafetensors(path, tensors, metadata);
}

function parseJson(text: string | undefined, field: string, source: string): unknown {
  try {
    if (text === undefined) throw new Error("missing");
    return JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source}: checkpoint metadata "${field}" is not valid JSON (${(error as Error).message})`,
    );
  }
}

/**
 * Restores a checkpoint into a model (and optimizer): weights, optimizer state and the global
 * random state (unless `restoreRandomState` is false). Returns the epoch and the extra values.
 * @example
 * const { epoch } = await loadCheckpoint("run/checkpoint.safetensors", { model, optimizer });
 * for (let e = epoch; e < epochs; e++) { ... }
 */
export async function loadCheckpoint(
  path: PathLike,
  target: { model: Module; optimizer?: StatefulOptimizer; restoreRandomState?: boolean },
): Promise<LoadedCheckpoint> {
  checkOptions("loadCheckpoint", target, {
    model: true,
    optimizer: true,
    restoreRandomState: true,
  });
  const source = pathString(path);
  const { tensors, metadata } = decodeSafetensors(
    await readFileNamed(path, "checkpoint"),
    source,
  );
  try {
    if (metadata.format !== FORMAT) {
      throw new Error(
        `${source}: not an edgegrad checkpoint (metadata format is ${
          JSON.stringify(metadata.format)
        }, expected "${FORMAT}")`,
      );
    }
    const epoch = Number(metadata.epoch);
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new Error(`${source}: checkpoint epoch ${JSON.stringify(metadata.epoch)} is not valid`);
    }
    const randomState = parseJson(metadata.random_state, "random_state", source) as RandomState;
    const extra = parseJson(metadata.extra, "extra", source) as Record<string, unknown>;
    const modelState = new Map<string, Tensor>();
    for (const [name, t] of tensors) {
      if (name.startsWith(MODEL)) modelState.set(name.slice(MODEL.length), t);
    }
    try {
      target.model.loadStateDict(modelState);
    } catch (error) {
      throw new Error(
        `${source}: the model state does not fit the model: ${(error as Error).message}`,
      );
    }
    if (target.optimizer !== undefined) {
      restoreOptimizer(target.optimizer, tensors, metadata, source);
    }
    if (target.restoreRandomState ?? true) {
      try {
        setRandomState(randomState);
      } catch (error) {
        throw new Error(`${source}: ${(error as Error).message}`);
      }
    }
    return { epoch, extra, randomState };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

function restoreOptimizer(
  optimizer: StatefulOptimizer,
  tensors: Map<string, Tensor>,
  metadata: Record<string, string>,
  source: string,
): void {
  if (metadata.optimizer === undefined) {
    throw new Error(`${source}: the checkpoint has no optimizer state`);
  }
  const saved = parseJson(metadata.optimizer, "optimizer", source) as {
    type: string;
    options: Record<string, unknown>;
    numbers: Record<string, Record<string, number>>;
  };
  const type = optimizer.constructor.name;
  if (saved.type !== type) {
    throw new Error(`${source}: the optimizer state was saved by ${saved.type}, not ${type}`);
  }
  const state = new Map<number, Record<string, Tensor | number>>();
  const slotsOf = (index: number) => {
    let slots = state.get(index);
    if (slots === undefined) state.set(index, slots = {});
    return slots;
  };
  for (const [index, numbers] of Object.entries(saved.numbers ?? {})) {
    Object.assign(slotsOf(Number(index)), numbers);
  }
  for (const [name, t] of tensors) {
    if (!name.startsWith(OPTIMIZER)) continue;
    const rest = name.slice(OPTIMIZER.length);
    const dot = rest.indexOf(".");
    slotsOf(Number(rest.slice(0, dot)))[rest.slice(dot + 1)] = t;
  }
  try {
    optimizer.loadStateDict({ state, options: saved.options });
  } catch (error) {
    throw new Error(
      `${source}: the optimizer state does not fit the optimizer: ${(error as Error).message}`,
    );
  }
}
