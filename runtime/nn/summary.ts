/**
 * `summary(model, inputShape)`: a Keras-style table of a model's layers, their output shapes,
 * parameter counts and FLOPs per sample, found by running one zero sample through the model with
 * forward hooks on its layers.
 *
 * FLOPs are counted per sample, a multiply-add as 2, by each layer's `flops()` (next to its
 * forward, see Module.flops):
 * - `Linear`: 2·in·out per output row; `Conv2d`: 2·(Cin/groups)·kH·kW per output element;
 *   `ConvTranspose2d`: 2·(Cout/groups)·kH·kW per input element. The bias add is not counted
 *   separately (it takes the place of the first add of each dot product).
 * - Activations (ReLU, Tanh, Softmax, ...): 1 per output element, whatever the function costs.
 * - `MaxPool2d` / `AvgPool2d`: kH·kW per output element (one compare or add per window element);
 *   `AdaptiveAvgPool2d`: 1 per input element.
 * - `BatchNorm1d/2d`, `LayerNorm`, `RMSNorm`: 2 per output element (a scale and a shift, the
 *   statistics folded in as at inference).
 * - Recurrent layers and cells, `MultiheadAttention`: their products with the weights (and, for
 *   attention, of queries with keys and weights with values).
 * - `Flatten`, `Unflatten`, `Dropout` (evaluation mode), `Embedding` and the positional
 *   embeddings (lookups): 0.
 * - Any other layer: not counted unless it overrides `flops` (`flops` is null, shown as "?",
 *   and named under the table).
 */
import { Tensor } from "../tensor.ts";
import { Module } from "./module.ts";
import { isParameter } from "./parameter.ts";
import { zeros } from "../ops/creation.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { formatShape } from "../shape.ts";

/** One layer of the summary (one row per call, so a layer used twice has two rows). */
export interface SummaryRow {
  /** Dotted path as `namedModules()` gives it (`conv1`, `0`, `features.3`); "" for the model. */
  name: string;
  /** The class name (`Conv2d`). */
  type: string;
  /** Output shape of one sample (the batch dim left out); null for a layer the pass never ran. */
  outputShape: number[] | null;
  /** Number of parameter elements the layer owns itself (not its children's). */
  params: number;
  /** The part of `params` that requires grad (is trained). */
  trainable: number;
  /** FLOPs for one sample (see the rules above), or null for a layer type not counted. */
  flops: number | null;
}

/** Totals over the model (each parameter tensor counted once, even when shared). */
export interface SummaryTotals {
  params: number;
  trainable: number;
  /** Parameters that do not require grad (frozen). */
  nonTrainable: number;
  /** Elements of buffers (batch norm's running statistics): saved, not trained. */
  buffers: number;
  /** Bytes of the parameters in memory (4 per float32 element). */
  paramBytes: number;
  /** Bytes of the buffers. */
  bufferBytes: number;
  /** FLOPs for one sample, summed over the rows that are counted. */
  flops: number;
  /** Layer types whose FLOPs are not counted (empty when the count is complete). */
  uncountedTypes: string[];
}

/** What `summary` returns: the rows, the totals, and the table as text (`toString()`). */
export class ModelSummary {
  constructor(
    readonly inputShape: readonly number[],
    readonly rows: readonly SummaryRow[],
    readonly totals: SummaryTotals,
  ) {}

  /** The aligned table, as Keras' `model.summary()` prints it. */
  toString(): string {
    return formatSummary(this);
  }
}

/**
 * Runs a zero batch of one sample `[1, ...inputShape]` through `model` without recording the
 * graph and in evaluation mode (the modes are restored afterwards, so batch norm's running
 * statistics and the random stream are left as they were), and reports its layers: the leaves
 * of the module tree, plus any module that owns parameters itself.
 * @example
 * const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10));
 * console.log(nn.summary(model, [1, 28, 28]).toString());
 */
