/**
 * The live training page's script: reads /live/events (server-sent events), keeps the curves in
 * bounded memory, draws them with uPlot (the global `uPlot` from /live/uplot.js) at most once a
 * frame, and shows epoch, step, rate, ETA and the latest image. `window.__live` counts what
 * arrived (tests read it).
 */
import { mergeValues } from "./merge_values.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];
const CHART_HEIGHT = 260;
/** Tick spacings of the x axes (steps and epochs are whole numbers). */
const WHOLE_NUMBERS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6].map((p) => m * p))
  .sort((a, b) => a - b);
/** Seconds of recent steps the rate is measured over. */
const RATE_WINDOW = 10;

const live = {
  connected: false,
  /** Step points received (from snapshots and step events). */
  points: 0,
  /** Epoch points received. */
  epochs: 0,
  /** Images loaded into the page. */
  images: 0,
  /** Points drawn on the charts at the last redraw. */
  drawn: 0,
  runId: null,
  ended: false,
  errors: [],
};
globalThis.__live = live;

const state = {
  maxPoints: 4000,
  run: null,
  epoch: null,
  steps: [],
  epochs: [],
  end: null,
};

const $ = (id) => document.getElementById(id);

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

function formatValue(value) {
  if (value === null || value === undefined) return "–";
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4
    ? value.toPrecision(4)
    : value.toExponential(3);
}

/** Appends, halving the list by merging neighbours past maxPoints (as the server does). */
function pushBounded(list, point) {
  list.push(point);
  if (list.length <= state.maxPoints) return;
  const halved = [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    const a = list[i], b = list[i + 1];
    halved.push({
      ...b,
      count: a.count + b.count,
      samples: a.samples + b.samples,
      values: mergeValues(a.values, a.count, b.values, b.count),
    });
  }
  if (list.length % 2 === 1) halved.push(list[list.length - 1]);
  list.splice(0, list.length, ...halved);
}

/** A uPlot chart over a container; rebuilt when its series change. */
class Chart {
  constructor(panelId, containerId, xLabel) {
    this.panel = $(panelId);
    this.container = $(containerId);
    this.xLabel = xLabel;
    this.plot = null;
    this.keys = [];
    new ResizeObserver(() => this.resize()).observe(this.container);
  }

  /** Draws `points` ({x, values}) for `keys`; hides the panel when there is nothing to draw. */
  draw(points, keys, x) {
    this.panel.hidden = keys.length === 0 || points.length === 0;
    if (this.panel.hidden) return 0;
    const data = [points.map(x), ...keys.map((key) => points.map((p) => p.values[key] ?? null))];
    if (this.plot === null || keys.join("\n") !== this.keys.join("\n")) {
      this.plot?.destroy();
      this.keys = keys;
      this.plot = new uPlot(
        {
          width: this.width(),
          height: CHART_HEIGHT,
          scales: { x: { time: false } },
          legend: { live: false },
          axes: [{ label: this.xLabel, incrs: WHOLE_NUMBERS }, {}],
          series: [
            { label: this.xLabel },
            ...keys.map((key, i) => ({
              label: key,
              stroke: COLORS[i % COLORS.length],
              width: 1.5,
              points: { show: points.length < 60 },
            })),
          ],
        },
        data,
        this.container,
      );
    } else {
      this.plot.setData(data);
    }
    return points.length;
  }

  width() {
    return Math.max(300, this.container.clientWidth || this.panel.clientWidth || 600);
  }

  resize() {
    if (this.plot !== null && this.plot.width !== this.width()) {
      this.plot.setSize({ width: this.width(), height: CHART_HEIGHT });
    }
  }

  clear() {
    this.plot?.destroy();
    this.plot = null;
    this.keys = [];
    this.panel.hidden = true;
  }
}

const stepChart = new Chart("steps-panel", "steps-chart", "step");
const epochLossChart = new Chart("epoch-loss-panel", "epoch-loss-chart", "epoch");
const epochMetricChart = new Chart("epoch-metrics-panel", "epoch-metrics-chart", "epoch");

function keysOf(points) {
  const keys = new Set();
  for (const point of points) for (const key of Object.keys(point.values)) keys.add(key);
  return [...keys];
}

/** Steps per second and samples per second over the last RATE_WINDOW seconds of points. */
function rates() {
  const steps = state.steps;
  if (steps.length < 2) return null;
  const last = steps[steps.length - 1];
  let first = steps.length - 2;
  while (first > 0 && last.seconds - steps[first - 1].seconds <= RATE_WINDOW) first--;
  const from = steps[first];
  const seconds = last.seconds - from.seconds;
  if (!(seconds > 0)) return null;
  let samples = 0;
  for (let i = first + 1; i < steps.length; i++) samples += steps[i].samples;
  return { steps: (last.step - from.step) / seconds, samples: samples / seconds };
}

