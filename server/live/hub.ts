/**
 * The live page's state and its fan-out: training publishes runs, steps, epochs and images here;
 * each page connected to `/live/events` subscribes. Steps are downsampled to at most
 * `maxStepRate` points a second (each point the mean of the steps since the previous one, and the
 * last step of an epoch always ends a point), and the stored history is bounded (`maxPoints` per
 * curve, merged in pairs beyond), so a late page sees the whole run and memory stays flat.
 * Runtime-neutral: no Deno, no Hono.
 */
import type {
  EndInfo,
  EpochPoint,
  EpochStart,
  ImageInfo,
  LiveEvent,
  RunInfo,
  Snapshot,
  StepPoint,
} from "./events.ts";
import { BoundedSeries, mergeValues, type PointValues } from "./series.ts";

/** A training step as a loop publishes it. */
export interface LiveStep {
  /** Steps since the run began, from 1; must increase within a run. */
  step: number;
  /** The values to plot per step, e.g. `{ loss: 0.31 }` or `{ d_loss: 0.6, g_loss: 1.2 }`. */
  values: Record<string, number>;
  /** The epoch (from 1), if the loop has epochs. */
  epoch?: number;
  /** The step's number within its epoch; the epoch's last step always ends a point. */
  stepInEpoch?: number;
  /** Samples in the step's batch (for the samples/s figure). */
  samples?: number;
}

/** An epoch's end as a loop publishes it. */
export interface LiveEpoch {
  /** From 1; must increase within a run. */
  epoch: number;
  /** Loss, metrics, "val_*" values. */
  values: Record<string, number>;
  /** Steps in the epoch. */
  steps?: number;
  /** Samples in the epoch. */
  samples?: number;
  /** The epoch's wall time (default: since the previous epoch's end, or the run's start). */
  seconds?: number;
}

/** What a loop may say about a run when it starts; the rest has defaults. */
export interface LiveRunOptions {
  title?: string;
  epochs?: number | null;
  stepsInEpoch?: number | null;
  initialEpoch?: number;
  metrics?: readonly string[];
  hasValidation?: boolean;
}

/** Options of a `LiveHub`. */
export interface LiveHubOptions {
  /** The page's heading when a run does not name itself (default "edgegrad training"). */
  title?: string;
  /** Step points sent per second at most (default 20); Infinity sends every step. */
  maxStepRate?: number;
  /** Points kept per curve before neighbours are merged (default 4000). */
  maxPoints?: number;
  /** Milliseconds on a monotonic clock (default `performance.now`); tests pass their own. */
  now?: () => number;
}

/** Receives a hub's events; `end` is called once when the hub closes. */
export interface LiveSubscriber {
  send(event: LiveEvent): void;
  end(): void;
}

/** The PNG bytes of the latest image and its description. */
export interface LiveImage {
  info: ImageInfo;
  png: Uint8Array;
}

/** Default of `LiveHubOptions.maxStepRate`. */
export const DEFAULT_MAX_STEP_RATE = 20;
/** Default of `LiveHubOptions.maxPoints`. */
export const DEFAULT_MAX_POINTS = 4000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Steps received since the last step point. */
interface PendingSteps {
  sums: Map<string, number>;
  counts: Map<string, number>;
  count: number;
  samples: number;
  last: LiveStep;
  seconds: number;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function checkValues(where: string, values: unknown): Record<string, number> {
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    throw new TypeError(
      `${where}: values must be an object of numbers such as { loss: 0.31 }, got ${
        Array.isArray(values) ? "an array" : values === null ? "null" : typeof values
      }`,
    );
  }
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== "number") {
      throw new TypeError(`${where}: value "${name}" must be a number, got ${typeof value}`);
    }
  }
  return values as Record<string, number>;
}

function checkCount(where: string, what: string, value: unknown, least: number): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < least)) {
    throw new RangeError(`${where}: ${what} must be an integer ≥ ${least}, got ${value}`);
  }
}

function mergeSteps(earlier: StepPoint, later: StepPoint): StepPoint {
  return {
    ...later,
    count: earlier.count + later.count,
    samples: earlier.samples + later.samples,
    values: mergeValues(earlier.values, earlier.count, later.values, later.count),
  };
}

function mergeEpochs(earlier: EpochPoint, later: EpochPoint): EpochPoint {
  return {
    ...later,
    count: earlier.count + later.count,
    steps: earlier.steps + later.steps,
    samples: earlier.samples + later.samples,
    seconds: earlier.seconds + later.seconds,
    values: mergeValues(earlier.values, earlier.count, later.values, later.count),
  };
}

