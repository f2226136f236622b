/**
 * The confusion matrix (rows: actual class, columns: predicted class, as scikit-learn) and every
 * per-class and averaged statistic derived from it.
 */

import { checkOptions, type OptionKeys } from "../options.ts";

/**
 * How per-class values combine: the positive class only, the unweighted mean, pooled counts, or
 * the mean weighted by support.
 */
export type Average = "binary" | "macro" | "micro" | "weighted";

/** A per-class statistic. */
export type ClassStatistic = "precision" | "recall" | "f1";

/** Options of the averaged statistics. */
export interface AverageOptions {
  /** Default: "binary" for two classes, "macro" for more. */
  average?: Average;
  /** The class that counts as positive with `average: "binary"` (default 1). */
  positiveLabel?: number;
  /** The value of 0/0 (a class never predicted has precision 0 by default, as scikit-learn). */
  zeroDivision?: number;
}

/** The keys of AverageOptions. */
export const AVERAGE_KEYS: OptionKeys<AverageOptions> = {
  average: true,
  positiveLabel: true,
  zeroDivision: true,
};

/** Only the averaging options of `options` (which may hold others, such as a metric's name). */
export function averageOptions(options: AverageOptions): AverageOptions {
  const { average, positiveLabel, zeroDivision } = options;
  return { average, positiveLabel, zeroDivision };
}

/**
 * Counts of (actual, predicted) class pairs.
 * @example
 * const matrix = confusionMatrix(model.call(x), labels);
 * console.log(matrix.toString(), matrix.recall(3), matrix.average("f1", { average: "macro" }));
 */
export class ConfusionMatrix {
  /** Row-major counts, `counts[actual * numClasses + predicted]`. */
  readonly counts: Float64Array;

