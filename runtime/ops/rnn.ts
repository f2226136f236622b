/**
 * Recurrent ops (PyTorch's gate order and equations): one step of an Elman RNN, an LSTM or a GRU,
 * and `recurrent`, which runs stacked, optionally bidirectional layers over a whole sequence. The
 * input projections of all time steps are one GEMM per layer and direction; each step then adds
 * the hidden projection and applies the gates with the existing elementwise ops (a fused gate
 * kernel is a later step). Gradients come from the ops they are composed of.
 */
import type { Tensor } from "../tensor.ts";
import { linear } from "./matmul.ts";
import { add, mul, sub } from "./arithmetic.ts";
import { relu, sigmoid, tanh } from "./activation.ts";
import { cat, narrow, reshape, stack } from "./shape_ops.ts";
import { dropout } from "./dropout_impl.ts";
import { expectFloat } from "./broadcast.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { formatShape } from "../shape.ts";
import { zeros } from "./creation.ts";

/** Which recurrence: Elman with tanh or ReLU, LSTM (gates i, f, g, o) or GRU (gates r, z, n). */
export type RecurrentMode = "rnnTanh" | "rnnRelu" | "lstm" | "gru";

/** One direction of one layer: PyTorch's weight_ih_lK, weight_hh_lK, bias_ih_lK, bias_hh_lK. */
export interface RecurrentWeights {
  /** [gates·hidden, input] */
  weightIh: Tensor;
  /** [gates·hidden, hidden] */
  weightHh: Tensor;
  /** [gates·hidden] or null */
  biasIh: Tensor | null;
  /** [gates·hidden] or null */
  biasHh: Tensor | null;
}

/** Gate blocks stacked in the weights of each mode (PyTorch's layout). */
export function gateCount(mode: RecurrentMode): number {
  return mode === "lstm" ? 4 : mode === "gru" ? 3 : 1;
}

/** Gates of one column block j (of `hidden` columns) of [batch, gates·hidden]. */
function gate(gates: Tensor, j: number, hidden: number): Tensor {
  return narrow(gates, 1, j * hidden, hidden);
}

/** One step from the input projection xProj = x·W_ihᵀ + b_ih [batch, gates·hidden]. */
function step(
  mode: RecurrentMode,
  xProj: Tensor,
  h: Tensor,
  c: Tensor | null,
  w: RecurrentWeights,
): [Tensor, Tensor | null] {
  const hidden = h.shape[1];
  const hProj = linear(h, w.weightHh, w.biasHh);
  if (mode === "gru") {
    // r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n), h' = n + z·(h − n)
    const rz = sigmoid(add(narrow(xProj, 1, 0, 2 * hidden), narrow(hProj, 1, 0, 2 * hidden)));
    const r = gate(rz, 0, hidden), z = gate(rz, 1, hidden);
    const n = tanh(add(gate(xProj, 2, hidden), mul(r, gate(hProj, 2, hidden))));
    return [add(n, mul(z, sub(h, n))), null];
  }
  const gates = add(xProj, hProj);
  if (mode === "rnnTanh") return [tanh(gates), null];
  if (mode === "rnnRelu") return [relu(gates), null];
  // c' = f·c + i·g, h' = o·tanh(c'), with i, f, o through σ and g through tanh
  const sig = sigmoid(gates);
  const g = tanh(gate(gates, 2, hidden));
  const cNext = add(mul(gate(sig, 1, hidden), c!), mul(gate(sig, 0, hidden), g));
  return [mul(gate(sig, 3, hidden), tanh(cNext)), cNext];
}

function checkCell(
  op: string,
  mode: RecurrentMode,
  input: Tensor,
  states: Tensor[],
  w: RecurrentWeights,
): void {
  expectFloat(op, input, ...states, w.weightIh, w.weightHh);
  const [rows, inputSize] = w.weightIh.shape;
  const hidden = w.weightHh.shape[1];
  if (w.weightIh.ndim !== 2 || rows !== gateCount(mode) * hidden) {
    throw new Error(
      `${op}: weightIh should be [${gateCount(mode)}·hidden, input] = [${
        gateCount(mode) * hidden
      }, *] for a hidden size of ${hidden} (weightHh ${formatShape(w.weightHh.shape)}), got ` +
        formatShape(w.weightIh.shape),
    );
  }
  if (input.ndim !== 2 || input.shape[1] !== inputSize) {
    throw new Error(
      `${op}: expected an input [batch, ${inputSize}], got ${formatShape(input.shape)}`,
    );
  }
  for (const s of states) {
    if (s.ndim !== 2 || s.shape[0] !== input.shape[0] || s.shape[1] !== hidden) {
      throw new Error(
        `${op}: expected a state [${input.shape[0]}, ${hidden}] (batch, hidden), got ${
          formatShape(s.shape)
        }`,
      );
    }
  }
}

