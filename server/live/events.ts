/**
 * What the live training page receives: a run's description, step points, epoch points, the
 * latest image and the end of a run, as plain JSON objects (the server-sent events' data).
 */

/** A run's description, sent when it starts (`run` event). */
export interface RunInfo {
  /** 1 for the hub's first run, then 2, ... (a new run clears the page's charts). */
  id: number;
  /** Shown as the page's heading. */
  title: string;
  /** The last epoch, or null when the loop does not say. */
  epochs: number | null;
  /** Steps per epoch, or null until known. */
  stepsInEpoch: number | null;
  /** Epochs done before this run (a resumed run starts at initialEpoch + 1). */
  initialEpoch: number;
  /** Names of the metrics computed each epoch ("accuracy", ...). */
  metrics: string[];
  /** Whether epochs carry validation values ("val_loss", ...). */
  hasValidation: boolean;
  /** When the run started (ISO 8601). */
  startedAt: string;
}

/** An epoch begins (`epochStart` event): its number and its length when known. */
export interface EpochStart {
  epoch: number;
  stepsInEpoch: number | null;
}

/**
 * One point of the per-step curves (`step` event): the mean of the values over the `count` steps
 * since the previous point, placed at the last of them.
 */
export interface StepPoint {
  /** Steps since the run began, from 1 (the last step this point covers). */
  step: number;
  /** The epoch of that step, or null when the loop has no epochs. */
  epoch: number | null;
  /** That step's number within its epoch, or null. */
  stepInEpoch: number | null;
  /** Steps averaged into this point (1 unless steps came faster than the page's rate). */
  count: number;
  /** Samples in those steps (0 when unknown). */
  samples: number;
  /** Seconds from the start of the run to the last step. */
  seconds: number;
  /** Mean of each value over the steps; null where a value was NaN or infinite. */
  values: Record<string, number | null>;
}

/** One point of the per-epoch curves (`epoch` event). */
export interface EpochPoint {
  /** The epoch's number (the last of `count` epochs merged when the history was decimated). */
  epoch: number;
  /** Epochs merged into this point (1 until more than `maxPoints` epochs are kept). */
  count: number;
  /** Training steps in those epochs (0 when unknown). */
  steps: number;
  /** Training samples in those epochs (0 when unknown). */
  samples: number;
  /** Wall time of those epochs, in seconds. */
  seconds: number;
  /** Seconds from the start of the run to the end of the epoch. */
  elapsed: number;
  /** "loss", each metric, "val_loss", ...; null where a value was NaN or infinite. */
  values: Record<string, number | null>;
}

/** The latest image (`image` event); its bytes are at `url`. */
export interface ImageInfo {
  /** 1 for the first image published, then 2, ... */
  version: number;
  caption: string;
  /** `/live/image.png?v={version}` */
  url: string;
}

/** The end of a run (`end` event). */
export interface EndInfo {
  /** Seconds from the start of the run. */
  seconds: number;
  /** Why training stopped early (early stopping, ...), or null. */
  stopReason: string | null;
  /** The error that ended training, or null. */
  error: string | null;
}

/** Everything kept so far, sent first to every new client (`snapshot` event). */
export interface Snapshot {
  run: RunInfo | null;
  /** The current epoch, once one has started. */
  epoch: EpochStart | null;
  steps: StepPoint[];
  epochs: EpochPoint[];
  image: ImageInfo | null;
  end: EndInfo | null;
  /** How many points of each kind the server keeps (the page keeps as many). */
  maxPoints: number;
}

/** An event as the hub hands it to its subscribers; `type` is the SSE event name. */
export type LiveEvent =
  | { type: "run"; data: RunInfo }
  | { type: "epochStart"; data: EpochStart }
  | { type: "step"; data: StepPoint }
  | { type: "epoch"; data: EpochPoint }
  | { type: "image"; data: ImageInfo }
  | { type: "end"; data: EndInfo };
