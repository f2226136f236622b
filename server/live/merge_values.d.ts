/** Values of a point: numbers, or null where a value was NaN or infinite. */
export type PointValues = Record<string, number | null>;

/**
 * The count-weighted mean of two points' values, key by key; a key only one of them has keeps its
 * value, and null (not finite) wins over a number so that a divergence stays visible.
 */
export function mergeValues(
  a: PointValues,
  countA: number,
  b: PointValues,
  countB: number,
): PointValues;
