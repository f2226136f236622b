/**
 * Runs a served model on checked input values: in `noGrad` (nothing recorded, every tensor created
 * freed when each chunk returns), in slices of at most `INFER_CHUNK` samples so that a large batch
 * needs no more WebAssembly memory than a small one. Outputs are copied out as Float32Arrays.
 */
import { F, noGrad, tensor } from "../runtime/api.ts";
import { RequestError } from "./http.ts";
import { LOGITS_OUTPUT, PROBABILITIES_OUTPUT, type ServedModel } from "./registry.ts";

/** Samples per forward pass; larger batches are run in slices of this size. */
export const INFER_CHUNK = 64;

/**
 * The requested outputs of `served` for `batch` samples of `values` (row-major, the model's input
 * shape): "logits" is the model's output, "probabilities" its softmax along the last dim.
 * @example
 * const { logits } = runInference(served, pixels, 1, ["logits"]);
 */
export function runInference(
  served: ServedModel,
  values: Float32Array,
  batch: number,
  outputs: readonly string[],
): Record<string, Float32Array> {
  const sampleSize = served.inputShape.reduce((a, b) => a * b, 1);
  const outputSize = served.outputShape.reduce((a, b) => a * b, 1);
  const result: Record<string, Float32Array> = {};
  for (const name of outputs) result[name] = new Float32Array(batch * outputSize);
  for (let start = 0; start < batch; start += INFER_CHUNK) {
    const count = Math.min(INFER_CHUNK, batch - start);
    noGrad(() => {
      const x = tensor(values.subarray(start * sampleSize, (start + count) * sampleSize), {
        shape: [count, ...served.inputShape],
      });
      const y = served.model.call(x);
      const logits = result[LOGITS_OUTPUT];
      if (logits !== undefined) logits.set(y.data(), start * outputSize);
      const probabilities = result[PROBABILITIES_OUTPUT];
      if (probabilities !== undefined) {
        probabilities.set(F.softmax(y, -1).data(), start * outputSize);
      }
    });
  }
  for (const [name, data] of Object.entries(result)) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new RequestError(
        422,
        `output '${name}' of model ${JSON.stringify(served.name)} has ${data[bad]} at index ` +
          `${bad}, which JSON cannot carry: the inputs are probably far outside the range the ` +
          "model was trained on",
      );
    }
  }
  return result;
}
