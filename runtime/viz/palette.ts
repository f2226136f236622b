/** Colours of series and classes (Tableau 10: distinct, and readable by most colour-blind people). */

/** Ten distinct colours, as hex. */
export const palette = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
] as const;

/** The i-th colour, cycling. */
export function colorOf(i: number): string {
  return palette[i % palette.length];
}

/** A "#rrggbb" colour as [r, g, b] in 0..255. */
export function rgbOf(hex: string): [number, number, number] {
  const value = parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
