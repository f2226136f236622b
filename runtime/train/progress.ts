/**
 * The progress bar of `fit`, a callback like any other. On a terminal it redraws one line per
 * epoch (bar, count, samples/s, ETA, running loss, or the running means of a step's named values) at most ten times a second; elsewhere (CI logs,
 * pipes) it prints a line at each tenth of the epoch, at most one a second, so logs stay short.
 * Each epoch ends with a summary line of its values.
 *
 * Hand-written rather than cli-progress: cli-progress's non-terminal mode prints on a timer
 * rather than by progress, it drives the terminal through Node's stream and readline APIs, and
 * the bar needs the epoch summary and stop reason that only `fit`'s callbacks know.
 */
import type { Callback, TrainingContext } from "./callback.ts";
import type { EpochLog, StepLog } from "./history.ts";
import { checkOptions } from "../options.ts";

/** Where the bar writes, and whether that is a terminal (to redraw in place). */
export interface ProgressOutput {
  write(text: string): void;
  readonly isTerminal: boolean;
  /** Terminal width in characters (lines are cut to fit); unknown when absent. */
  readonly columns?: number;
}

/** Options of the progress bar. */
export interface ProgressOptions {
  /** Default: standard error (outside Deno, console.error). */
  output?: ProgressOutput;
  /** Characters of the bar on a terminal (default 24). */
  width?: number;
  /**
   * Off a terminal, the least seconds between two progress lines (default 1), so that short
   * epochs print their summary line only.
   */
  interval?: number;
}

function standardError(): ProgressOutput {
  if (typeof Deno === "undefined") return consoleLines();
  const encoder = new TextEncoder();
  const isTerminal = Deno.stderr.isTerminal();
  let columns: number | undefined;
  try {
    columns = isTerminal ? Deno.consoleSize().columns : undefined;
  } catch {
    columns = undefined;
  }
  return { write: (text) => Deno.stderr.writeSync(encoder.encode(text)), isTerminal, columns };
}

/** Outside Deno (a browser, a worker): whole lines to console.error. */
function consoleLines(): ProgressOutput {
  let pending = "";
  return {
    isTerminal: false,
    write(text) {
      const lines = (pending + text).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) console.error(line);
    },
  };
}

/** "0.8s", "42s", "3m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

function formatValue(value: number): string {
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4
    ? value.toPrecision(4)
    : value.toExponential(3);
}

function formatRate(samplesPerSecond: number): string {
  return `${Math.round(samplesPerSecond).toLocaleString("en-US")} samples/s`;
}

/** The progress bar callback. */
export class ProgressBar implements Callback {
  private readonly output: ProgressOutput;
  private readonly width: number;
  private readonly interval: number;
  private epochStart = 0;
  private lastDraw = 0;
  private lastTenth = 0;
  private lastStepAt = 0;
  private steps = 0;
  private samples = 0;
  private lossSum = 0;
  /** Sample-weighted sums of the steps' named values (`StepLog.values`), in first-seen order. */
  private valueSums = new Map<string, number>();
  private valueSamples = new Map<string, number>();
  private lineOpen = false;

  constructor(options: ProgressOptions = {}) {
    checkOptions("progressBar", options, { output: true, width: true, interval: true });
    this.output = options.output ?? standardError();
    this.width = options.width ?? 24;
    this.interval = (options.interval ?? 1) * 1000;
  }

  onEpochStart(): void {
    this.epochStart = this.lastStepAt = performance.now();
    this.lastDraw = 0;
    this.lastTenth = 0;
    this.steps = this.samples = this.lossSum = 0;
    this.valueSums.clear();
    this.valueSamples.clear();
  }

  onStepEnd(context: TrainingContext, step: StepLog): void {
    this.steps = step.step;
    this.samples += step.samples;
    this.lossSum += step.loss * step.samples;
    for (const [name, value] of Object.entries(step.values ?? {})) {
      this.valueSums.set(name, (this.valueSums.get(name) ?? 0) + value * step.samples);
      this.valueSamples.set(name, (this.valueSamples.get(name) ?? 0) + step.samples);
    }
    const now = this.lastStepAt = performance.now();
    const total = context.stepsInEpoch;
    if (this.output.isTerminal) {
      if (now - this.lastDraw >= 100 || step.step === total) {
        this.lastDraw = now;
        this.redraw(this.line(context, now, true));
      }
      return;
    }
    // Off a terminal: a line at each new tenth of a known epoch (not the last: the summary
    // follows), or every 10 s when the length is unknown; never two within `interval`.
    if (now - Math.max(this.lastDraw, this.epochStart) < this.interval) return;
    if (total !== undefined) {
      const tenth = Math.floor((10 * step.step) / total);
      if (tenth > this.lastTenth && step.step < total) {
        this.lastTenth = tenth;
        this.lastDraw = now;
        this.output.write(this.line(context, now, false) + "\n");
      }
    } else if (now - Math.max(this.lastDraw, this.epochStart) >= 10_000) {
      this.lastDraw = now;
      this.output.write(this.line(context, now, false) + "\n");
    }
  }

  onEpochEnd(context: TrainingContext, log: EpochLog): void {
    const values = Object.entries(log.values).map(([name, v]) => `${name} ${formatValue(v)}`);
    const summary = [
      `epoch ${log.epoch}/${context.epochs}`,
      `${log.steps} steps`,
      formatDuration(log.seconds),
      formatRate(log.samples / Math.max((this.lastStepAt - this.epochStart) / 1000, 1e-9)),
      ...values,
    ].join("  ");
    if (this.output.isTerminal) this.redraw(summary);
    else this.output.write(summary);
    this.output.write("\n");
    this.lineOpen = false;
  }

  onTrainEnd(context: TrainingContext): void {
    if (this.lineOpen) this.output.write("\n");
    this.lineOpen = false;
    if (context.stopReason !== null) this.output.write(`${context.stopReason}\n`);
  }

  private line(context: TrainingContext, now: number, withBar: boolean): string {
    const seconds = (now - this.epochStart) / 1000;
    const total = context.stepsInEpoch;
    const parts = [`epoch ${context.epoch}/${context.epochs}`];
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, this.steps / total);
      if (withBar) {
        const filled = Math.round(fraction * this.width);
        parts.push("█".repeat(filled) + "░".repeat(this.width - filled));
      }
      parts.push(`${this.steps}/${total}` + (withBar ? "" : ` (${Math.round(100 * fraction)}%)`));
      parts.push(formatRate(this.samples / Math.max(seconds, 1e-9)));
      parts.push(`ETA ${formatDuration((seconds / this.steps) * (total - this.steps))}`);
    } else {
      parts.push(`${this.steps} steps`, formatRate(this.samples / Math.max(seconds, 1e-9)));
    }
    if (this.valueSums.size === 0) parts.push(`loss ${formatValue(this.lossSum / this.samples)}`);
    for (const [name, sum] of this.valueSums) {
      parts.push(`${name} ${formatValue(sum / (this.valueSamples.get(name) ?? 1))}`);
    }
    return parts.join("  ");
  }

  private redraw(text: string): void {
    const columns = this.output.columns;
    const fitted = columns !== undefined && text.length >= columns
      ? text.slice(0, columns - 1)
      : text;
    this.output.write(`\r\x1b[2K${fitted}`);
    this.lineOpen = true;
  }
}

/**
 * A progress bar on standard error (or the given output); `fit` adds one unless `progress: false`.
 * @example await fit(model, { ..., progress: { width: 40 } });
 */
export function progressBar(options: ProgressOptions = {}): ProgressBar {
  return new ProgressBar(options);
}
