/**
 * ONNX shape and data-movement ops: Reshape, Flatten, Transpose, Concat, Split, Slice, Gather,
 * GatherElements, Squeeze, Unsqueeze, Shape, Size, Constant, ConstantOfShape, Cast, CastLike,
 * Expand, Tile, Range, Identity, Trilu, CumSum. Each runs on tensors (recording gradients) and on
 * host arrays (the integer shape arithmetic, folded at load when its inputs are constant).
 */
import { Tensor } from "../../tensor.ts";
import { arange, full } from "../../ops/creation.ts";
import { gather, indexSelect } from "../../ops/indexing.ts";
import * as S from "../../ops/shape_ops.ts";
import { tril, triu } from "../../ops/triangular.ts";
import { cumsum } from "../../ops/cumsum.ts";
import { pad, type PadMode } from "../../ops/pad.ts";
import { broadcastShapes, formatShape, sizeOf } from "../../shape.ts";
import { concatHost, gatherHost, mapHost, sliceHost, transposeHost } from "../host_ops.ts";
import {
  asHost,
  asTensor,
  convertTo,
  DataType,
  dtypeOf,
  HostTensor,
  indexTensor,
  isFloatType,
  numbers,
  type Value,
} from "../value.ts";
import { fail, type NodeContext, type OpSpec, type OpTable, required } from "../op.ts";

function shapeOf(value: Value): readonly number[] {
  return value.shape;
}

function axis(context: NodeContext, value: number, rank: number): number {
  const a = value < 0 ? value + rank : value;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    fail(context, `axis ${value} is out of range for rank ${rank}`);
  }
  return a;
}

/** Axes from input `index` (opset 13 form) or the `axes` attribute (older form). */
function axesOf(
  inputs: readonly (Value | undefined)[],
  index: number,
  context: NodeContext,
): number[] | undefined {
  const value = inputs[index];
  if (value !== undefined) return numbers(value);
  return context.attributes.ints("axes");
}

function withShape(value: Value, shape: readonly number[]): Value {
  if (value instanceof HostTensor) return new HostTensor(value.dtype, shape, value.data);
  return S.reshape(value, shape);
}

const reshape: OpSpec = {
  attributes: ["allowzero", "shape"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const requested = inputs[1] !== undefined
      ? numbers(inputs[1])
      : context.attributes.ints("shape") ?? [];
    const allowZero = context.attributes.int("allowzero", 0) === 1;
    const target = requested.map((d, i) => (d === 0 && !allowZero ? shapeOf(x)[i] : d));
    const inferred = target.indexOf(-1);
    if (inferred >= 0) {
      const known = sizeOf(target.filter((_, i) => i !== inferred));
      target[inferred] = known === 0 ? 0 : sizeOf(shapeOf(x)) / known;
    }
    if (
      !target.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(target) !== sizeOf(shapeOf(x))
    ) {
      fail(context, `cannot reshape ${formatShape(shapeOf(x))} into ${formatShape(requested)}`);
    }
    return [withShape(x, target)];
  },
};

const flatten: OpSpec = {
  attributes: ["axis"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const shape = shapeOf(x);
    const raw = context.attributes.int("axis", 1);
    const a = raw < 0 ? raw + shape.length : raw;
    if (a < 0 || a > shape.length) {
      fail(context, `axis ${raw} is out of range for rank ${shape.length}`);
    }
    return [withShape(x, [sizeOf(shape.slice(0, a)), sizeOf(shape.slice(a))])];
  },
};

const transpose: OpSpec = {
  attributes: ["perm"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const rank = shapeOf(x).length;
    const perm = context.attributes.ints("perm") ?? [...Array(rank).keys()].reverse();
    if (x instanceof HostTensor) return [transposeHost(x, perm)];
    return [S.permute(x, perm)];
  },
};

const concat: OpSpec = {
  attributes: ["axis"],
  run(inputs, context) {
    const parts = inputs.map((_, i) => required(inputs, i, context));
    const rank = shapeOf(parts[0]).length;
    const a = axis(context, context.attributes.int("axis", 0), rank);
    parts.forEach((p, i) => {
      const fits = p.shape.length === rank &&
        p.shape.every((s, d) => d === a || s === parts[0].shape[d]);
      if (!fits) {
        fail(
          context,
          `input ${i} has shape ${formatShape(p.shape)}, which does not fit ${
            formatShape(parts[0].shape)
          } along axis ${a}`,
        );
      }
    });
    if (parts.every((p) => p instanceof HostTensor)) return [concatHost(parts as HostTensor[], a)];
    return [S.cat(parts.map(asTensor), a)];
  },
};