/**
 * The live page's state. Publish with `startRun`, `startEpoch`, `addStep`, `addEpoch`, `setImage`,
 * `endRun`; read with `snapshot` and `subscribe`.
 * @example
 * const hub = new LiveHub({ maxStepRate: 20 });
 * hub.startRun({ title: "MLP", epochs: 3, stepsInEpoch: 469, metrics: ["accuracy"] });
 * hub.addStep({ step: 1, epoch: 1, stepInEpoch: 1, values: { loss: 2.3 }, samples: 128 });
 */
export class LiveHub {
  readonly maxStepRate: number;
  readonly maxPoints: number;
  private readonly title: string;
  private readonly now: () => number;
  private readonly subscribers = new Set<LiveSubscriber>();
  private run: RunInfo | null = null;
  private epoch: EpochStart | null = null;
  private runStarted = 0;
  private lastEpochEnd = 0;
  private readonly steps: BoundedSeries<StepPoint>;
  private readonly epochs: BoundedSeries<EpochPoint>;
  private pending: PendingSteps | null = null;
  private lastStepSent = -Infinity;
  private lastStep = 0;
  private lastEpoch = -Infinity;
  private latestImage: LiveImage | null = null;
  private end: EndInfo | null = null;
  private runs = 0;
  private isClosed = false;

