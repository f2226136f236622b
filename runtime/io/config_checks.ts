/**
 * Checks of the fields a model directory's `config.json` may hold (input shape, labels, objects
 * such as preprocessing and metadata), shared by native model directories (model_dir.ts) and the
 * server's ONNX directories, so both refuse a bad field with the same words.
 */

/** True for a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One sample's shape: an array of positive integers, else an error naming `where`. */
export function checkInputShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(
      `${where}: inputShape must be an array of positive integers (one sample, no batch dim), ` +
        `got ${JSON.stringify(shape)}`,
    );
  }
  return [...shape];
}

/** Class labels: absent, or an array of strings. */
export function checkLabels(labels: unknown, where: string): string[] | undefined {
  if (labels === undefined) return undefined;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) {
    throw new Error(`${where}: labels must be an array of strings, got ${JSON.stringify(labels)}`);
  }
  return [...labels];
}

/** A field that must be absent or a JSON object (preprocessing, metadata). */
export function checkObject(
  value: unknown,
  field: string,
  where: string,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw new Error(`${where}: ${field} must be an object, got ${JSON.stringify(value)}`);
  }
  return value;
}
