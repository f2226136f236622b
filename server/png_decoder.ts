/**
 * The part of fast-png the classify route uses, in a module of its own so that `image.ts` loads it
 * with the first PNG (evaluating fast-png builds its inflate tables, ~6 ms of every start) and a
 * bundler keeps only the decoder.
 */
export { convertIndexedToRgb, decode } from "fast-png";
