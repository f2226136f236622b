/**
 * Constant padding (PyTorch's F.pad in "constant" mode): adds `value` before and after dims, or
 * crops them with negative amounts. Built from narrow and cat, whose gradients make its own.
 */
import type { Tensor } from "../tensor.ts";
import { full } from "./creation.ts";
import { cat, narrow, reshape } from "./shape_ops.ts";
import { formatShape } from "../shape.ts";

/**
 * Pads (or, with negative amounts, crops) the last dims of x. `pads` lists [before, after] pairs
 * from the LAST dim backwards, as PyTorch: `[left, right, top, bottom]` for the last two dims.
 * Input [*, H, W] → [*, top + H + bottom, left + W + right] for four pads.
 * @example pad(x, [1, 1, 2, 0]) // W grows by 2, H by 2 (on top)
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim || !pads.every(Number.isInteger)) {
    throw new Error(
      `pad: pads must be [before, after] integer pairs for at most ${x.ndim} dims (the last ` +
        `first), got ${JSON.stringify(pads)} for shape ${formatShape(x.shape)}`,
    );
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
    const parts: Tensor[] = [];
    const block = (n: number) => full(out.shape.map((s, d) => (d === dim ? n : s)), value);
    if (before > 0) parts.push(block(before));
    parts.push(out);
    if (after > 0) parts.push(block(after));
    if (parts.length > 1) out = cat(parts, dim);
  }
  return out === x ? reshape(x, x.shape) : out;
}
