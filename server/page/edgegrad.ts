/**
 * edgegrad for browsers: the whole host-neutral API with the kernels already loaded. Importing it
 * fetches and compiles the kernel module beside this file (the relaxed-SIMD build where the engine
 * validates it, plain SIMD otherwise) before the importer runs. `deno task bundle:web` bundles it
 * into `out/web/edgegrad.js` with `kernels.relaxed.wasm` and `kernels.simd.wasm`.
 * @example
 * import { io, noGrad, tensor } from "./edgegrad.js";
 * const config = await (await fetch("/models/mnist-cnn/config.json")).json();
 * const weights = new Uint8Array(await (await fetch("/models/mnist-cnn/model.safetensors")).arrayBuffer());
 * const { model } = io.modelFromBytes(config, weights);
 * const logits = noGrad(() => model.call(tensor(pixels).reshape([1, 1, 28, 28])));
 */
import { initBackend, type KernelBuild, supportsRelaxedSimd } from "../../runtime/api.ts";

export * from "../../runtime/api.ts";

/** Compiles a kernel build fetched from `base` (by default the folder this module was loaded from). */
export async function loadKernels(
  build: KernelBuild = supportsRelaxedSimd() ? "relaxed" : "simd",
  base: string | URL = new URL(".", import.meta.url),
): Promise<WebAssembly.Module> {
  const url = new URL(`kernels.${build}.wasm`, base);
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`edgegrad: cannot fetch the kernel module ${url} (HTTP ${response.status})`);
  }
  // Streaming compilation needs the application/wasm content type; fall back to bytes without it.
  if (response.headers.get("content-type")?.startsWith("application/wasm")) {
    return await WebAssembly.compileStreaming(response);
  }
  return await WebAssembly.compile(await response.arrayBuffer());
}

/** The kernel build this page runs. */
export const kernelBuild: KernelBuild = supportsRelaxedSimd() ? "relaxed" : "simd";

initBackend(await loadKernels(kernelBuild));