  constructor(options: LiveHubOptions = {}) {
    this.title = options.title ?? "edgegrad training";
    this.maxStepRate = options.maxStepRate ?? DEFAULT_MAX_STEP_RATE;
    if (!(this.maxStepRate > 0)) {
      throw new RangeError(
        `live: maxStepRate must be a positive number of points per second (Infinity for every ` +
          `step), got ${this.maxStepRate}`,
      );
    }
    this.maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    this.steps = new BoundedSeries(this.maxPoints, mergeSteps);
    this.epochs = new BoundedSeries(this.maxPoints, mergeEpochs);
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Starts a run: forgets the previous run's curves (the latest image stays). */
  startRun(options: LiveRunOptions = {}): RunInfo {
    const where = "live: startRun";
    checkCount(where, "epochs", options.epochs ?? undefined, 1);
    checkCount(where, "stepsInEpoch", options.stepsInEpoch ?? undefined, 1);
    checkCount(where, "initialEpoch", options.initialEpoch, 0);
    this.runs++;
    this.run = {
      id: this.runs,
      title: options.title ?? this.title,
      epochs: options.epochs ?? null,
      stepsInEpoch: options.stepsInEpoch ?? null,
      initialEpoch: options.initialEpoch ?? 0,
      metrics: [...(options.metrics ?? [])],
      hasValidation: options.hasValidation ?? false,
      startedAt: new Date().toISOString(),
    };
    this.runStarted = this.now();
    this.lastEpochEnd = this.runStarted;
    this.epoch = null;
    this.steps.clear();
    this.epochs.clear();
    this.pending = null;
    this.lastStepSent = -Infinity;
    this.lastStep = 0;
    this.lastEpoch = this.run.initialEpoch;
    this.end = null;
    this.emit({ type: "run", data: this.run });
    return this.run;
  }

  /** An epoch begins; `stepsInEpoch` when the loop knows its length. */
  startEpoch(epoch: number, stepsInEpoch?: number | null): void {
    checkCount("live: startEpoch", "epoch", epoch, 1);
    checkCount("live: startEpoch", "stepsInEpoch", stepsInEpoch ?? undefined, 1);
    this.ensureRun();
    this.epoch = { epoch, stepsInEpoch: stepsInEpoch ?? null };
    this.emit({ type: "epochStart", data: this.epoch });
  }

  /** Records a step; sends a point when the rate allows or the epoch's last step has come. */
  addStep(step: LiveStep): void {
    const where = "live: publishStep";
    if (step === null || typeof step !== "object") {
      throw new TypeError(`${where}: expected { step, values }, got ${step}`);
    }
    const values = checkValues(where, step.values);
    checkCount(where, "step", step.step, 1);
    checkCount(where, "epoch", step.epoch, 1);
    checkCount(where, "stepInEpoch", step.stepInEpoch, 1);
    checkCount(where, "samples", step.samples, 0);
    this.ensureRun();
    if (step.step <= this.lastStep) {
      throw new RangeError(
        `${where}: step ${step.step} is not after the previous step ${this.lastStep}; steps ` +
          "must increase within a run (startRun begins a new one)",
      );
    }
    this.lastStep = step.step;
    const now = this.now();
    const pending = this.pending ??= {
      sums: new Map(),
      counts: new Map(),
      count: 0,
      samples: 0,
      last: step,
      seconds: 0,
    };
    for (const [name, value] of Object.entries(values)) {
      pending.sums.set(name, (pending.sums.get(name) ?? 0) + value);
      pending.counts.set(name, (pending.counts.get(name) ?? 0) + 1);
    }
    pending.count++;
    pending.samples += step.samples ?? 0;
    pending.last = step;
    pending.seconds = (now - this.runStarted) / 1000;
    const epochEnds = step.stepInEpoch !== undefined && this.epoch?.epoch === step.epoch &&
      step.stepInEpoch === this.epoch?.stepsInEpoch;
    if (epochEnds || now - this.lastStepSent >= 1000 / this.maxStepRate) this.flushSteps();
  }

  /** Records an epoch's values (sending the steps still waiting first). */
  addEpoch(epoch: LiveEpoch): void {
    const where = "live: publishEpoch";
    if (epoch === null || typeof epoch !== "object") {
      throw new TypeError(`${where}: expected { epoch, values }, got ${epoch}`);
    }
    const values = checkValues(where, epoch.values);
    checkCount(where, "epoch", epoch.epoch, 1);
    checkCount(where, "steps", epoch.steps, 0);
    checkCount(where, "samples", epoch.samples, 0);
    this.ensureRun();
    if (epoch.epoch <= this.lastEpoch) {
      throw new RangeError(
        `${where}: epoch ${epoch.epoch} is not after the previous epoch ${this.lastEpoch}; ` +
          "epochs must increase within a run (startRun begins a new one)",
      );
    }
    this.lastEpoch = epoch.epoch;
    this.flushSteps();
    const now = this.now();
    const point: EpochPoint = {
      epoch: epoch.epoch,
      count: 1,
      steps: epoch.steps ?? 0,
      samples: epoch.samples ?? 0,
      seconds: epoch.seconds ?? (now - this.lastEpochEnd) / 1000,
      elapsed: (now - this.runStarted) / 1000,
      values: Object.fromEntries(
        Object.entries(values).map(([name, value]) => [name, finiteOrNull(value)]),
      ),
    };
    this.lastEpochEnd = now;
    this.epochs.push(point);
    this.emit({ type: "epoch", data: point });
  }

  /** Makes `png` the latest image (a PNG file's bytes, e.g. a grid of generated samples). */
  setImage(png: Uint8Array, caption = ""): ImageInfo {
    if (!(png instanceof Uint8Array) || !PNG_SIGNATURE.every((byte, i) => png[i] === byte)) {
      throw new TypeError(
        "live: publishImage expects the bytes of a PNG file (a Uint8Array starting with the PNG " +
          "signature), e.g. the result of viz.imageGrid(samples)",
      );
    }
    if (typeof caption !== "string") {
      throw new TypeError(`live: publishImage's caption must be a string, got ${typeof caption}`);
    }
    const version = (this.latestImage?.info.version ?? 0) + 1;
    const info = { version, caption, url: `/live/image.png?v=${version}` };
    this.latestImage = { info, png: png.slice() };
    this.emit({ type: "image", data: info });
    return info;
  }

  /** Ends the run (sending the steps still waiting first). */
  endRun(options: { stopReason?: string | null; error?: string | null } = {}): void {
    if (this.run === null) return;
    this.flushSteps();
    this.end = {
      seconds: (this.now() - this.runStarted) / 1000,
      stopReason: options.stopReason ?? null,
      error: options.error ?? null,
    };
    this.emit({ type: "end", data: this.end });
  }

  /** Sends the steps received since the last point as one point, if there are any. */
  flushSteps(): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.lastStepSent = this.now();
    const values: PointValues = {};
    for (const [name, sum] of pending.sums) {
      values[name] = finiteOrNull(sum / (pending.counts.get(name) as number));
    }
    const point: StepPoint = {
      step: pending.last.step,
      epoch: pending.last.epoch ?? null,
      stepInEpoch: pending.last.stepInEpoch ?? null,
      count: pending.count,
      samples: pending.samples,
      seconds: pending.seconds,
      values,
    };
    this.steps.push(point);
    this.emit({ type: "step", data: point });
  }

  /** Everything kept, for a page that connects now. */
  snapshot(): Snapshot {
    return {
      run: this.run,
      epoch: this.epoch,
      steps: [...this.steps.points],
      epochs: [...this.epochs.points],
      image: this.latestImage?.info ?? null,
      end: this.end,
      maxPoints: this.maxPoints,
    };
  }

  /** The latest image, or null before the first. */
  image(): LiveImage | null {
    return this.latestImage;
  }

  /** Sends every later event to `subscriber` until the returned function is called. */
  subscribe(subscriber: LiveSubscriber): () => void {
    if (this.isClosed) {
      subscriber.end();
      return () => {};
    }
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Number of connected subscribers (pages). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Ends every subscription; later publishing still updates the state but reaches no one. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.flushSteps();
    for (const subscriber of this.subscribers) subscriber.end();
    this.subscribers.clear();
  }

  private ensureRun(): void {
    if (this.run === null) this.startRun();
  }

  private emit(event: LiveEvent): void {
    for (const subscriber of this.subscribers) subscriber.send(event);
  }
}
