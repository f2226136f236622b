// Single-precision GEMM: C = op(A)·op(B) (+ C) (+ bias) (then relu), after Goto/BLIS.
//
// Loops, outermost first: columns of C in blocks of NC; k in blocks of KC, packing
// op(B)[KC×NC] into B̃ (NR-column panels; a B that is not transposed is mostly read in place,
// see `direct`); rows of C in blocks of MC, packing op(A)[MC×KC] into Ã (MR-row panels); then
// every NR-panel of B̃ (kept in L1) against every MR-panel of Ã (kept in L2) through the 4×8
// register-blocked micro-kernel of gemm_micro.ts. Packing turns all four transpose cases into
// the one layout the micro-kernel reads; a caller that multiplies many B by one A can pack A once
// (gemmPackA). Tiles cut by the edge of C go through a small scratch tile so the micro-kernel
// always runs whole, except an edge exactly 4 columns wide, which has a 4×4 micro-kernel. Blocks
// are cut to nearly equal sizes. A matrix of fewer than MR rows goes to gemm_small.ts instead.
import { microKernel, microKernel4, MR, NR } from "./gemm_micro";
import { packA, packB } from "./gemm_pack";
import { gemmSmall } from "./gemm_small";

/** Depth of a packed block (k). */
const KC = 256;
/** Rows of C per packed Ã block (a multiple of MR). */
const MC = 128;
/** Columns of C per packed B̃ block (a multiple of NR). */
const NC = 512;

// @ts-ignore: decorator
@inline
function roundUp(n: i32, to: i32): i32 {
  return (n + to - 1) / to * to;
}

/**
 * The step that cuts n into ceil(n / limit) blocks of nearly equal size, rounded up to a multiple
 * of `unit` (limit is a multiple of unit), so that no block is a thin remainder.
 */
// @ts-ignore: decorator
@inline
function blockStep(n: i32, limit: i32, unit: i32): i32 {
  const blocks = (n + limit - 1) / limit;
  return min(roundUp((n + blocks - 1) / blocks, unit), limit);
}

// @ts-ignore: decorator
@inline
function alignBytes(n: usize): usize {
  return (n + 63) & ~(<usize>63);
}

/** Bytes of scratch a gemm call of this size needs: Ã, B̃ and one edge tile (M < MR: one row). */
export function gemmWorkspaceBytes(M: i32, N: i32, K: i32): usize {
  if (M < MR) return alignBytes(<usize>max(K, 1) << 2);
  const kc = <usize>max(min(K, KC), 1);
  const packedA = alignBytes((<usize>roundUp(max(min(M, MC), 1), MR) * kc) << 2);
  const packedB = alignBytes((<usize>roundUp(max(min(N, NC), 1), NR) * kc) << 2);
  const tile = alignBytes(<usize>(MR * NR) << 2);
  return packedA + packedB + tile;
}

/** Bytes of op(A) [M×K] packed whole by gemmPackA. */
export function gemmPackedABytes(M: i32, K: i32): usize {
  return (<usize>roundUp(max(M, 1), MR) * <usize>max(K, 1)) << 2;
}

/**
 * Packs op(A) [M×K] (transA and lda as gemm's) whole into dst (gemmPackedABytes(M, K) bytes): k
 * block after k block, each as gemm packs it, its MR-row panels one after the other. gemm calls
 * with transA = 2 read it from there, so that a conv packs its weight once, not once per image.
 */
export function gemmPackA(transA: i32, M: i32, K: i32, a: usize, lda: i32, dst: usize): void {
  const kcStep = blockStep(K, KC, 1);
  const rows = <usize>roundUp(M, MR);
  for (let pc = 0; pc < K; pc += kcStep) {
    packA(transA, a, lda, 0, M, pc, min(kcStep, K - pc), dst + ((<usize>pc * rows) << 2));
  }
}

/**
 * C[M×N] = op(A)·op(B) (+ beta·C) (+ bias) (then relu), rows rowStart..rowEnd of C only.
 * op(A) is A[M×K] (lda ≥ K) when transA = 0, or Aᵀ with A stored [K×M] (lda ≥ M) when 1; the same
 * for B ([K×N] or [N×K]). transA = 2: `a` holds op(A) packed by gemmPackA(·, M, K, ...) (lda is
 * unused), and rowStart must be a multiple of 4. beta is 0 (overwrite) or 1 (accumulate). bias: 0
 * or a pointer to N floats added to every row. act: 0 none, 1 relu. workspace:
 * gemmWorkspaceBytes(M, N, K) bytes, 64-aligned. Calls over disjoint row ranges of one product
 * give the bits of one call over all rows (the blocking of k and the small-matrix path follow M
 * and K, not the range).
 * @splitMultipleOf 4
 */