  /** An all-zero matrix of `numClasses` classes, or one over the given counts. */
  constructor(readonly numClasses: number, counts?: ArrayLike<number>) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new RangeError(
        `ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`,
      );
    }
    this.counts = new Float64Array(numClasses * numClasses);
    if (counts !== undefined) {
      if (counts.length !== this.counts.length) {
        throw new Error(
          `ConfusionMatrix: ${numClasses} classes need ${this.counts.length} counts, got ` +
            counts.length,
        );
      }
      this.counts.set(counts);
    }
  }

  /** How many samples of class `actual` were predicted as `predicted`. */
  get(actual: number, predicted: number): number {
    return this.counts[actual * this.numClasses + predicted];
  }

  /** The number of samples counted. */
  get total(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  /** Samples of class c predicted as c. */
  truePositives(c: number): number {
    return this.get(c, c);
  }

  /** Samples predicted as c that are of another class. */
  falsePositives(c: number): number {
    let n = 0;
    for (let a = 0; a < this.numClasses; a++) if (a !== c) n += this.get(a, c);
    return n;
  }

  /** Samples of class c predicted as another class. */
  falseNegatives(c: number): number {
    let n = 0;
    for (let p = 0; p < this.numClasses; p++) if (p !== c) n += this.get(c, p);
    return n;
  }

  /** Samples of class c. */
  support(c: number): number {
    return this.truePositives(c) + this.falseNegatives(c);
  }

  /** Fraction of samples on the diagonal (NaN when empty). */
  accuracy(): number {
    let correct = 0;
    for (let c = 0; c < this.numClasses; c++) correct += this.get(c, c);
    return correct / this.total;
  }

  /** TP / (TP + FP) of class c. */
  precision(c: number, zeroDivision = 0): number {
    return ratio(
      this.truePositives(c),
      this.truePositives(c) + this.falsePositives(c),
      zeroDivision,
    );
  }

  /** TP / (TP + FN) of class c. */
  recall(c: number, zeroDivision = 0): number {
    return ratio(this.truePositives(c), this.support(c), zeroDivision);
  }

  /** 2·TP / (2·TP + FP + FN) of class c: the harmonic mean of its precision and recall. */
  f1(c: number, zeroDivision = 0): number {
    const tp = this.truePositives(c);
    return ratio(2 * tp, 2 * tp + this.falsePositives(c) + this.falseNegatives(c), zeroDivision);
  }

  /**
   * Precision, recall or F1 averaged as scikit-learn does: "binary" takes the positive class,
   * "macro" the unweighted mean over the classes that occur (in targets or predictions),
   * "weighted" the mean weighted by support, "micro" pools the counts.
   */
  average(statistic: ClassStatistic, options: AverageOptions = {}): number {
    checkOptions("average", options, AVERAGE_KEYS);
    checkOptions("average", options, AVERAGE_KEYS);
    const average = options.average ?? (this.numClasses <= 2 ? "binary" : "macro");
    const zeroDivision = options.zeroDivision ?? 0;
    const perClass = (c: number): number => this[statistic](c, zeroDivision);
    switch (average) {
      case "binary": {
        const positive = options.positiveLabel ?? 1;
        if (!Number.isInteger(positive) || positive < 0 || positive >= this.numClasses) {
          throw new RangeError(
            `${statistic}: positiveLabel ${positive} is not one of the ${this.numClasses} classes ` +
              `0..${this.numClasses - 1}`,
          );
        }
        return perClass(positive);
      }
      case "macro": {
        const present = this.presentClasses();
        return present.reduce((s, c) => s + perClass(c), 0) / present.length;
      }
      case "weighted":
        return this.presentClasses().reduce((s, c) => s + perClass(c) * this.support(c), 0) /
          this.total;
      case "micro": {
        // Pooled over classes, TP = the diagonal and FP = FN = the off-diagonal.
        const correct = this.accuracy() * this.total;
        return ratio(correct, this.total, zeroDivision);
      }
      default:
        throw new Error(
          `${statistic}: average must be "binary", "macro", "micro" or "weighted", got "${average}"`,
        );
    }
  }

  /** This matrix plus another (for counting over batches); grows to the larger class count. */
  merge(other: ConfusionMatrix): ConfusionMatrix {
    const n = Math.max(this.numClasses, other.numClasses);
    const out = new ConfusionMatrix(n);
    for (const m of [this, other]) {
      for (let a = 0; a < m.numClasses; a++) {
        for (let p = 0; p < m.numClasses; p++) out.counts[a * n + p] += m.get(a, p);
      }
    }
    return out;
  }

  /** The counts as nested rows, [actual][predicted]. */
  toArray(): number[][] {
    return Array.from(
      { length: this.numClasses },
      (_, a) => Array.from(this.counts.subarray(a * this.numClasses, (a + 1) * this.numClasses)),
    );
  }

  /** A text table with class labels (indices unless given), rows actual, columns predicted. */
  toString(labels?: readonly string[]): string {
    const names = Array.from({ length: this.numClasses }, (_, c) => labels?.[c] ?? String(c));
    const cells = this.toArray().map((row) => row.map(String));
    const width = Math.max(...names.map((n) => n.length), ...cells.flat().map((c) => c.length));
    const pad = (text: string) => text.padStart(width);
    const header = `${" ".repeat(width)} │ ${names.map(pad).join(" ")}   ← predicted`;
    const rule = `${"─".repeat(width)}─┼─${"─".repeat((width + 1) * this.numClasses - 1)}`;
    const rows = cells.map((row, a) => `${pad(names[a])} │ ${row.map(pad).join(" ")}`);
    return [header, rule, ...rows].join("\n") + "\n(rows: actual class)";
  }

  private presentClasses(): number[] {
    return Array.from({ length: this.numClasses }, (_, c) => c).filter((c) =>
      this.support(c) + this.falsePositives(c) > 0
    );
  }
}

function ratio(numerator: number, denominator: number, zeroDivision: number): number {
  return denominator === 0 ? zeroDivision : numerator / denominator;
}
