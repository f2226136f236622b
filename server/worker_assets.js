// @ts-self-types="./worker_assets.d.ts"
/**
 * What the edge worker imports besides code: the kernel module, compiled by the host as the module
 * graph loads (Workers refuse to compile wasm bytes at run time; the source-phase import works in
 * workerd, on Cloudflare and in Deno), and the model's config and weights. `bundle:worker` puts
 * its own version of this module in each bundle: the config of the model directory it is given
 * inlined, and the weights imported from a `model.safetensors` beside the bundle (as a Data module
 * for Workers, which refuse import attributes; as bytes for Deno). JavaScript because TypeScript
 * cannot parse `import source` yet; the types are in worker_assets.d.ts.
 */
import source kernels from "../build/kernels.relaxed.wasm";
import config from "../models/mnist-cnn/config.json" with { type: "json" };
import weights from "../models/mnist-cnn/model.safetensors" with { type: "bytes" };

export { config, kernels, weights };