/**
 * One Elman step with tanh: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). x [batch, input],
 * h [batch, hidden], weights [hidden, input] and [hidden, hidden] → h' [batch, hidden].
 */
export function rnnTanhCell(
  input: Tensor,
  hidden: Tensor,
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh: Tensor | null = null,
  biasHh: Tensor | null = null,
): Tensor {
  const w = { weightIh, weightHh, biasIh, biasHh };
  checkCell("rnnTanhCell", "rnnTanh", input, [hidden], w);
  return step("rnnTanh", linear(input, weightIh, biasIh), hidden, null, w)[0];
}

/** One Elman step with ReLU: h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh); shapes as rnnTanhCell. */
export function rnnReluCell(
  input: Tensor,
  hidden: Tensor,
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh: Tensor | null = null,
  biasHh: Tensor | null = null,
): Tensor {
  const w = { weightIh, weightHh, biasIh, biasHh };
  checkCell("rnnReluCell", "rnnRelu", input, [hidden], w);
  return step("rnnRelu", linear(input, weightIh, biasIh), hidden, null, w)[0];
}

/**
 * One LSTM step (gates i, f, g, o stacked in that order in the weights [4·hidden, *]):
 * x [batch, input], h and c [batch, hidden] → [h', c'].
 * @example const [h1, c1] = F.lstmCell(x, [h, c], wIh, wHh, bIh, bHh);
 */
export function lstmCell(
  input: Tensor,
  state: readonly [Tensor, Tensor],
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh: Tensor | null = null,
  biasHh: Tensor | null = null,
): [Tensor, Tensor] {
  const w = { weightIh, weightHh, biasIh, biasHh };
  checkCell("lstmCell", "lstm", input, [...state], w);
  const [h, c] = step("lstm", linear(input, weightIh, biasIh), state[0], state[1], w);
  return [h, c!];
}

/**
 * One GRU step (gates r, z, n stacked in the weights [3·hidden, *]; b_hn inside the reset gate's
 * product, as PyTorch): x [batch, input], h [batch, hidden] → h' [batch, hidden].
 */
export function gruCell(
  input: Tensor,
  hidden: Tensor,
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh: Tensor | null = null,
  biasHh: Tensor | null = null,
): Tensor {
  const w = { weightIh, weightHh, biasIh, biasHh };
  checkCell("gruCell", "gru", input, [hidden], w);
  return step("gru", linear(input, weightIh, biasIh), hidden, null, w)[0];
}

function checkLayer(mode: RecurrentMode, input: Tensor, w: RecurrentWeights, index: number): void {
  const hidden = w.weightHh.shape[1];
  const expected = [gateCount(mode) * hidden, input.shape[2]];
  if (formatShape(w.weightIh.shape) !== formatShape(expected)) {
    throw new Error(
      `recurrent: weight set ${index} has weightIh ${formatShape(w.weightIh.shape)} but its ` +
        `input has ${input.shape[2]} features and the hidden size is ${hidden}: expected ` +
        formatShape(expected),
    );
  }
  expectFloat("recurrent", w.weightIh, w.weightHh);
}

/** Options of `recurrent`. */
export interface RecurrentOptions {
  /** Stacked layers. Default 1. */
  numLayers?: number;
  /** Run a second direction from the last step back and concatenate. Default false. */
  bidirectional?: boolean;
  /** Dropout probability on the outputs of every layer but the last. Default 0. */
  dropout?: number;
  /** Whether that dropout is active. Default true. */
  training?: boolean;
}

const RECURRENT_KEYS: OptionKeys<RecurrentOptions> = {
  numLayers: true,
  bidirectional: true,
  dropout: true,
  training: true,
};

