/**
 * Options objects that refuse what they do not know. A misspelt or unsupported option (`strides`
 * for `stride`, `approximate` where there is none) would otherwise be dropped without a word and
 * the op would run with its default: every public options object goes through `checkOptions`.
 */

/**
 * The known keys of an options type, as a record, so that the compiler checks the list is complete
 * and has nothing extra: `const KEYS: OptionKeys<Conv2dOptions> = { stride: true, ... }`.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Returns `options` (or `{}` when it is undefined) after checking that it is a plain object whose
 * every key is one of `known`; otherwise throws naming `where`, the key, the known keys and the
 * nearest known spelling.
 * @example
 * const KEYS: OptionKeys<{ stride?: number }> = { stride: true };
 * checkOptions("conv2d", { strides: 2 }, KEYS); // throws: conv2d: unknown option "strides" ...
 */
export function checkOptions<T extends object>(
  where: string,
  options: T | undefined | null,
  known: OptionKeys<T>,
): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `${where}: options must be an object such as { ${Object.keys(known)[0] ?? ""}: ... }, ` +
        `got ${Array.isArray(options) ? "an array" : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(known, key)) throw unknownOption(where, key, Object.keys(known));
  }
  return options;
}

function unknownOption(where: string, key: string, known: string[]): TypeError {
  const list = known.length ? known.join(", ") : "none";
  const nearest = nearestSpelling(key, known);
  const hint = nearest ? `; did you mean "${nearest}"?` : "";
  return new TypeError(`${where}: unknown option "${key}" (known options: ${list})${hint}`);
}

/** The known key within edit distance 2 of `key` (or sharing its lower-case form), if any. */
function nearestSpelling(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase()
      ? 0
      : editDistance(key, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
