/**
 * Finding, compiling and instantiating the kernel module. The relaxed-SIMD build is used where the
 * engine validates it, the plain-SIMD build otherwise; `EDGEGRAD_BUILD=simd` (or `relaxed`) forces
 * one under Deno. Edge workers and browsers hand in an already compiled `WebAssembly.Module`.
 */
import type { KernelExports } from "./bindings/mod.ts";

/** Which of the two kernel builds is running. */
export type KernelBuild = "relaxed" | "simd";

/**
 * The smallest module that uses a relaxed-SIMD instruction: one function () -> v128 whose body is
 * f32x4.relaxed_madd of three zero constants. Engines without relaxed SIMD reject it.
 */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b]; // no locals, madd, end
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: () -> v128
    ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
    ...[0x0a, body.length + 2, 0x01, body.length, ...body], // code section
  ]);
}

/** True when this engine runs relaxed SIMD (f32x4.relaxed_madd). */
export function supportsRelaxedSimd(): boolean {
  return WebAssembly.validate(relaxedProbe());
}

/** The build to use here: forced by EDGEGRAD_BUILD under Deno, else relaxed where supported. */
export function preferredBuild(): KernelBuild {
  const forced = typeof Deno !== "undefined" ? Deno.env.get("EDGEGRAD_BUILD") : undefined;
  if (forced === "relaxed" || forced === "simd") return forced;
  if (forced) throw new Error(`EDGEGRAD_BUILD must be "relaxed" or "simd", got "${forced}"`);
  return supportsRelaxedSimd() ? "relaxed" : "simd";
}

/**
 * URL of a build's .wasm file in this checkout (`deno task build` writes it); `threads` gives the
 * relaxed build on an imported shared memory (`kernels.relaxed-threads.wasm`).
 */
export function kernelFileUrl(build: KernelBuild, threads = false): URL {
  if (threads && build !== "relaxed") {
    throw new Error(
      `edgegrad: threads need the relaxed-SIMD build; this engine or EDGEGRAD_BUILD chose "${build}"`,
    );
  }
  const name = threads ? "relaxed-threads" : build;
  return new URL(`../../build/kernels.${name}.wasm`, import.meta.url);
}

/** Compiles a build's .wasm file from this checkout (Deno only). */
export async function compileKernelFile(
  build: KernelBuild,
  threads = false,
): Promise<WebAssembly.Module> {
  const url = kernelFileUrl(build, threads);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(url);
  } catch (error) {
    throw new Error(
      `edgegrad: cannot read the kernel module ${url.pathname} (${(error as Error).message}); ` +
        "run `npx deno task build` first",
    );
  }
  return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
}

/** Pages (64 KiB) a shared kernel memory starts with, and the most it may grow to (4 GiB). */
const SHARED_INITIAL_PAGES = 256;
const SHARED_MAXIMUM_PAGES = 65536;

/** True when the module imports its memory (the threads build), so threads can share it. */
export function importsMemory(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.kind === "memory");
}

/** A new shared memory for the threads build. */
export function sharedKernelMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({
    initial: SHARED_INITIAL_PAGES,
    maximum: SHARED_MAXIMUM_PAGES,
    shared: true,
  });
}

/**
 * Instantiates a compiled kernel module. The plain builds import nothing; the threads build
 * imports `env.memory`: `memory` when given (a worker joining the pool), else a new shared one.
 */
export function instantiateKernels(
  module: WebAssembly.Module,
  memory?: WebAssembly.Memory,
): KernelExports {
  const imports: WebAssembly.Imports = importsMemory(module)
    ? { env: { memory: memory ?? sharedKernelMemory() } }
    : {};
  const instance = new WebAssembly.Instance(module, imports);
  return instance.exports as unknown as KernelExports;
}
