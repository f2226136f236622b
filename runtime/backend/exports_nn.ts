/** Exports of the pooling, normalisation, dropout and embedding kernels (assembly/pool.ts, assembly/norm.ts). */
// deno-lint-ignore no-empty-interface
export interface NnExports {}
