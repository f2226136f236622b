/**
 * Recurrent layers as PyTorch's: `RNN`, `LSTM`, `GRU` over whole sequences and `RNNCell`,
 * `LSTMCell`, `GRUCell` for one step. Parameters carry PyTorch's names (`weight_ih_l0`,
 * `bias_hh_l1_reverse`, `weight_ih`, ...) so a PyTorch state dict loads by name, and start as
 * PyTorch's: every weight and bias U(−1/√hidden, 1/√hidden).
 */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { uniform, zeros } from "../ops/creation.ts";
import {
  gateCount,
  gruCell,
  lstmCell,
  recurrent,
  type RecurrentMode,
  type RecurrentWeights,
  rnnReluCell,
  rnnTanhCell,
} from "../ops/rnn.ts";
import { squeeze, transpose, unsqueeze } from "../ops/shape_ops.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { registerModule } from "./registry.ts";
import { formatShape } from "../shape.ts";

/** Options of RNN, LSTM and GRU (PyTorch's, in camelCase). */
export interface RecurrentModuleOptions {
  /** Stacked layers. Default 1. */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh. Default true. */
  bias?: boolean;
  /** Input and output as [batch, steps, features] instead of [steps, batch, features]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training. Default 0. */
  dropout?: number;
  /** A second direction from the last step back, concatenated on the features. Default false. */
  bidirectional?: boolean;
}

/** Options of nn.RNN: the recurrent options and the nonlinearity. */
export interface RNNOptions extends RecurrentModuleOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

const RECURRENT_KEYS: OptionKeys<RecurrentModuleOptions> = {
  numLayers: true,
  bias: true,
  batchFirst: true,
  dropout: true,
  bidirectional: true,
};
const RNN_KEYS: OptionKeys<RNNOptions> = { ...RECURRENT_KEYS, nonlinearity: true };

/** What `forwardWithState` returns. */
export interface RecurrentOutput {
  /** [steps, batch, directions·hidden] ([batch, steps, ...] with batchFirst; [steps, ...] unbatched). */
  output: Tensor;
  /** Final hidden states [layers·directions, batch, hidden] ([layers·directions, hidden] unbatched). */
  h: Tensor;
  /** LSTM only: final cell states, shaped as h. */
  c: Tensor | null;
}

/** Initial states for `forwardWithState`; missing ones start at zero. */
export interface RecurrentState {
  h?: Tensor | null;
  c?: Tensor | null;
}

