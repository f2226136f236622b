/** The compiled kernel module (the relaxed-SIMD build). */
export declare const kernels: WebAssembly.Module;
/** The served model's config.json, parsed. */
export declare const config: unknown;
/**
 * The served model's model.safetensors: bytes under Deno, an ArrayBuffer in the Workers bundle
 * (a Data module).
 */
export declare const weights: Uint8Array | ArrayBuffer;