export function summary(model: Module, inputShape: readonly number[]): ModelSummary {
  if (!(model instanceof Module)) {
    throw new TypeError("summary: the first argument must be an nn.Module");
  }
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(
      `summary: inputShape must be an array of positive integers for one sample, without the ` +
        `batch dim (e.g. [1, 28, 28]), got ${JSON.stringify(inputShape)}`,
    );
  }
  // A module registered under two names (shared) is reported once, under its first name.
  const modules = model.namedModules().filter(([, m], i, all) =>
    all.findIndex(([, other]) => other === m) === i
  );
  const reported = modules.filter(([, m]) => m.namedChildren().length === 0 || ownParams(m) > 0);
  const rows: SummaryRow[] = [];
  const ran = new Set<Module>();
  const active: Running[] = [];
  const modes = modules.map(([, m]) => m.training);
  const undo: (() => void)[] = [];
  try {
    model.eval();
    for (const [name, module] of modules) undo.push(trackEntry(module, name, active));
    for (const [name, module] of reported) {
      undo.push(module.registerForwardHook((_m, inputs, output) => {
        ran.add(module);
        rows.push(rowOf(name, module, inputs, output));
      }));
    }
    runSample(model, inputShape, active);
  } finally {
    for (const restore of undo.reverse()) restore();
    modules.forEach(([, m], i) => (m.training = modes[i]));
  }
  for (const [name, module] of reported) {
    if (!ran.has(module)) rows.push({ ...rowOf(name, module, [], null), flops: 0 });
  }
  return new ModelSummary([...inputShape], rows, totalsOf(model, rows));
}

/** A layer whose forward has started and not yet returned, with its inputs' shapes. */
interface Running {
  name: string;
  module: Module;
  inputs: readonly number[][];
}

/** The pass of one zero sample; an error names the layer that was running. */
function runSample(model: Module, inputShape: readonly number[], active: Running[]): void {
  try {
    noGrad(() => {
      model.call(zeros([1, ...inputShape]));
    });
  } catch (error) {
    throw failure(error, inputShape, active);
  }
}

/** Wraps `module.forward` on the instance to note which layers are running; returns the undo. */
function trackEntry(
  module: Module,
  name: string,
  active: Running[],
): () => void {
  const own = Object.getOwnPropertyDescriptor(module, "forward");
  const forward = module.forward;
  module.forward = (...inputs: Tensor[]): Tensor => {
    active.push({ name, module, inputs: inputs.map((t) => [...t.shape]) });
    const output = forward.apply(module, inputs);
    active.pop();
    return output;
  };
  return () => {
    if (own === undefined) Reflect.deleteProperty(module, "forward");
    else Object.defineProperty(module, "forward", own);
  };
}

/** The error of a failed pass, naming the innermost layer that was running. */
function failure(
  error: unknown,
  inputShape: readonly number[],
  active: Running[],
): Error {
  const message = error instanceof Error ? error.message : String(error);
  const innermost = active[active.length - 1];
  const where = innermost === undefined
    ? "before any layer ran"
    : `in layer ${displayName(innermost.name)} (${innermost.module.constructor.name}), whose ` +
      `input had shape ${innermost.inputs.map(formatShape).join(", ")}`;
  return new Error(
    `summary: the forward pass of a sample of shape ${formatShape(inputShape)} (batch ` +
      `${formatShape([1, ...inputShape])}) failed ${where}: ${message}. Check inputShape ` +
      "(one sample, without the batch dim) against what the model expects.",
    { cause: error },
  );
}

function ownTensors(module: Module, test: (t: Tensor) => boolean): Tensor[] {
  return Object.values(module).filter((v): v is Tensor => v instanceof Tensor && test(v));
}

function ownParams(module: Module): number {
  return ownTensors(module, isParameter).reduce((n, t) => n + t.size, 0);
}

