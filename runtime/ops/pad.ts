/**
 * Padding as PyTorch's F.pad: a constant border, a mirror image (reflect) or the edge repeated
 * (replicate) before and after dims, or cropping with negative amounts. Built from narrow, cat
 * and indexSelect, whose gradients make its own.
 */
import type { Tensor } from "../tensor.ts";
import { full, tensor } from "./creation.ts";
import { indexSelect } from "./indexing.ts";
import { cat, narrow, reshape } from "./shape_ops.ts";
import { formatShape } from "../shape.ts";

/** How padded elements are filled. */
export type PadMode = "constant" | "reflect" | "replicate";

const MODES: readonly PadMode[] = ["constant", "reflect", "replicate"];

/** Copies of `x` along `dim` at the listed positions. */
function pick(x: Tensor, dim: number, positions: number[]): Tensor {
  return indexSelect(x, dim, tensor(Int32Array.from(positions), { dtype: "int32" }));
}

/**
 * Pads (or, with negative amounts, crops) the last dims of x. `pads` lists [before, after] pairs
 * from the LAST dim backwards, as PyTorch: `[left, right, top, bottom]` for the last two dims.
 * Input [*, H, W] → [*, top + H + bottom, left + W + right] for four pads. "reflect" mirrors
 * without repeating the edge (pads < the dim's size); "replicate" repeats the edge element.
 * @example pad(x, [1, 1, 2, 0]) // zeros: W grows by 2, H by 2 (on top)
 * @example pad(image, [2, 2, 2, 2], "reflect")
 */
export function pad(
  x: Tensor,
  pads: readonly number[],
  mode: PadMode = "constant",
  value = 0,
): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim || !pads.every(Number.isInteger)) {
    throw new Error(
      `pad: pads must be [before, after] integer pairs for at most ${x.ndim} dims (the last ` +
        `first), got ${JSON.stringify(pads)} for shape ${formatShape(x.shape)}`,
    );
  }
  if (!MODES.includes(mode)) {
    throw new Error(`pad: mode must be one of ${MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  }
  let out = x;
  for (let k = 0; k < pads.length / 2; k++) {
    const dim = x.ndim - 1 - k;
    const before = pads[2 * k], after = pads[2 * k + 1];
    const size = out.shape[dim];
    if (before + after + size < 0) {
      throw new Error(
        `pad: cropping ${-before} and ${-after} from dim ${dim} of size ${size} leaves nothing`,
      );
    }
    const start = Math.max(-before, 0), end = size - Math.max(-after, 0);
    if (start > 0 || end < size) out = narrow(out, dim, start, Math.max(end - start, 0));
    const n = out.shape[dim];
    const grow = [Math.max(before, 0), Math.max(after, 0)];
    if (mode === "reflect" && (grow[0] >= n || grow[1] >= n)) {
      throw new Error(
        `pad: reflect padding of ${grow[0]} and ${grow[1]} needs a dim larger than both; dim ` +
          `${dim} has size ${n}`,
      );
    }
    if (mode !== "constant" && n === 0 && (grow[0] > 0 || grow[1] > 0)) {
      throw new Error(`pad: ${mode} padding of the empty dim ${dim}`);
    }
    const block = (count: number, first: boolean): Tensor => {
      if (mode === "constant") return full(out.shape.map((s, d) => (d === dim ? count : s)), value);
      const positions = Array.from(
        { length: count },
        (_, i) => mode === "replicate" ? (first ? 0 : n - 1) : (first ? count - i : n - 2 - i),
      );
      return pick(out, dim, positions);
    };
    const parts: Tensor[] = [];
    if (grow[0] > 0) parts.push(block(grow[0], true));
    parts.push(out);
    if (grow[1] > 0) parts.push(block(grow[1], false));
    if (parts.length > 1) out = cat(parts, dim);
  }
  return out === x ? reshape(x, x.shape) : out;
}
