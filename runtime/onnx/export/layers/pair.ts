/** A size option as a pair [h, w] (a number means the same on both axes). */
export function pair(value: number | readonly number[] | undefined, fallback: number): number[] {
  if (value === undefined) return [fallback, fallback];
  return typeof value === "number" ? [value, value] : [value[0], value[1] ?? value[0]];
}

/** ONNX `pads` for symmetric padding [h, w]: begins then ends. */
export function pads([h, w]: readonly number[]): number[] {
  return [h, w, h, w];
}