/** Elements [start, start + count) (stepping by `step`) of `dim`. */
function sliceAlong(x: Value, starts: number[], counts: number[], steps: number[]): Value {
  if (x instanceof HostTensor) return sliceHost(x, starts, counts, steps);
  let out: Tensor = x;
  for (let d = 0; d < starts.length; d++) {
    if (starts[d] === 0 && counts[d] === x.shape[d] && steps[d] === 1) continue;
    if (steps[d] < 0) {
      const last = starts[d] + (counts[d] - 1) * steps[d];
      const forward = counts[d] === 0
        ? S.narrow(out, d, 0, 0)
        : S.slice(out, d, last, starts[d] + 1, -steps[d]);
      const reversed = forward.shape[d] <= 1 ? forward : indexSelect(
        forward,
        d,
        indexTensor(
          new HostTensor(
            DataType.INT64,
            [counts[d]],
            Float64Array.from({ length: counts[d] }, (_, i) => counts[d] - 1 - i),
          ),
        ),
      );
      out = reversed;
    } else out = S.slice(out, d, starts[d], starts[d] + counts[d] * steps[d], steps[d]);
  }
  return out === x ? S.reshape(x, x.shape) : out;
}

const split: OpSpec = {
  attributes: ["axis", "split"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const shape = shapeOf(x);
    const a = axis(context, context.attributes.int("axis", 0), shape.length);
    const parts = inputs[1] !== undefined ? numbers(inputs[1]) : context.attributes.ints("split") ??
      new Array<number>(context.outputCount).fill(shape[a] / context.outputCount);
    if (
      parts.length !== context.outputCount || parts.reduce((n, p) => n + p, 0) !== shape[a] ||
      !parts.every(Number.isInteger)
    ) {
      fail(
        context,
        `cannot split dim ${a} of size ${shape[a]} into ${
          JSON.stringify(parts)
        } for ${context.outputCount} outputs`,
      );
    }
    let offset = 0;
    return parts.map((length) => {
      const starts = shape.map((_, d) => (d === a ? offset : 0));
      const counts = shape.map((s, d) => (d === a ? length : s));
      offset += length;
      return sliceAlong(x, starts, counts, shape.map(() => 1));
    });
  },
};

const slice: OpSpec = {
  attributes: ["starts", "ends", "axes"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const shape = shapeOf(x);
    const old = context.opset < 10;
    const startList = old
      ? context.attributes.ints("starts") ?? []
      : numbers(required(inputs, 1, context));
    const endList = old
      ? context.attributes.ints("ends") ?? []
      : numbers(required(inputs, 2, context));
    const axesList = (old ? context.attributes.ints("axes") : inputs[3] && numbers(inputs[3])) ??
      startList.map((_, i) => i);
    const stepList = (!old && inputs[4] !== undefined)
      ? numbers(inputs[4])
      : startList.map(() => 1);
    const starts = shape.map(() => 0), counts = [...shape], steps = shape.map(() => 1);
    axesList.forEach((raw, i) => {
      const d = axis(context, raw, shape.length);
      const size = shape[d], step = stepList[i];
      if (step === 0) fail(context, "a step of 0");
      const wrap = (v: number) => (v < 0 ? v + size : v);
      let start = wrap(startList[i]), end = wrap(endList[i]);
      if (step > 0) {
        start = Math.min(Math.max(start, 0), size);
        end = Math.min(Math.max(end, 0), size);
      } else {
        start = Math.min(Math.max(start, 0), size - 1);
        end = Math.min(Math.max(end, -1), size - 1);
      }
      starts[d] = start;
      steps[d] = step;
      counts[d] = Math.max(0, Math.ceil((end - start) / step));
    });
    return [sliceAlong(x, starts, counts, steps)];
  },
};

/** Indices with negatives counted from the end, checked against the dim's size. */
function indices(value: Value, size: number, context: NodeContext): HostTensor {
  const host = asHost(value);
  const data = host.data.map((i) => (i < 0 ? i + size : i));
  const bad = data.findIndex((i) => !(i >= 0 && i < size));
  if (bad >= 0) fail(context, `index ${host.data[bad]} is out of range for a dim of size ${size}`);
  return new HostTensor(DataType.INT64, host.shape, data);
}

const gatherOp: OpSpec = {
  attributes: ["axis"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const shape = shapeOf(x);
    const a = axis(context, context.attributes.int("axis", 0), shape.length);
    const index = indices(required(inputs, 1, context), shape[a], context);
    if (x instanceof HostTensor) return [gatherHost(x, a, index)];
    const flat = new HostTensor(index.dtype, [index.size], index.data);
    const picked = indexSelect(x, a, indexTensor(flat));
    return [S.reshape(picked, [...shape.slice(0, a), ...index.shape, ...shape.slice(a + 1)])];
  },
};

