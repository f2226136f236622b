/** Axis scales: value → pixel, with round tick values (1, 2, 5 × 10ⁿ; decades on a log scale). */

/** A map from a data interval to a pixel interval, with its ticks. */
export interface Scale {
  (value: number): number;
  ticks: number[];
  /** A tick's label. */
  format(value: number): string;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** The finite extent of values, widened when empty or flat. */
export function extent(values: Iterable<number>, positiveOnly = false): [number, number] {
  let low = Infinity, high = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  if (low > high) return positiveOnly ? [0.1, 1] : [0, 1];
  if (low === high) return positiveOnly ? [low / 2, high * 2] : [low - 0.5, high + 0.5];
  return [low, high];
}

function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  if (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3) return value.toExponential(0);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(Math.min(decimals, 6));
}

/**
 * A linear scale over [low, high] widened to round ticks, onto [start, end] pixels.
 * @example const y = linearScale([0, 0.73], [300, 20]); y.ticks // [0, 0.1, ..., 0.8]
 */
export function linearScale(domain: [number, number], range: [number, number], count = 6): Scale {
  const step = niceStep(domain[1] - domain[0], count);
  const low = Math.floor(domain[0] / step + 1e-9) * step;
  const high = Math.ceil(domain[1] / step - 1e-9) * step;
  const scale =
    ((value: number) => range[0] + ((value - low) / (high - low)) * (range[1] - range[0])) as Scale;
  scale.ticks = [];
  for (let v = low; v <= high + step / 2; v += step) scale.ticks.push(Math.round(v / step) * step);
  scale.format = (value) => formatTick(value, step);
  return scale;
}

/** A log₁₀ scale widened to whole decades, with ticks at 1, 2, 5 × 10ⁿ when it spans few decades. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  const low = Math.floor(Math.log10(domain[0]));
  const high = Math.max(low + 1, Math.ceil(Math.log10(domain[1])));
  const scale =
    ((value: number) =>
      range[0] + ((Math.log10(value) - low) / (high - low)) * (range[1] - range[0])) as Scale;
  const multiples = high - low <= 2 ? [1, 2, 5] : [1];
  const every = Math.ceil((high - low) / 8);
  scale.ticks = [];
  for (let e = low; e <= high; e += every) {
    for (const m of multiples) if (e < high || m === 1) scale.ticks.push(m * 10 ** e);
  }
  scale.format = (value) => {
    const e = Math.floor(Math.log10(value) + 1e-9);
    return e >= -3 && e <= 4 ? String(Number(value.toPrecision(1))) : value.toExponential(0);
  };
  return scale;
}