function statusText() {
  const { run, epoch, end } = state;
  if (run === null) return "waiting for training to start…";
  const parts = [];
  const last = state.steps[state.steps.length - 1];
  const epochNumber = epoch?.epoch ?? last?.epoch ?? null;
  if (epochNumber !== null) {
    parts.push(`epoch ${epochNumber}${run.epochs !== null ? `/${run.epochs}` : ""}`);
  }
  const stepsInEpoch = epoch?.stepsInEpoch ?? run.stepsInEpoch;
  if (last !== undefined) {
    parts.push(
      last.stepInEpoch !== null && last.epoch === epochNumber
        ? `step ${last.stepInEpoch}${stepsInEpoch !== null ? `/${stepsInEpoch}` : ""}`
        : `step ${last.step}`,
    );
  }
  const rate = rates();
  if (rate !== null) {
    parts.push(
      rate.samples > 0
        ? `${Math.round(rate.samples).toLocaleString("en-US")} samples/s`
        : `${rate.steps.toFixed(rate.steps < 10 ? 2 : 0)} steps/s`,
    );
  }
  const lastEpoch = state.epochs[state.epochs.length - 1];
  if (lastEpoch !== undefined) {
    const shown = Object.entries(lastEpoch.values).slice(0, 4)
      .map(([key, value]) => `${key} ${formatValue(value)}`);
    parts.push(shown.join(", "));
  } else if (last !== undefined) {
    const [key, value] = Object.entries(last.values)[0] ?? [];
    if (key !== undefined) parts.push(`${key} ${formatValue(value)}`);
  }
  if (end !== null) {
    const how = end.error !== null
      ? `failed after ${formatDuration(end.seconds)}: ${end.error}`
      : end.stopReason !== null
      ? `stopped after ${formatDuration(end.seconds)}: ${end.stopReason}`
      : `finished in ${formatDuration(end.seconds)}`;
    parts.push(how);
  } else if (
    rate !== null && rate.steps > 0 && run.epochs !== null && stepsInEpoch !== null &&
    last?.stepInEpoch !== null && epochNumber !== null
  ) {
    const remaining = (run.epochs - epochNumber) * stepsInEpoch +
      (stepsInEpoch - (last.stepInEpoch ?? 0));
    parts.push(`ETA ${formatDuration(remaining / rate.steps)}`);
  }
  return parts.join(" · ");
}

let pending = false;

/** Redraws once at the next frame, however many events came since the last. */
function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(render);
}

function render() {
  pending = false;
  const status = $("status");
  status.textContent = statusText();
  status.classList.toggle("empty", state.run === null);
  $("title").textContent = state.run?.title ?? "edgegrad: live training";
  if (typeof uPlot === "undefined") {
    status.textContent += " (the charts need /live/uplot.js, which did not load)";
    return;
  }
  const epochKeys = keysOf(state.epochs);
  const lossKeys = epochKeys.filter((key) => /loss/i.test(key));
  const metricKeys = epochKeys.filter((key) => !/loss/i.test(key));
  live.drawn = stepChart.draw(state.steps, keysOf(state.steps), (p) => p.step) +
    epochLossChart.draw(state.epochs, lossKeys, (p) => p.epoch) +
    epochMetricChart.draw(state.epochs, metricKeys, (p) => p.epoch);
  document.body.dataset.points = String(live.points);
  document.body.dataset.drawn = String(live.drawn);
}

function resetRun(run) {
  state.run = run;
  state.epoch = null;
  state.steps = [];
  state.epochs = [];
  state.end = null;
  live.runId = run?.id ?? null;
  live.ended = false;
  stepChart.clear();
  epochLossChart.clear();
  epochMetricChart.clear();
}

function showImage(info) {
  if (info === null) return;
  const image = $("image");
  image.onload = () => {
    live.images++;
    document.body.dataset.images = String(live.images);
    $("image-panel").hidden = false;
  };
  image.onerror = () => live.errors.push(`image ${info.url} did not load`);
  image.src = info.url;
  $("caption").textContent = info.caption;
}

const handlers = {
  snapshot(snapshot) {
    state.maxPoints = snapshot.maxPoints;
    resetRun(snapshot.run);
    state.epoch = snapshot.epoch;
    state.steps = snapshot.steps;
    state.epochs = snapshot.epochs;
    state.end = snapshot.end;
    live.ended = snapshot.end !== null;
    live.points += snapshot.steps.length;
    live.epochs += snapshot.epochs.length;
    showImage(snapshot.image);
  },
  run(run) {
    resetRun(run);
  },
  epochStart(epoch) {
    state.epoch = epoch;
  },
  step(point) {
    pushBounded(state.steps, point);
    live.points++;
  },
  epoch(point) {
    pushBounded(state.epochs, point);
    live.epochs++;
  },
  image(info) {
    showImage(info);
  },
  end(end) {
    state.end = end;
    live.ended = true;
  },
};

const source = new EventSource("/live/events");
for (const [name, handle] of Object.entries(handlers)) {
  source.addEventListener(name, (event) => {
    try {
      handle(JSON.parse(event.data));
    } catch (error) {
      live.errors.push(`${name}: ${error.message}`);
    }
    scheduleRender();
  });
}
source.onopen = () => {
  live.connected = true;
  $("connection").textContent = "connected";
  $("connection").classList.remove("lost");
};
source.onerror = () => {
  live.connected = false;
  $("connection").textContent = "connection lost (the training process may have ended); retrying…";
  $("connection").classList.add("lost");
};