const gatherElements: OpSpec = {
  attributes: ["axis"],
  run(inputs, context) {
    const x = asTensor(required(inputs, 0, context));
    const a = axis(context, context.attributes.int("axis", 0), x.ndim);
    const index = indices(required(inputs, 1, context), x.shape[a], context);
    return [gather(x, a, indexTensor(index))];
  },
};

const unsqueeze: OpSpec = {
  attributes: ["axes"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const shape = shapeOf(x);
    const list = axesOf(inputs, 1, context) ?? fail(context, "needs axes");
    const rank = shape.length + list.length;
    const positions = list.map((a) => axis(context, a, rank)).sort((p, q) => p - q);
    const out: number[] = [];
    let k = 0;
    for (let d = 0; d < rank; d++) out.push(positions.includes(d) ? 1 : shape[k++]);
    return [withShape(x, out)];
  },
};

const squeeze: OpSpec = {
  attributes: ["axes"],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const shape = shapeOf(x);
    const list = axesOf(inputs, 1, context)?.map((a) => axis(context, a, shape.length));
    list?.forEach((d) => {
      if (shape[d] !== 1) fail(context, `cannot squeeze dim ${d} of size ${shape[d]}`);
    });
    const out = shape.filter((s, d) => (list === undefined ? s !== 1 : !list.includes(d)));
    return [withShape(x, out)];
  },
};

function int64(values: number[], shape = [values.length]): HostTensor {
  return new HostTensor(DataType.INT64, shape, Float64Array.from(values));
}

/** A value of `dtype` from numbers: float types as tensors, the rest on the host. */
function ofType(dtype: number, shape: readonly number[], values: Float64Array): Value {
  if (isFloatType(dtype)) return asTensor(new HostTensor(dtype, shape, values));
  return new HostTensor(dtype, shape, convertTo(dtype, values));
}

function cast(value: Value, to: number, context: NodeContext): Value {
  if (to === DataType.STRING) fail(context, "casting to string is not supported");
  if (isFloatType(to)) return asTensor(value);
  const host = asHost(value);
  return new HostTensor(to, host.shape, convertTo(to, host.data));
}

const constant: OpSpec = {
  attributes: ["value", "value_float", "value_floats", "value_int", "value_ints"],
  run(_inputs, context) {
    const a = context.attributes;
    const tensorValue = a.tensor("value");
    if (tensorValue !== undefined) return [tensorValue];
    if (a.has("value_float")) return [full([], a.float("value_float", 0))];
    const floats = a.floats("value_floats");
    if (floats !== undefined) {
      return [asTensor(new HostTensor(DataType.FLOAT, [floats.length], Float64Array.from(floats)))];
    }
    if (a.has("value_int")) return [int64([a.int("value_int", 0)], [])];
    const ints = a.ints("value_ints");
    if (ints !== undefined) return [int64(ints)];
    fail(context, "has no value attribute");
  },
};

const expand: OpSpec = {
  attributes: [],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const requested = numbers(required(inputs, 1, context));
    const target = broadcastShapes(context.name, shapeOf(x), requested);
    if (x instanceof HostTensor) {
      const zeros = new HostTensor(x.dtype, target, new Float64Array(sizeOf(target)));
      return [mapHost(context.name, [x, zeros], x.dtype, (v) => v)];
    }
    return [S.expand(x, target)];
  },
};

const tile: OpSpec = {
  attributes: [],
  run(inputs, context) {
    const x = required(inputs, 0, context);
    const repeats = numbers(required(inputs, 1, context));
    const shape = shapeOf(x);
    if (repeats.length !== shape.length) {
      fail(context, `repeats ${JSON.stringify(repeats)} do not match rank ${shape.length}`);
    }
    // [a, b] tiled [r, s] is [1, a, 1, b] broadcast to [r, a, s, b], read as [r·a, s·b].
    const spread = shape.flatMap((s) => [1, s]);
    const target = shape.flatMap((s, d) => [repeats[d], s]);
    const result = shape.map((s, d) => s * repeats[d]);
    if (x instanceof HostTensor) {
      const zeros = new HostTensor(x.dtype, target, new Float64Array(sizeOf(target)));
      const spreadX = new HostTensor(x.dtype, spread, x.data);
      const big = mapHost(context.name, [spreadX, zeros], x.dtype, (v) => v);
      return [new HostTensor(x.dtype, result, big.data)];
    }
    return [S.reshape(S.expand(S.reshape(x, spread), target), result)];
  },
};

