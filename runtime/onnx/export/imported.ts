/**
 * Writing an imported model back: its own graph as the file gave it, with each parameter and
 * running statistic replaced by the module's current values (after fine-tuning, say) and every
 * initializer stored inline.
 */
import type { OnnxModule } from "../module.ts";
import type { ModelProto, TensorProto } from "../proto.ts";
import { DataType, HostTensor, typeName } from "../value.ts";
import { tensorProto } from "./graph_builder.ts";
import { OnnxExportError } from "./registry.ts";

function hostProto(name: string, value: HostTensor): TensorProto {
  const d = value.data;
  switch (value.dtype) {
    case DataType.INT64:
      return tensorProto(name, value.shape, value.dtype, BigInt64Array.from(d, (v) => BigInt(v)));
    case DataType.INT32:
      return tensorProto(name, value.shape, value.dtype, Int32Array.from(d));
    case DataType.INT8:
      return tensorProto(name, value.shape, value.dtype, Int8Array.from(d));
    case DataType.UINT8:
    case DataType.BOOL:
      return tensorProto(name, value.shape, value.dtype, Uint8Array.from(d));
  }
  throw new OnnxExportError(
    `saveOnnx: initializer '${name}' is ${typeName(value.dtype)}, which the writer cannot store ` +
      "inline; keep the original file's external data beside it instead",
  );
}

/** The model `module` was imported from, with its current weights. */
export function importedModel(module: OnnxModule): ModelProto {
  const source = module.exportSource();
  if (source === null) {
    throw new OnnxExportError(
      "saveOnnx: this OnnxModule was not built from a file, so there is no graph to write back",
    );
  }
  const state = module.stateDict();
  const initializers = source.model.graph.initializers.map((init): TensorProto => {
    const current = state.get(init.name);
    if (current !== undefined) {
      const values = current.data() as Float32Array;
      if (init.dataType === DataType.FLOAT) {
        return tensorProto(init.name, init.dims, DataType.FLOAT, values);
      }
      if (init.dataType === DataType.DOUBLE) {
        return tensorProto(init.name, init.dims, DataType.DOUBLE, Float64Array.from(values));
      }
      throw new OnnxExportError(
        `saveOnnx: parameter '${init.name}' is stored as ${typeName(init.dataType)} in the ` +
          "original file; the writer stores float and double weights",
      );
    }
    if (init.dataLocation !== 1) return init;
    const value = source.constants.get(init.name);
    if (!(value instanceof HostTensor)) {
      throw new OnnxExportError(`saveOnnx: initializer '${init.name}' has no value to write`);
    }
    return hostProto(init.name, value);
  });
  return {
    ...source.model,
    producerName: "edgegrad",
    graph: { ...source.model.graph, initializers },
  };
}