export function gemm(
  transA: i32, transB: i32, M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  beta: f32, bias: usize, act: i32, rowStart: i32, rowEnd: i32, workspace: usize,
): void {
  rowStart = max(rowStart, 0);
  rowEnd = min(rowEnd, M);
  if (rowEnd <= rowStart || N <= 0) return;
  const relu = act == 1;
  const accumulate = beta != 0;
  if (K <= 0) {
    epilogueOnly(N, c, ldc, accumulate, bias, relu, rowStart, rowEnd);
    return;
  }
  const prepacked = transA == 2;
  if (prepacked && M < MR) {
    // One panel, zero-padded to MR rows, whose k blocks follow each other: Aᵀ stored [K×MR].
    transA = 1;
    lda = MR;
  }
  // Chosen by M, not by the row range, so that splitting the rows never changes the arithmetic.
  if (M < MR) {
    gemmSmall(
      transA, transB, N, K, a, lda, b, ldb, c, ldc, accumulate, bias, relu, rowStart, rowEnd,
      workspace,
    );
    return;
  }
  const kcMax = min(K, KC);
  const packedA = workspace;
  const packedB = packedA + alignBytes((<usize>roundUp(min(M, MC), MR) * <usize>kcMax) << 2);
  const tile = packedB + alignBytes((<usize>roundUp(min(N, NC), NR) * <usize>kcMax) << 2);
  const cRow = <usize>ldc << 2;
  const aRows = <usize>roundUp(M, MR);
  const bRow = <usize>ldb << 2;
  // B stored [K×N] already holds the micro-kernel's 8 floats per k side by side, ldb apart: its
  // whole panels are read in place instead of packed (W3's conv GEMMs, 64×196×800 and
  // 32×784×25, went from 45 to 48 and from 41 to 46 GFLOP/s). Not when ldb is a multiple of 512
  // floats: rows 2 KiB apart fall into one or two L1 sets and evict each other (ldb 1024 ran at
  // 23 GFLOP/s in place, 48 packed; 256 and 768 ran faster in place).
  const direct = transB == 0 && (ldb & 511) != 0;
  const ncStep = blockStep(N, NC, NR);
  const kcStep = blockStep(K, KC, 1);
  const mcStep = blockStep(rowEnd - rowStart, MC, MR);
  for (let jc = 0; jc < N; jc += ncStep) {
    const nc = min(ncStep, N - jc);
    for (let pc = 0; pc < K; pc += kcStep) {
      const kc = min(kcStep, K - pc);
      // The first k-block starts from C (beta = 1) or zero and adds the bias; later ones add to C.
      const fromC = pc > 0 || accumulate;
      const biasBlock = pc == 0 ? bias : 0;
      const reluBlock = relu && pc + kc == K;
      if (direct) {
        // Only a last panel narrower than NR is packed (with zeros), at the start of B̃.
        const whole = nc & ~(NR - 1);
        if (whole < nc) packB(0, b, ldb, pc, kc, jc + whole, nc - whole, packedB);
      } else {
        packB(transB, b, ldb, pc, kc, jc, nc, packedB);
      }
      for (let ic = rowStart; ic < rowEnd; ic += mcStep) {
        const mc = min(mcStep, rowEnd - ic);
        const pa0 = prepacked ? a + ((<usize>pc * aRows + <usize>ic * <usize>kc) << 2) : packedA;
        if (!prepacked) packA(transA, a, lda, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          let pb = packedB + ((<usize>jr * <usize>kc) << 2);
          let pbStride = <usize>NR << 2;
          if (direct) {
            pb = cols == NR ? b + <usize>pc * bRow + (<usize>(jc + jr) << 2) : packedB;
            pbStride = cols == NR ? bRow : pbStride;
          }
          const biasTile = biasBlock != 0 ? biasBlock + (<usize>(jc + jr) << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const pa = pa0 + ((<usize>ir * <usize>kc) << 2);
            const ct = c + <usize>(ic + ir) * cRow + (<usize>(jc + jr) << 2);
            if (rows == MR && cols == NR) {
              microKernel(kc, pa, pb, pbStride, ct, cRow, fromC, biasTile, reluBlock);
            } else if (rows == MR && cols == 4) {
              microKernel4(kc, pa, pb, pbStride, ct, cRow, fromC, biasTile, reluBlock);
            } else {
              edgeTile(kc, pa, pb, pbStride, ct, cRow, rows, cols, fromC, biasTile, reluBlock, tile);
            }
          }
        }
      }
    }
  }
}

/** A tile cut by the edge of C: run the whole micro-kernel on a scratch tile, copy back the part. */
function edgeTile(
  kc: i32, pa: usize, pb: usize, pbStride: usize, c: usize, cRow: usize, rows: i32, cols: i32,
  fromC: bool, bias: usize, relu: bool, tile: usize,
): void {
  const tileRow = <usize>NR << 2;
  for (let r = 0; r < MR; r++) {
    for (let j = 0; j < NR; j++) {
      let value: f32 = 0;
      if (r < rows && j < cols) {
        if (fromC) value = load<f32>(c + <usize>r * cRow + (<usize>j << 2));
        if (bias != 0) value += load<f32>(bias + (<usize>j << 2));
      }
      store<f32>(tile + <usize>r * tileRow + (<usize>j << 2), value);
    }
  }
  microKernel(kc, pa, pb, pbStride, tile, tileRow, true, 0, relu);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      store<f32>(
        c + <usize>r * cRow + (<usize>j << 2),
        load<f32>(tile + <usize>r * tileRow + (<usize>j << 2)),
      );
    }
  }
}

/** K = 0: C = beta·C + bias, then the activation. */
function epilogueOnly(
  N: i32, c: usize, ldc: i32, accumulate: bool, bias: usize, relu: bool,
  rowStart: i32, rowEnd: i32,
): void {
  for (let i = rowStart; i < rowEnd; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < N; j++) {
      const at = row + (<usize>j << 2);
      let value: f32 = accumulate ? load<f32>(at) : 0;
      if (bias != 0) value += load<f32>(bias + (<usize>j << 2));
      store<f32>(at, relu ? max(value, 0) : value);
    }
  }
}
