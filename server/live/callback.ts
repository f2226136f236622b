/**
 * The live page as a `fit` callback: it publishes the run, each epoch's start, each step's loss
 * and each epoch's values to a `LiveHub`, and now and then lets the event loop run so that the
 * server can answer the page while training keeps the thread busy.
 */
import type { Callback } from "../../runtime/train/callback.ts";
import type { LiveHub } from "./hub.ts";

/**
 * Hands the event loop a turn now and then while training keeps the thread busy: every
 * `interval` ms while a page is watching (`watched()`), every `idleInterval` ms otherwise (so a
 * new page can still connect). A turn is a zero timeout, the one yield after which Deno's HTTP
 * server reliably gets to answer; it costs about 2 ms (timers nested this deep are clamped), so a
 * turn every 100 ms costs a training loop about 2%.
 */
export class EventLoopYielder {
  private last: number;
  constructor(
    readonly interval: number,
    readonly idleInterval: number,
    private readonly watched: () => boolean,
    private readonly now: () => number,
  ) {
    this.last = now();
  }

  /** Yields if the interval has passed since the last turn (or always when `force`). */
  async maybeYield(force = false): Promise<void> {
    const now = this.now();
    const interval = this.watched() ? this.interval : this.idleInterval;
    if (!force && now - this.last < interval) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.last = this.now();
  }
}

/**
 * A callback for `fit` that publishes to `hub`. `title` names the run on the page (default: the
 * hub's title).
 * @example
 * const hub = new LiveHub();
 * const yielder = new EventLoopYielder(100, 250, () => hub.subscriberCount > 0, () => performance.now());
 * await train.fit(model, { ..., callbacks: [liveCallback(hub, yielder)] });
 */
export function liveCallback(
  hub: LiveHub,
  yielder: EventLoopYielder,
  { title }: { title?: string } = {},
): Callback {
  return {
    onTrainStart(context) {
      hub.startRun({
        ...(title === undefined ? {} : { title }),
        epochs: context.epochs,
        stepsInEpoch: context.stepsInEpoch ?? null,
        initialEpoch: context.epoch,
        metrics: context.metrics.map((metric) => metric.name),
        hasValidation: context.hasValidation,
      });
      return yielder.maybeYield(true);
    },
    onEpochStart(context) {
      hub.startEpoch(context.epoch, context.stepsInEpoch ?? null);
    },
    onStepEnd(_context, step) {
      hub.addStep({
        step: step.globalStep,
        epoch: step.epoch,
        stepInEpoch: step.step,
        values: { loss: step.loss },
        samples: step.samples,
      });
      return yielder.maybeYield();
    },
    onEpochEnd(_context, log) {
      hub.addEpoch({
        epoch: log.epoch,
        values: log.values,
        steps: log.steps,
        samples: log.samples,
        seconds: log.seconds,
      });
      return yielder.maybeYield();
    },
    onTrainEnd(context) {
      hub.endRun({ stopReason: context.stopReason, error: context.error?.message ?? null });
      return yielder.maybeYield(true);
    },
  };
}
