// @ts-self-types="./merge_values.d.ts"
/**
 * How two neighbouring points of a curve become one, shared by the server (series.ts) and the
 * page (client.js, which loads it from /live/merge_values.js), so both thin a curve alike. Plain
 * JavaScript so that the browser runs it as it is; the types are in merge_values.d.ts.
 */

/**
 * The count-weighted mean of two points' values, key by key; a key only one of them has keeps its
 * value, and null (not finite) wins over a number so that a divergence stays visible.
 */
export function mergeValues(a, countA, b, countB) {
  const merged = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key], y = b[key];
    if (x === undefined) merged[key] = y;
    else if (y === undefined) merged[key] = x;
    else if (x === null || y === null) merged[key] = null;
    else merged[key] = (x * countA + y * countB) / (countA + countB);
  }
  return merged;
}
