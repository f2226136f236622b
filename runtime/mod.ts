/**
 * edgegrad's public entry under Deno: loads the kernel module (the relaxed-SIMD build where the
 * engine has it, else plain SIMD; `EDGEGRAD_BUILD` forces one) and exports the whole API.
 * `EDGEGRAD_THREADS=n` (n > 1) loads the relaxed build on shared memory and runs kernels on n
 * threads (see setNumThreads).
 * @example
 * import { F, randn, tensor, toDot } from "./runtime/mod.ts";
 * const x = randn([64, 784]);
 * const w = randn([784, 10], { requiresGrad: true });
 * const labels = tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10), { dtype: "int32" });
 * const loss = F.crossEntropy(x.matmul(w), labels);
 * loss.backward(); // w.grad now holds dloss/dw
 */
import { hasBackend, initBackend } from "./backend/backend.ts";
import { compileKernelFile, preferredBuild } from "./backend/module.ts";
import { setNumThreads, threadsFromEnvironment } from "./backend/threads/pool.ts";

export * from "./api.ts";
export * as viz from "./viz/mod.ts";

const threads = threadsFromEnvironment();
if (!hasBackend()) initBackend(await compileKernelFile(preferredBuild(), threads > 1));
if (threads > 1) setNumThreads(threads);
