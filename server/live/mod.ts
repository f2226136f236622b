/**
 * The live training page: while a run trains, a page plots its loss per step, its epoch losses and
 * metrics, its rate and ETA, and the latest image (e.g. a generator's samples), fed by
 * server-sent events. `liveTraining` serves it on its own port and gives a `fit` callback;
 * `mountLive` adds the same routes to another Hono app (the inference server's).
 * @example
 * import { liveTraining } from "./server/live/mod.ts";
 * const live = await liveTraining(); // prints http://127.0.0.1:8001/live
 * await train.fit(model, { ...options, callbacks: [live.callback] });
 */
export {
  DEFAULT_LIVE_PORT,
  type LiveTraining,
  liveTraining,
  type LiveTrainingOptions,
} from "./server.ts";
export {
  DEFAULT_MAX_POINTS,
  DEFAULT_MAX_STEP_RATE,
  type LiveEpoch,
  LiveHub,
  type LiveHubOptions,
  type LiveImage,
  type LiveRunOptions,
  type LiveStep,
  type LiveSubscriber,
} from "./hub.ts";
export { EventLoopYielder, liveCallback } from "./callback.ts";
export { type LiveAssets, mountLive, type MountLiveOptions } from "./routes.ts";
export { loadLiveAssets } from "./assets.ts";
export type {
  EndInfo,
  EpochPoint,
  EpochStart,
  ImageInfo,
  LiveEvent,
  RunInfo,
  Snapshot,
  StepPoint,
} from "./events.ts";
