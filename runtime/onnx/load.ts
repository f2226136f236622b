/**
 * `loadOnnx`: reads an `.onnx` file (or its bytes) and returns an `OnnxModule`. Weights stored
 * in side files (ONNX external data) are read from beside the model, or from `externalData`
 * when the model comes as bytes.
 */
import { onnxReady } from "./protobuf.ts";
import { type PathLike, pathString, readFileNamed } from "../io/files.ts";
import { checkOptions, type OptionKeys } from "../options.ts";
import { decodeModel } from "./proto.ts";
import { buildProgram } from "./graph.ts";
import { OnnxModule } from "./module.ts";
import { type ExternalReader, OnnxDataError } from "./tensor_data.ts";

/** Options of loadOnnx. */
export interface LoadOnnxOptions {
  /**
   * External-data files by their `location` (as the model names them), for a model given as
   * bytes. A model given as a path reads them from its directory instead.
   */
  externalData?: Record<string, Uint8Array>;
}

const KEYS: OptionKeys<LoadOnnxOptions> = { externalData: true };

/** A reader of side files that refuses locations outside the model's directory. */
function sideFiles(files: (location: string) => Uint8Array): ExternalReader {
  const cache = new Map<string, Uint8Array>();
  return (location, offset, length) => {
    if (location.startsWith("/") || location.includes("\\") || location.split("/").includes("..")) {
      throw new OnnxDataError(
        `external data location "${location}" must be a relative path inside the model's directory`,
      );
    }
    let bytes = cache.get(location);
    if (bytes === undefined) {
      bytes = files(location);
      cache.set(location, bytes);
    }
    const size = length ?? bytes.length - offset;
    if (offset + size > bytes.length) {
      throw new OnnxDataError(
        `external data file "${location}" has ${bytes.length} bytes; a tensor needs bytes ` +
          `${offset} to ${offset + size}`,
      );
    }
    return bytes.subarray(offset, offset + size);
  };
}

/** Builds the module from bytes; `external` reads side files. */
export function onnxFromBytes(
  bytes: Uint8Array,
  options: LoadOnnxOptions = {},
  external?: ExternalReader,
): OnnxModule {
  checkOptions("loadOnnx", options, KEYS);
  const given = options.externalData;
  const reader = external ?? (given === undefined ? undefined : sideFiles((location) => {
    const file = given[location];
    if (file === undefined) {
      throw new OnnxDataError(
        `the model's weights are in "${location}", which options.externalData does not hold ` +
          `(it has ${JSON.stringify(Object.keys(given))})`,
      );
    }
    return file;
  }));
  const model = decodeModel(bytes);
  return new OnnxModule(buildProgram(model, reader), model);
}

/**
 * Imports an ONNX model (opsets 7 to 17) as a trainable module whose parameters are named after
 * the ONNX initializers. Refuses, in one error listing every node, a model with ops or
 * attributes edgegrad does not support. The module starts in evaluation mode.
 * @example
 * const model = await io.loadOnnx("models/mnist_cnn.onnx");
 * const logits = model(tensor(pixels, { shape: [1, 1, 28, 28] })); // [1, 10]
 * model.train(); // fine-tune: new optim.Adam(model.parameters(), { lr: 1e-4 })
 */
export async function loadOnnx(
  pathOrBytes: PathLike | Uint8Array,
  options: LoadOnnxOptions = {},
): Promise<OnnxModule> {
  checkOptions("loadOnnx", options, KEYS);
  await onnxReady();
  if (pathOrBytes instanceof Uint8Array) return onnxFromBytes(pathOrBytes, options);
  const path = pathString(pathOrBytes);
  const bytes = await readFileNamed(path, "ONNX model");
  const cut = path.lastIndexOf("/");
  const dir = cut < 0 ? "." : path.slice(0, cut) || "/";
  const external = options.externalData === undefined
    ? sideFiles((location) => Deno.readFileSync(`${dir}/${location}`))
    : undefined;
  return onnxFromBytes(bytes, options, external);
}