function rowOf(
  name: string,
  module: Module,
  inputs: readonly Tensor[],
  output: Tensor | null,
): SummaryRow {
  const params = ownTensors(module, isParameter);
  return {
    name,
    type: module.constructor.name,
    outputShape: output === null ? null : output.shape.slice(1),
    params: params.reduce((n, t) => n + t.size, 0),
    trainable: params.filter((t) => t.requiresGrad).reduce((n, t) => n + t.size, 0),
    flops: output === null ? 0 : module.flops(inputs, output),
  };
}

function totalsOf(model: Module, rows: readonly SummaryRow[]): SummaryTotals {
  const params = [...new Set(model.parameters())];
  const buffers = [...new Set(model.namedBuffers().map(([, t]) => t))];
  const count = (list: Tensor[]) => list.reduce((n, t) => n + t.size, 0);
  const total = count(params), trainable = count(params.filter((t) => t.requiresGrad));
  return {
    params: total,
    trainable,
    nonTrainable: total - trainable,
    buffers: count(buffers),
    paramBytes: 4 * total,
    bufferBytes: 4 * count(buffers),
    flops: rows.reduce((n, r) => n + (r.flops ?? 0), 0),
    uncountedTypes: [...new Set(rows.filter((r) => r.flops === null).map((r) => r.type))],
  };
}

function displayName(name: string): string {
  return name === "" ? "(model)" : name;
}

/** A per-sample shape with the batch dim shown as N: "[N, 32, 28, 28]". */
function batchShape(shape: readonly number[]): string {
  return `[${["N", ...shape].join(", ")}]`;
}

/** 1234567 → "1,234,567". */
function grouped(n: number): string {
  return n.toLocaleString("en-US");
}

/** A byte count with its binary-prefixed size: "1,819,688 bytes (1.74 MiB)". */
function bytesText(bytes: number): string {
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes, unit = "";
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return unit === ""
    ? `${grouped(bytes)} bytes`
    : `${grouped(bytes)} bytes (${value.toFixed(2)} ${unit})`;
}

/** A FLOP count with its SI-prefixed size: "22,205,568 (22.21 MFLOPs)". */
function flopsText(flops: number): string {
  const units: [number, string][] = [[1e9, "GFLOPs"], [1e6, "MFLOPs"], [1e3, "kFLOPs"]];
  const found = units.find(([scale]) => flops >= scale);
  return found === undefined
    ? `${grouped(flops)}`
    : `${grouped(flops)} (${(flops / found[0]).toFixed(2)} ${found[1]})`;
}

/** The summary as an aligned text table with the totals under it. */
function formatSummary(s: ModelSummary): string {
  const header = ["Layer (type)", "Output shape", "Params", "FLOPs"];
  const body = s.rows.map((r) => [
    `${displayName(r.name)} (${r.type})`,
    r.outputShape === null ? "(not run)" : batchShape(r.outputShape),
    grouped(r.params),
    r.flops === null ? "?" : grouped(r.flops),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("   ")
      .trimEnd();
  const rule = (char: string) => char.repeat(widths.reduce((a, b) => a + b, 0) + 3 * 3);
  const t = s.totals;
  const lines = [
    `Model summary for input ${batchShape(s.inputShape)}`,
    rule("─"),
    line(header),
    rule("═"),
    ...body.map(line),
    rule("─"),
    `Total params: ${grouped(t.params)}`,
    `Trainable params: ${grouped(t.trainable)}`,
    `Non-trainable params: ${grouped(t.nonTrainable)}`,
    `Parameter memory: ${bytesText(t.paramBytes)} as float32`,
  ];
  if (t.buffers > 0) lines.push(`Buffers: ${grouped(t.buffers)} (${bytesText(t.bufferBytes)})`);
  lines.push(`FLOPs per sample (a multiply-add counts 2): ${flopsText(t.flops)}`);
  if (t.uncountedTypes.length > 0) {
    lines.push(`  (FLOPs of ${t.uncountedTypes.join(", ")} not counted: shown as "?")`);
  }
  lines.push(rule("─"));
  return lines.join("\n");
}