function checkSize(where: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: ${name} must be a positive integer, got ${value}`);
  }
}

abstract class RecurrentBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  private readonly layerWeights: RecurrentWeights[] = [];

  constructor(
    private readonly mode: RecurrentMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RecurrentModuleOptions,
  ) {
    super();
    const where = this.constructor.name;
    checkSize(where, "inputSize", inputSize);
    checkSize(where, "hiddenSize", hiddenSize);
    const {
      numLayers = 1,
      bias = true,
      batchFirst = false,
      dropout = 0,
      bidirectional = false,
    } = options;
    checkSize(where, "numLayers", numLayers);
    if (!(dropout >= 0 && dropout <= 1)) {
      throw new RangeError(`${where}: dropout must be between 0 and 1, got ${dropout}`);
    }
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    const bound = 1 / Math.sqrt(hiddenSize);
    const rows = gateCount(mode) * hiddenSize;
    const fields = this as unknown as Record<string, Tensor>;
    const make = (name: string, shape: number[]): Tensor =>
      fields[name] = parameter(uniform(shape, -bound, bound));
    for (let layer = 0; layer < numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1);
      for (const suffix of bidirectional ? ["", "_reverse"] : [""]) {
        const weightIh = make(`weight_ih_l${layer}${suffix}`, [rows, layerInput]);
        const weightHh = make(`weight_hh_l${layer}${suffix}`, [rows, hiddenSize]);
        const biasIh = bias ? make(`bias_ih_l${layer}${suffix}`, [rows]) : null;
        const biasHh = bias ? make(`bias_hh_l${layer}${suffix}`, [rows]) : null;
        this.layerWeights.push({ weightIh, weightHh, biasIh, biasHh });
      }
    }
  }

  /** Every step's output (see `forwardWithState` for the final states too). */
  forward(input: Tensor, h0?: Tensor, c0?: Tensor): Tensor {
    return this.forwardWithState(input, { h: h0, c: c0 }).output;
  }

  /**
   * The outputs and the final states. Input [steps, batch, inputSize] ([batch, steps, inputSize]
   * with batchFirst, or unbatched [steps, inputSize]); states [layers·directions, batch, hidden].
   */
  forwardWithState(input: Tensor, state: RecurrentState = {}): RecurrentOutput {
    const where = this.constructor.name;
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(
        `${where}: expected an input [steps, batch, ${this.inputSize}]${
          this.batchFirst ? " (batchFirst: [batch, steps, features])" : ""
        } or unbatched [steps, ${this.inputSize}], got ${formatShape(input.shape)}`,
      );
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(
        `${where}: the input has ${input.shape[input.ndim - 1]} features (shape ${
          formatShape(input.shape)
        }) but the layer was built for inputSize ${this.inputSize}`,
      );
    }
    if (state.c && this.mode !== "lstm") {
      throw new Error(`${where}: only the LSTM takes a cell state c`);
    }
    const batched = input.ndim === 3;
    const stateIn = (s: Tensor | null | undefined): Tensor | null =>
      s ? (batched ? s : unsqueeze(s, 1)) : null;
    const sequence = !batched
      ? unsqueeze(input, 1)
      : this.batchFirst
      ? transpose(input, 0, 1)
      : input;
    const result = recurrent(
      this.mode,
      sequence,
      this.layerWeights,
      stateIn(state.h),
      stateIn(state.c),
      {
        numLayers: this.numLayers,
        bidirectional: this.bidirectional,
        dropout: this.dropout,
        training: this.training,
      },
    );
    const stateOut = (s: Tensor | null): Tensor | null => (s && !batched ? squeeze(s, 1) : s);
    const output = !batched
      ? squeeze(result.output, 1)
      : this.batchFirst
      ? transpose(result.output, 0, 1)
      : result.output;
    return { output, h: stateOut(result.h)!, c: stateOut(result.c) };
  }

  /**
   * The products with the weights: per step and sequence, 2·(W_ih and W_hh elements) of each
   * layer and direction; the gates' elementwise work is not counted.
   */
  override flops(inputs: readonly Tensor[]): number {
    const rows = inputs[0].size / this.inputSize;
    return rows * this.layerWeights.reduce(
      (n, { weightIh, weightHh }) => n + 2 * (weightIh.size + weightHh.size),
      0,
    );
  }

  protected options(): Record<string, unknown> {
    return {
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bias: this.bias,
      batchFirst: this.batchFirst,
      dropout: this.dropout,
      bidirectional: this.bidirectional,
    };
  }

  override toConfig(): ModuleConfig {
    return { type: this.constructor.name, options: this.options() };
  }
}

/**
 * Elman RNN: h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or relu), stacked and optionally
 * bidirectional. Input [steps, batch, inputSize] → output [steps, batch, directions·hiddenSize].
 * @example const rnn = new nn.RNN(10, 20, { numLayers: 2 }); const { output, h } = rnn.forwardWithState(x);
 */
export class RNN extends RecurrentBase {
  readonly nonlinearity: "tanh" | "relu";
  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    const o = checkOptions("RNN", options, RNN_KEYS);
    const nonlinearity = o.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new Error(
        `RNN: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nonlinearity)}`,
      );
    }
    const { nonlinearity: _, ...rest } = o;
    super(nonlinearity === "tanh" ? "rnnTanh" : "rnnRelu", inputSize, hiddenSize, rest);
    this.nonlinearity = nonlinearity;
  }
  protected override options(): Record<string, unknown> {
    return { ...super.options(), nonlinearity: this.nonlinearity };
  }
}

/**
 * Long short-term memory (gates i, f, g, o in PyTorch's order): c_t = f·c_{t−1} + i·g,
 * h_t = o·tanh(c_t). Input [steps, batch, inputSize] → output [steps, batch, directions·hiddenSize];
 * `forwardWithState` also gives the final h and c [layers·directions, batch, hiddenSize].
 * @example
 * const lstm = new nn.LSTM(64, 256, { numLayers: 2, batchFirst: true });
 * const { output, h, c } = lstm.forwardWithState(x, { h: h0, c: c0 });
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentModuleOptions) {
    super("lstm", inputSize, hiddenSize, checkOptions("LSTM", options, RECURRENT_KEYS));
  }
}

/**
 * Gated recurrent unit (gates r, z, n in PyTorch's order): n = tanh(x_n + r·(h·W_hnᵀ + b_hn)),
 * h_t = (1 − z)·n + z·h_{t−1}. Shapes as LSTM, without the cell state.
 */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentModuleOptions) {
    super("gru", inputSize, hiddenSize, checkOptions("GRU", options, RECURRENT_KEYS));
  }
}

for (const [name, Type] of [["RNN", RNN], ["LSTM", LSTM], ["GRU", GRU]] as const) {
  registerModule(
    name,
    ({ options: { inputSize, hiddenSize, ...rest } = {} }) =>
      new Type(inputSize as number, hiddenSize as number, rest),
  );
}

/** Options of the cells. */
export interface CellOptions {
  /** Learn the biases b_ih and b_hh. Default true. */
  bias?: boolean;
}

/** Options of RNNCell. */
export interface RNNCellOptions extends CellOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

const CELL_KEYS: OptionKeys<CellOptions> = { bias: true };
const RNN_CELL_KEYS: OptionKeys<RNNCellOptions> = { bias: true, nonlinearity: true };

abstract class CellBase extends Module {
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;
  constructor(
    gates: number,
    readonly inputSize: number,
    readonly hiddenSize: number,
    bias: boolean,
  ) {
    super();
    checkSize(this.constructor.name, "inputSize", inputSize);
    checkSize(this.constructor.name, "hiddenSize", hiddenSize);
    const bound = 1 / Math.sqrt(hiddenSize);
    const make = (shape: number[]) => parameter(uniform(shape, -bound, bound));
    this.weight_ih = make([gates * hiddenSize, inputSize]);
    this.weight_hh = make([gates * hiddenSize, hiddenSize]);
    this.bias_ih = bias ? make([gates * hiddenSize]) : null;
    this.bias_hh = bias ? make([gates * hiddenSize]) : null;
  }

  /** Runs `step` on a batch [batch, input] or one sample [input]; a missing state is zero. */
  protected run<T>(
    input: Tensor,
    states: (Tensor | undefined)[],
    step: (x: Tensor, states: Tensor[]) => T,
    unbatch: (result: T) => T,
  ): T {
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new Error(
        `${this.constructor.name}: expected an input [batch, ${this.inputSize}] or [${this.inputSize}], ` +
          `got ${formatShape(input.shape)}`,
      );
    }
    const batched = input.ndim === 2;
    const x = batched ? input : unsqueeze(input, 0);
    const full = states.map((s) =>
      s === undefined ? zeros([x.shape[0], this.hiddenSize]) : batched ? s : unsqueeze(s, 0)
    );
    const result = step(x, full);
    return batched ? result : unbatch(result);
  }

  /** As the recurrent layers: 2·(W_ih and W_hh elements) per batch row; gates not counted. */
  override flops(inputs: readonly Tensor[]): number {
    return (inputs[0].size / this.inputSize) * 2 * (this.weight_ih.size + this.weight_hh.size);
  }

  override toConfig(): ModuleConfig {
    return {
      type: this.constructor.name,
      options: { inputSize: this.inputSize, hiddenSize: this.hiddenSize, ...this.extraOptions() },
    };
  }

  protected extraOptions(): Record<string, unknown> {
    return { bias: this.bias_ih !== null };
  }
}

/**
 * One Elman step: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu). Input [batch, inputSize]
 * and h [batch, hiddenSize] (zeros when missing) → h' [batch, hiddenSize].
 */
export class RNNCell extends CellBase {
  readonly nonlinearity: "tanh" | "relu";
  constructor(inputSize: number, hiddenSize: number, options?: RNNCellOptions) {
    const o = checkOptions("RNNCell", options, RNN_CELL_KEYS);
    super(1, inputSize, hiddenSize, o.bias ?? true);
    this.nonlinearity = o.nonlinearity ?? "tanh";
    if (this.nonlinearity !== "tanh" && this.nonlinearity !== "relu") {
      throw new Error(
        `RNNCell: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(this.nonlinearity)}`,
      );
    }
  }
  forward(input: Tensor, h?: Tensor): Tensor {
    const cell = this.nonlinearity === "tanh" ? rnnTanhCell : rnnReluCell;
    return this.run(
      input,
      [h],
      (x, [state]) => cell(x, state, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh),
      (out) => squeeze(out, 0),
    );
  }
  protected override extraOptions(): Record<string, unknown> {
    return { ...super.extraOptions(), nonlinearity: this.nonlinearity };
  }
}

/**
 * One LSTM step. Input [batch, inputSize], h and c [batch, hiddenSize] (zeros when missing);
 * `forward` gives h', `forwardWithState` gives { h, c }.
 * @example const cell = new nn.LSTMCell(10, 20); const { h, c } = cell.forwardWithState(x, { h, c });
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options?: CellOptions) {
    super(4, inputSize, hiddenSize, checkOptions("LSTMCell", options, CELL_KEYS).bias ?? true);
  }
  forward(input: Tensor, h?: Tensor, c?: Tensor): Tensor {
    return this.forwardWithState(input, { h, c }).h;
  }
  /** h' and c' from the input and the state. */
  forwardWithState(
    input: Tensor,
    state: { h?: Tensor; c?: Tensor } = {},
  ): { h: Tensor; c: Tensor } {
    return this.run(
      input,
      [state.h, state.c],
      (x, [h, c]) => {
        const [hNext, cNext] = lstmCell(
          x,
          [h, c],
          this.weight_ih,
          this.weight_hh,
          this.bias_ih,
          this.bias_hh,
        );
        return { h: hNext, c: cNext };
      },
      ({ h, c }) => ({ h: squeeze(h, 0), c: squeeze(c, 0) }),
    );
  }
}

/** One GRU step. Input [batch, inputSize] and h [batch, hiddenSize] → h' [batch, hiddenSize]. */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options?: CellOptions) {
    super(3, inputSize, hiddenSize, checkOptions("GRUCell", options, CELL_KEYS).bias ?? true);
  }
  forward(input: Tensor, h?: Tensor): Tensor {
    return this.run(
      input,
      [h],
      (x, [state]) => gruCell(x, state, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh),
      (out) => squeeze(out, 0),
    );
  }
}

for (
  const [name, Type] of [["RNNCell", RNNCell], ["LSTMCell", LSTMCell], [
    "GRUCell",
    GRUCell,
  ]] as const
) {
  registerModule(
    name,
    ({ options: { inputSize, hiddenSize, ...rest } = {} }) =>
      new Type(inputSize as number, hiddenSize as number, rest),
  );
}