/** What `recurrent` returns: every step's output and the final states. */
export interface RecurrentResult {
  /** [steps, batch, directions·hidden]: the last layer's hidden state at every step. */
  output: Tensor;
  /** [layers·directions, batch, hidden]: each layer and direction's last hidden state. */
  h: Tensor;
  /** LSTM only: the last cell states, [layers·directions, batch, hidden]; null otherwise. */
  c: Tensor | null;
}

/**
 * Runs a stacked recurrent network over a sequence, as torch.nn.RNN/LSTM/GRU do. `input`
 * [steps, batch, input]; `weights` per layer and direction, layer-major (l0, l0_reverse, l1, ...);
 * `h0` (and `c0` for the LSTM) [layers·directions, batch, hidden] or null for zeros.
 * @example const { output, h, c } = F.recurrent("lstm", x, weights, null, null, { numLayers: 2 });
 */
export function recurrent(
  mode: RecurrentMode,
  input: Tensor,
  weights: readonly RecurrentWeights[],
  h0: Tensor | null,
  c0: Tensor | null,
  options?: RecurrentOptions,
): RecurrentResult {
  const o = checkOptions("recurrent", options, RECURRENT_KEYS);
  const numLayers = o.numLayers ?? 1;
  const directions = o.bidirectional ? 2 : 1;
  const p = o.dropout ?? 0;
  expectFloat("recurrent", input);
  if (!(gateCount(mode) > 0)) throw new Error(`recurrent: unknown mode "${mode}"`);
  if (weights.length !== numLayers * directions) {
    throw new Error(
      `recurrent: expected ${numLayers * directions} weight sets (${numLayers} layers × ` +
        `${directions} directions), got ${weights.length}`,
    );
  }
  if (input.ndim !== 3) {
    throw new Error(
      `recurrent: expected an input [steps, batch, features], got ${formatShape(input.shape)}`,
    );
  }
  const [steps, batch] = input.shape;
  if (steps === 0) throw new Error("recurrent: the input has no time steps (shape [0, ...])");
  const hidden = weights[0].weightHh.shape[1];
  const stateShape = [numLayers * directions, batch, hidden];
  for (const [name, s] of [["h0", h0], ["c0", c0]] as const) {
    if (s !== null && formatShape(s.shape) !== formatShape(stateShape)) {
      throw new Error(
        `recurrent: ${name} should be ${formatShape(stateShape)} (layers·directions, batch, ` +
          `hidden), got ${formatShape(s.shape)}`,
      );
    }
  }
  if (c0 !== null && mode !== "lstm") throw new Error("recurrent: c0 is for the LSTM only");
  const initial = (s: Tensor | null, index: number): Tensor | null =>
    s === null ? null : reshape(narrow(s, 0, index, 1), [batch, hidden]);
  let layerInput = input;
  const finalH: Tensor[] = [], finalC: Tensor[] = [];
  for (let layer = 0; layer < numLayers; layer++) {
    if (layer > 0 && p > 0) layerInput = dropout(layerInput, { p, training: o.training ?? true });
    const outputs: Tensor[] = [];
    for (let direction = 0; direction < directions; direction++) {
      const index = layer * directions + direction;
      const w = weights[index];
      checkLayer(mode, layerInput, w, index);
      // All steps' input projections in one GEMM: [steps, batch, gates·hidden].
      const projections = linear(layerInput, w.weightIh, w.biasIh);
      let h = initial(h0, index) ?? zeros([batch, hidden]);
      let c = mode === "lstm" ? initial(c0, index) ?? zeros([batch, hidden]) : null;
      const hs: Tensor[] = new Array(steps);
      for (let k = 0; k < steps; k++) {
        const t = direction === 0 ? k : steps - 1 - k;
        const xProj = reshape(narrow(projections, 0, t, 1), [batch, projections.shape[2]]);
        [h, c] = step(mode, xProj, h, c, w);
        hs[t] = h;
      }
      finalH.push(h);
      if (c !== null) finalC.push(c);
      outputs.push(stack(hs, 0));
    }
    layerInput = directions === 1 ? outputs[0] : cat(outputs, 2);
  }
  return {
    output: layerInput,
    h: stack(finalH, 0),
    c: mode === "lstm" ? stack(finalC, 0) : null,
  };
}
