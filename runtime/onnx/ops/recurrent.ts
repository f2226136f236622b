/**
 * ONNX recurrent ops: LSTM, GRU and RNN (opsets 7 to 17), computed step by step with edgegrad ops
 * in ONNX's own gate order (LSTM i o f c, GRU z r h), so autograd runs through them and the
 * weights stay the initializers they were loaded as. The input projections of all steps are one
 * GEMM per direction; each step adds the hidden projection and applies the gates.
 *
 * Supported: direction forward, reverse, bidirectional; layout 0 and 1; clip (applied to the
 * inputs of the gate activations, as ONNX Runtime does); LSTM input_forget and peepholes P; GRU
 * linear_before_reset 0 and 1; activations Sigmoid, Tanh and Relu (the defaults and the Relu RNN).
 * Refused: other activations, activation_alpha/beta, and sequence_lens that differ from the
 * sequence length (padded batches).
 */
import type { Tensor } from "../../tensor.ts";
import { add, clamp, mul, sub } from "../../ops/arithmetic.ts";
import { relu, sigmoid, tanh } from "../../ops/activation.ts";
import { linear } from "../../ops/matmul.ts";
import { zeros } from "../../ops/creation.ts";
import { narrow, permute, reshape, squeeze, stack, transpose } from "../../ops/shape_ops.ts";
import { asTensor, numbers, type Value } from "../value.ts";
import { formatShape } from "../../shape.ts";
import {
  type Attributes,
  fail,
  type NodeContext,
  type OpSpec,
  type OpTable,
  required,
} from "../op.ts";

type Kind = "LSTM" | "GRU" | "RNN";

/** Gate blocks of W and R, and the default activations of one direction. */
const GATES: Record<Kind, number> = { LSTM: 4, GRU: 3, RNN: 1 };
const DEFAULT_ACTIVATIONS: Record<Kind, string[]> = {
  LSTM: ["Sigmoid", "Tanh", "Tanh"],
  GRU: ["Sigmoid", "Tanh"],
  RNN: ["Tanh"],
};
const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  Sigmoid: sigmoid,
  Tanh: tanh,
  Relu: relu,
};
const DIRECTIONS = ["forward", "reverse", "bidirectional"];

function directionCount(attributes: Attributes): number {
  return attributes.string("direction", "forward") === "bidirectional" ? 2 : 1;
}

function check(kind: Kind) {
  return (attributes: Attributes): string | null => {
    const direction = attributes.string("direction", "forward");
    if (!DIRECTIONS.includes(direction)) return `attribute 'direction' = ${direction}`;
    for (const name of ["activation_alpha", "activation_beta"]) {
      if (attributes.has(name)) {
        return `attribute '${name}' (only Sigmoid, Tanh and Relu activations are supported)`;
      }
    }
    const names = attributes.strings("activations");
    if (names !== undefined) {
      const expected = DEFAULT_ACTIVATIONS[kind].length * directionCount(attributes);
      if (names.length !== expected) {
        return `attribute 'activations' has ${names.length} names, expected ${expected}`;
      }
      const bad = names.filter((n) => !Object.hasOwn(ACTIVATIONS, n));
      if (bad.length > 0) {
        return `attribute 'activations' = ${bad.join(", ")} (Sigmoid, Tanh and Relu are supported)`;
      }
    }
    const flags: [string, boolean][] = [
      ["layout", true],
      ["input_forget", kind === "LSTM"],
      ["linear_before_reset", kind === "GRU"],
    ];
    for (const [name, applies] of flags) {
      if (!applies) continue;
      const value = attributes.int(name, 0);
      if (value !== 0 && value !== 1) return `attribute '${name}' = ${value} (0 or 1)`;
    }
    return null;
  };
}

/** One direction's weights, split out of the [directions, ...] inputs. */
interface Direction {
  w: Tensor;
  r: Tensor;
  wb: Tensor | null;
  rb: Tensor | null;
  /** LSTM peepholes [3·hidden] (i, o, f) or null. */
  p: Tensor | null;
  act: ((x: Tensor) => Tensor)[];
  reverse: boolean;
}

