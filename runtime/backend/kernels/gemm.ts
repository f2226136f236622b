/** The call of the packed GEMM kernel (assembly/gemm.ts) over operands at byte pointers. */
import { backend } from "../backend.ts";
import { callKernel } from "../dispatch.ts";

/**
 * C = op(A)·op(B) (+ C when accumulate) (+ bias) (then relu), for row-major operands at byte
 * pointers; A is M×K (K×M when transA), B is K×N (N×K when transB). With packedA, `a` is op(A)
 * packed by gemmPackA (transA is then ignored).
 */
export function gemmKernel(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  a: number,
  b: number,
  c: number,
  options: { accumulate?: boolean; bias?: number; relu?: boolean; packedA?: boolean } = {},
): void {
  if (M === 0 || N === 0) return;
  const be = backend();
  if (K === 0) {
    if (!options.accumulate) callKernel("fillF32", c, M * N, 0);
    return;
  }
  const workspace = be.workspace(callKernel("gemmWorkspaceBytes", M, N, K));
  callKernel(
    "gemm",
    options.packedA ? 2 : transA ? 1 : 0,
    transB ? 1 : 0,
    M,
    N,
    K,
    a,
    transA ? M : K,
    b,
    transB ? K : N,
    c,
    N,
    options.accumulate ? 1 : 0,
    options.bias ?? 0,
    options.relu ? 1 : 0,
    0,
    M,
    workspace,
  );
}