const range: OpSpec = {
  attributes: [],
  run(inputs, context) {
    const [start, limit, delta] = [0, 1, 2].map((i) => required(inputs, i, context));
    const [s, l, d] = [start, limit, delta].map((v) => numbers(v)[0]);
    if (d === 0) fail(context, "delta is 0");
    const n = Math.max(Math.ceil((l - s) / d), 0);
    if (n > 2 ** 28) fail(context, `range of ${n} elements`);
    if (isFloatType(dtypeOf(start))) return [arange(s, s + n * d, d)];
    return [
      new HostTensor(dtypeOf(start), [n], Float64Array.from({ length: n }, (_, i) => s + i * d)),
    ];
  },
};

const ONNX_PAD_MODES: Record<string, PadMode> = {
  constant: "constant",
  reflect: "reflect",
  edge: "replicate",
};

const padOp: OpSpec = {
  attributes: ["mode", "pads", "value"],
  check: (
    a,
  ) => (Object.hasOwn(ONNX_PAD_MODES, a.string("mode", "constant"))
    ? null
    : `attribute 'mode' = ${a.string("mode", "")}`),
  run(inputs, context) {
    const x = asTensor(required(inputs, 0, context));
    const pads = inputs[1] !== undefined
      ? numbers(inputs[1])
      : context.attributes.ints("pads") ?? [];
    const value = inputs[2] !== undefined
      ? numbers(inputs[2])[0]
      : context.attributes.float("value", 0);
    const rank = x.ndim;
    if (pads.length !== 2 * rank) {
      fail(context, `pads ${JSON.stringify(pads)} do not fit rank ${rank}`);
    }
    // ONNX lists all befores then all afters, first dim first; pad() takes pairs, last dim first.
    const pairs = [...Array(rank).keys()].reverse().flatMap((d) => [pads[d], pads[d + rank]]);
    return [pad(x, pairs, ONNX_PAD_MODES[context.attributes.string("mode", "constant")], value)];
  },
};

/** The shape ops. */
export const shapeOps: OpTable = {
  Reshape: reshape,
  Pad: padOp,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gatherOp,
  GatherElements: gatherElements,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Expand: expand,
  Tile: tile,
  Range: range,
  Constant: constant,
  Identity: { attributes: [], run: (inputs, context) => [required(inputs, 0, context)] },
  Shape: {
    attributes: ["start", "end"],
    run(inputs, context) {
      const shape = [...shapeOf(required(inputs, 0, context))];
      const rank = shape.length;
      const clampIndex = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clampIndex(context.attributes.int("start", 0));
      const end = clampIndex(context.attributes.int("end", rank));
      return [int64(shape.slice(start, end))];
    },
  },
  Size: {
    attributes: [],
    run: (inputs, context) => [int64([sizeOf(shapeOf(required(inputs, 0, context)))], [])],
  },
  ConstantOfShape: {
    attributes: ["value"],
    run(inputs, context) {
      const shape = numbers(required(inputs, 0, context));
      if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
        fail(context, `invalid shape ${formatShape(shape)}`);
      }
      const value = context.attributes.tensor("value");
      const dtype = value === undefined ? DataType.FLOAT : dtypeOf(value);
      const fill = value === undefined ? 0 : numbers(value)[0];
      if (sizeOf(shape) > 2 ** 28) fail(context, `shape ${formatShape(shape)} is too large`);
      if (isFloatType(dtype)) return [full(shape, fill)];
      return [new HostTensor(dtype, shape, new Float64Array(sizeOf(shape)).fill(fill))];
    },
  },
  Cast: {
    attributes: ["to", "saturate"],
    run: (
      inputs,
      context,
    ) => [cast(required(inputs, 0, context), context.attributes.int("to", 1), context)],
  },
  CastLike: {
    attributes: ["saturate"],
    run: (inputs, context) => [
      cast(required(inputs, 0, context), dtypeOf(required(inputs, 1, context)), context),
    ],
  },
  Trilu: {
    attributes: ["upper"],
    run(inputs, context) {
      const x = required(inputs, 0, context);
      const k = inputs[1] === undefined ? 0 : numbers(inputs[1])[0];
      const upper = context.attributes.int("upper", 1) === 1;
      const out = (upper ? triu : tril)(asTensor(x), k);
      return [
        x instanceof HostTensor ? ofType(x.dtype, out.shape, Float64Array.from(out.data())) : out,
      ];
    },
  },
  CumSum: {
    attributes: ["exclusive", "reverse"],
    run(inputs, context) {
      const x = required(inputs, 0, context);
      const dim = numbers(required(inputs, 1, context))[0];
      const out = cumsum(asTensor(x), axis(context, dim, shapeOf(x).length), {
        exclusive: context.attributes.int("exclusive", 0) === 1,
        reverse: context.attributes.int("reverse", 0) === 1,
      });
      return [
        x instanceof HostTensor ? ofType(x.dtype, out.shape, Float64Array.from(out.data())) : out,
      ];
    },
  },
};