function row(x: Tensor, d: number): Tensor {
  return squeeze(narrow(x, 0, d, 1), 0);
}

function block(x: Tensor, j: number, hidden: number): Tensor {
  return narrow(x, x.ndim - 1, j * hidden, hidden);
}

function expectShape(context: NodeContext, what: string, x: Tensor, shape: number[]): void {
  if (x.ndim !== shape.length || x.shape.some((n, i) => n !== shape[i])) {
    fail(context, `${what} should be ${formatShape(shape)}, got ${formatShape(x.shape)}`);
  }
}

/** Runs one direction over the steps; returns the hidden state of every step (in time order). */
function runDirection(
  kind: Kind,
  context: NodeContext,
  x: Tensor,
  dir: Direction,
  h0: Tensor,
  c0: Tensor | null,
): { ys: Tensor[]; h: Tensor; c: Tensor | null } {
  const [steps, batch, inputSize] = x.shape;
  const hidden = h0.shape[1];
  const clip = context.attributes.has("clip") ? context.attributes.float("clip", 0) : null;
  const clipped = (t: Tensor) => clip === null ? t : clamp(t, { min: -clip, max: clip });
  const lbr = context.attributes.int("linear_before_reset", 0) === 1;
  const inputForget = context.attributes.int("input_forget", 0) === 1;
  const proj = reshape(
    linear(reshape(x, [steps * batch, inputSize]), dir.w, dir.wb),
    [steps, batch, -1],
  );
  const [f, g, hAct] = dir.act;
  let h = h0, c = c0;
  const ys = new Array<Tensor>(steps);
  for (let k = 0; k < steps; k++) {
    const t = dir.reverse ? steps - 1 - k : k;
    const xp = row(proj, t);
    if (kind === "RNN") {
      h = f(clipped(add(xp, linear(h, dir.r, dir.rb))));
    } else if (kind === "LSTM") {
      const gates = add(xp, linear(h, dir.r, dir.rb));
      const peep = (j: number, cell: Tensor, pre: Tensor) =>
        dir.p === null ? pre : add(pre, mul(block(dir.p, j, hidden), cell));
      const i = f(clipped(peep(0, c!, block(gates, 0, hidden))));
      const forget = inputForget
        ? add(mul(i, -1), 1)
        : f(clipped(peep(2, c!, block(gates, 2, hidden))));
      const cell = g(clipped(block(gates, 3, hidden)));
      c = add(mul(forget, c!), mul(i, cell));
      const o = f(clipped(peep(1, c, block(gates, 1, hidden))));
      h = mul(o, hAct(c));
    } else {
      // z = f(xz + hz), r = f(xr + hr), h~ = g(xh + (r·h)Rhᵀ + Rbh) or g(xh + r·(hRhᵀ + Rbh))
      const rzW = narrow(dir.r, 0, 0, 2 * hidden);
      const rzB = dir.rb === null ? null : narrow(dir.rb, 0, 0, 2 * hidden);
      const rhW = narrow(dir.r, 0, 2 * hidden, hidden);
      const rhB = dir.rb === null ? null : narrow(dir.rb, 0, 2 * hidden, hidden);
      const zr = f(clipped(add(narrow(xp, 1, 0, 2 * hidden), linear(h, rzW, rzB))));
      const z = block(zr, 0, hidden), r = block(zr, 1, hidden);
      const recurrentPart = lbr ? mul(r, linear(h, rhW, rhB)) : linear(mul(r, h), rhW, rhB);
      const candidate = g(clipped(add(block(xp, 2, hidden), recurrentPart)));
      h = add(candidate, mul(z, sub(h, candidate)));
    }
    ys[t] = h;
  }
  return { ys, h, c };
}

