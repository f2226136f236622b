/**
 * Inference, mounted at `/v2/models`: `POST {model path}/infer` under both model paths (the
 * protocol's JSON tensors), and `POST /v2/models/{name}/classify` (a PNG, for the demo page).
 */
import type { Context } from "hono";
import { Hono } from "hono/quick";
import { quote, readBody, RequestError } from "../http.ts";
import { isPng, pngToInput } from "../image.ts";
import { runInference } from "../inference.ts";
import { PROBABILITIES_OUTPUT } from "../registry.ts";
import { checkInferRequest, parseJsonBody } from "../validation.ts";
import { limitBody } from "./body_limit.ts";
import { MODEL_PATHS, requireModel, stillServed } from "./lookup.ts";
import { type AppState, MODEL_VERSION } from "./state.ts";

/** A query flag: present and empty, or 1/true/yes. */
function flag(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", ""].includes(value.toLowerCase());
}

/**
 * The infer and classify routes.
 * @example
 * app.route("/v2/models", inference(state));
 */
export function inference({ registry, maxBodyBytes, maxBatch, counts }: AppState): Hono {
  const routes = new Hono();
  const limited = limitBody(maxBodyBytes);
  for (const path of MODEL_PATHS) {
    routes.post(`${path}/infer`, limited, async (c) => {
      const served = requireModel(registry, c);
      if (c.req.header("inference-header-content-length") !== undefined) {
        throw new RequestError(
          400,
          "the binary tensor data extension is not supported; send JSON with 'data' arrays",
        );
      }
      const body = parseJsonBody(await readBody(c.req.raw, maxBodyBytes));
      const current = stillServed(registry, c, served);
      const request = checkInferRequest(body, current, maxBatch);
      const outputs = runInference(current, request.values, request.batch, request.outputs);
      counts.inferences++;
      counts.samples += request.batch;
      return c.json({
        model_name: current.name,
        model_version: MODEL_VERSION,
        ...(request.id !== undefined ? { id: request.id } : {}),
        outputs: request.outputs.map((name) => ({
          name,
          datatype: "FP32",
          shape: [request.batch, ...current.outputShape],
          data: Array.from(outputs[name]),
        })),
      });
    });
  }
  routes.post("/:name/classify", limited, async (c) => {
    const served = requireModel(registry, c);
    if (served.outputShape.length !== 1) {
      throw new RequestError(
        400,
        `model ${quote(served.name)} gives outputs of shape [${served.outputShape}], not one ` +
          "score per class; use /infer",
      );
    }
    const png = await uploadedPng(c, await readBody(c.req.raw, maxBodyBytes));
    const input = await pngToInput(png, served.inputShape, served.config.preprocessing, {
      invert: flag(c.req.query("invert")),
    });
    const current = stillServed(registry, c, served);
    const probabilities = runInference(current, input, 1, [PROBABILITIES_OUTPUT])[
      PROBABILITIES_OUTPUT
    ];
    counts.inferences++;
    counts.samples++;
    let index = 0;
    for (let i = 1; i < probabilities.length; i++) {
      if (probabilities[i] > probabilities[index]) index = i;
    }
    const labels = current.config.labels ??
      Array.from({ length: probabilities.length }, (_, i) => String(i));
    return c.json({
      model_name: current.name,
      label: labels[index] ?? String(index),
      index,
      labels,
      probabilities: Array.from(probabilities),
    });
  });
  return routes;
}

/** The PNG of a classify request: the body itself, or a file field of a multipart form. */
async function uploadedPng(c: Context, body: Uint8Array): Promise<Uint8Array> {
  const type = c.req.header("content-type") ?? "";
  if (/^multipart\/form-data/i.test(type)) {
    let form: FormData;
    try {
      form = await new Response(body as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": type },
      }).formData();
    } catch (error) {
      throw new RequestError(400, `the multipart body is malformed: ${(error as Error).message}`);
    }
    const file = form.get("image") ?? form.get("file") ??
      [...form.values()].find((v) => typeof v !== "string");
    if (file === undefined || file === null || typeof file === "string") {
      throw new RequestError(400, "the multipart body has no file; send the PNG in field 'image'");
    }
    body = new Uint8Array(await file.arrayBuffer());
  }
  if (body.byteLength === 0) throw new RequestError(400, "request body is empty; send a PNG image");
  if (!isPng(body)) {
    throw new RequestError(
      415,
      "expected a PNG image: an image/png body, or multipart/form-data with the PNG in field " +
        `'image' (content type was ${quote(type)})`,
    );
  }
  return body;
}
