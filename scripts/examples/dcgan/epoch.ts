/**
 * One epoch of DCGAN training: its steps, each in its own scope, under `fit`'s progress bar driven
 * by hand; the epoch's record and loss curves added to the run's history.
 */
import { type DataLoader, memoryStats, scope, train } from "../../../runtime/mod.ts";
import type { Verdict } from "./judge.ts";
import type { Dcgan, DcganOptimizers } from "./models.ts";
import { type StepResult, trainStep } from "./step.ts";

/** One epoch's record, kept in the checkpoint so a resumed run plots the whole history. */
export interface EpochRecord {
  epoch: number;
  steps: number;
  msPerStep: number;
  discriminatorLoss: number;
  generatorLoss: number;
  realScore: number;
  fakeScore: number;
  inceptionScore: number | null;
  meanMaxProbability: number | null;
}

/**
 * The run's history: per-epoch records, and the losses averaged over windows of LOSS_WINDOW steps
 * (each at the step in its middle, counted from the start of training).
 */
export interface DcganHistory {
  epochs: EpochRecord[];
  lossSteps: number[];
  discriminatorLoss: number[];
  generatorLoss: number[];
}

/** Steps per point of the loss curves. */
export const LOSS_WINDOW = 10;

/** What one epoch of training gives back before it is judged. */
export interface EpochRun {
  results: StepResult[];
  seconds: number;
  /** The least and most live bytes seen after a step (equal when memory is flat). */
  live: [number, number];
}

/** The progress bar of `fit`, driven by hand: it sees a context with the epoch and its length. */
export function progress(gan: Dcgan, optimizers: DcganOptimizers, epochs: number) {
  const bar = train.progressBar();
  const context: train.TrainingContext & { epoch: number; stepsInEpoch: number } = {
    model: gan,
    optimizer: optimizers.discriminator,
    history: new train.History(),
    metrics: [],
    hasValidation: false,
    epochs,
    epoch: 0,
    stepsInEpoch: 0,
    stopReason: null,
    error: null,
    stop() {},
  };
  return { bar, context };
}

/**
 * Runs one epoch's steps, each in its own scope; throws on a NaN or infinite loss. `afterStep`
 * sees each step's result (awaited, so a live page can be served between steps).
 */
export async function trainEpoch(
  gan: Dcgan,
  optimizers: DcganOptimizers,
  loader: DataLoader,
  epoch: number,
  stepsPerEpoch: number | undefined,
  { bar, context }: ReturnType<typeof progress>,
  afterStep?: (stepInEpoch: number, result: StepResult, samples: number) => Promise<void>,
): Promise<EpochRun> {
  const batches = loader.batchIndices(epoch - 1).slice(0, stepsPerEpoch);
  context.epoch = epoch;
  context.stepsInEpoch = batches.length;
  bar.onEpochStart();
  const results: StepResult[] = [];
  const live: [number, number] = [Infinity, 0];
  const started = performance.now();
  for (const [index, rows] of batches.entries()) {
    const result = scope(() => trainStep(gan, optimizers, loader.batch(rows)[0]));
    const { discriminatorLoss, generatorLoss } = result;
    if (!Number.isFinite(discriminatorLoss + generatorLoss)) {
      throw new Error(
        `dcgan: epoch ${epoch}, step ${index + 1}: the losses are ${discriminatorLoss} ` +
          `(discriminator) and ${generatorLoss} (generator); the checkpoint of epoch ` +
          `${epoch - 1} is intact`,
      );
    }
    results.push(result);
    const bytes = memoryStats().liveBytes;
    live[0] = Math.min(live[0], bytes);
    live[1] = Math.max(live[1], bytes);
    // The bar shows both running losses.
    bar.onStepEnd(context, {
      epoch,
      step: index + 1,
      globalStep: index + 1,
      loss: discriminatorLoss + generatorLoss,
      samples: rows.length,
      values: { d_loss: discriminatorLoss, g_loss: generatorLoss },
    });
    await afterStep?.(index + 1, result, rows.length);
  }
  return { results, seconds: (performance.now() - started) / 1000, live };
}

/** Adds an epoch's losses (windows of LOSS_WINDOW steps) and record to the history. */
export function recordEpoch(
  history: DcganHistory,
  epoch: number,
  { results, seconds }: EpochRun,
  judged: Verdict | null,
): EpochRecord {
  const firstStep = history.epochs.reduce((n, record) => n + record.steps, 0);
  for (let start = 0; start < results.length; start += LOSS_WINDOW) {
    const window = results.slice(start, start + LOSS_WINDOW);
    history.lossSteps.push(firstStep + start + window.length / 2);
    history.discriminatorLoss.push(mean(window.map((r) => r.discriminatorLoss)));
    history.generatorLoss.push(mean(window.map((r) => r.generatorLoss)));
  }
  const record: EpochRecord = {
    epoch,
    steps: results.length,
    msPerStep: (1000 * seconds) / results.length,
    discriminatorLoss: mean(results.map((r) => r.discriminatorLoss)),
    generatorLoss: mean(results.map((r) => r.generatorLoss)),
    realScore: mean(results.map((r) => r.realScore)),
    fakeScore: mean(results.map((r) => r.fakeScore)),
    inceptionScore: judged?.inceptionScore ?? null,
    meanMaxProbability: judged?.meanMaxProbability ?? null,
  };
  history.epochs.push(record);
  return record;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** What an epoch cost: ms per step, live memory after each step (flat or not), wasm memory, RSS. */
export function epochCost(record: EpochRecord, run: EpochRun): string {
  const [low, high] = run.live;
  return `${record.msPerStep.toFixed(0)} ms per G+D step; live memory after each step ` +
    (low === high ? `${megabytes(high)} (flat)` : `${megabytes(low)}..${megabytes(high)}`) +
    `, wasm memory ${megabytes(memoryStats().memoryBytes)}, RSS ` +
    `${megabytes(Deno.memoryUsage().rss)}`;
}

/** An epoch's values as the progress bar and the live page show them. */
export function epochValues(record: EpochRecord): Record<string, number> {
  const values: Record<string, number> = {
    d_loss: record.discriminatorLoss,
    g_loss: record.generatorLoss,
    "D(x)": record.realScore,
    "D(G(z))": record.fakeScore,
  };
  if (record.inceptionScore !== null) values.IS = record.inceptionScore;
  if (record.meanMaxProbability !== null) values.max_prob = record.meanMaxProbability;
  return values;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