function recurrentOp(kind: Kind): OpSpec {
  const attributes = [
    "activation_alpha",
    "activation_beta",
    "activations",
    "clip",
    "direction",
    "hidden_size",
    "layout",
    ...(kind === "LSTM" ? ["input_forget"] : []),
    ...(kind === "GRU" ? ["linear_before_reset"] : []),
  ];
  return {
    attributes,
    check: check(kind),
    run(inputs, context) {
      const a = context.attributes;
      const batchFirst = a.int("layout", 0) === 1;
      let x = asTensor(required(inputs, 0, context));
      if (x.ndim !== 3) {
        fail(context, `X should be 3-D [seq, batch, input], got ${formatShape(x.shape)}`);
      }
      if (batchFirst) x = transpose(x, 0, 1);
      const [steps, batch, inputSize] = x.shape;
      const w = asTensor(required(inputs, 1, context));
      const r = asTensor(required(inputs, 2, context));
      const directions = directionCount(a);
      const gates = GATES[kind];
      const hidden = r.shape[r.ndim - 1];
      if (a.has("hidden_size") && a.int("hidden_size", 0) !== hidden) {
        fail(
          context,
          `hidden_size ${a.int("hidden_size", 0)} disagrees with R's last dim ${hidden}`,
        );
      }
      expectShape(context, "W", w, [directions, gates * hidden, inputSize]);
      expectShape(context, "R", r, [directions, gates * hidden, hidden]);
      const b = inputs[3] === undefined ? null : asTensor(inputs[3]);
      if (b !== null) expectShape(context, "B", b, [directions, 2 * gates * hidden]);
      if (inputs[4] !== undefined) {
        const lens = numbers(inputs[4]);
        if (lens.some((n) => n !== steps)) {
          fail(
            context,
            `sequence_lens [${lens}] differ from the sequence length ${steps}; padded batches ` +
              `are not supported: feed equal-length sequences or omit sequence_lens`,
          );
        }
      }
      const state = (index: number, what: string): Tensor => {
        const value = inputs[index];
        if (value === undefined) return zeros([directions, batch, hidden]);
        let s = asTensor(value);
        if (batchFirst) s = transpose(s, 0, 1);
        expectShape(context, what, s, [directions, batch, hidden]);
        return s;
      };
      const h0 = state(5, "initial_h");
      const c0 = kind === "LSTM" ? state(6, "initial_c") : null;
      const p = kind === "LSTM" && inputs[7] !== undefined ? asTensor(inputs[7]) : null;
      if (p !== null) expectShape(context, "P", p, [directions, 3 * hidden]);
      const names = a.strings("activations") ??
        new Array<string[]>(directions).fill(DEFAULT_ACTIVATIONS[kind]).flat();
      const perDirection = DEFAULT_ACTIVATIONS[kind].length;
      const reverseOnly = a.string("direction", "forward") === "reverse";
      const ys: Tensor[] = [], hs: Tensor[] = [], cs: Tensor[] = [];
      for (let d = 0; d < directions; d++) {
        const bias = b === null ? null : row(b, d);
        const dir: Direction = {
          w: row(w, d),
          r: row(r, d),
          wb: bias === null ? null : narrow(bias, 0, 0, gates * hidden),
          rb: bias === null ? null : narrow(bias, 0, gates * hidden, gates * hidden),
          p: p === null ? null : row(p, d),
          act: names.slice(d * perDirection, (d + 1) * perDirection).map((n) => ACTIVATIONS[n]),
          reverse: d === 1 || reverseOnly,
        };
        const out = runDirection(
          kind,
          context,
          x,
          dir,
          row(h0, d),
          c0 === null ? null : row(c0, d),
        );
        ys.push(stack(out.ys, 0));
        hs.push(out.h);
        if (out.c !== null) cs.push(out.c);
      }
      let y = stack(ys, 1); // [seq, directions, batch, hidden]
      let yh = stack(hs, 0); // [directions, batch, hidden]
      let yc = cs.length > 0 ? stack(cs, 0) : null;
      if (batchFirst) {
        y = permute(y, 2, 0, 1, 3);
        yh = transpose(yh, 0, 1);
        if (yc !== null) yc = transpose(yc, 0, 1);
      }
      const outputs: Value[] = [y, yh];
      if (yc !== null) outputs.push(yc);
      return outputs.slice(0, Math.max(context.outputCount, 1));
    },
  };
}

/** The recurrent ops. */
export const recurrentOps: OpTable = {
  LSTM: recurrentOp("LSTM"),
  GRU: recurrentOp("GRU"),
  RNN: recurrentOp("RNN"),
};
