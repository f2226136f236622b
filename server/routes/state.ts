/**
 * What the route groups of `createApp` share, passed to each explicitly: the registry, the limits
 * and the request counters that `/metrics` reports.
 */
import type { ModelRegistry } from "../registry.ts";

/** The only model version the server knows: every model is served as version "1". */
export const MODEL_VERSION = "1";

/** Counters the app's middleware and the inference routes add to, and `/metrics` reads. */
export interface RequestCounts {
  /** Requests answered, by HTTP status. */
  readonly requests: Map<number, number>;
  /** Inference requests run (infer and classify). */
  inferences: number;
  /** Samples inferred. */
  samples: number;
}

/** The state of one app, built by `createApp` from its options. */
export interface AppState {
  /** The models served. */
  readonly registry: ModelRegistry;
  /** The admin token; the repository routes are off when it is absent or empty. */
  readonly adminToken: string | undefined;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Largest batch one inference request may carry. */
  readonly maxBatch: number;
  /** The counters `/metrics` reports. */
  readonly counts: RequestCounts;
}
