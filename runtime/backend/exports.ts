/**
 * The raw exports of the kernel module (`assembly/index.ts`), as TypeScript sees them.
 *
 * Every pointer is a byte offset into the module's linear memory; f32 arrays are 4-byte aligned
 * (the allocator gives 64). Sizes are element counts. Kernels never allocate: scratch space is passed
 * in. `rowStart`/`rowEnd` (or the like) give the slice of the output a call computes, so a scheduler
 * can later split one call across threads that share the memory.
 */
import type { ConvExports } from "./exports_conv.ts";
import type { NnExports } from "./exports_nn.ts";

export interface KernelExports extends ConvExports, NnExports {
  memory: WebAssembly.Memory;
  /** First free byte after the module's static data. */
  heapBase(): number;
  /** 1 for the relaxed-SIMD build, 0 for the plain-SIMD build. */
  isRelaxedBuild(): number;

  // ---- fill and casts (assembly/fill.ts) ----
  /** out[i] = value. */
  fillF32(out: number, n: number, value: number): void;
  /** out[i] = start + i * step. */
  arangeF32(out: number, n: number, start: number, step: number): void;
  /** out[i] = f32(x[i]) for an i32 array x. */
  castI32ToF32(x: number, out: number, n: number): void;
  /** out[i] = i32(trunc(x[i])) for an f32 array x. */
  castF32ToI32(x: number, out: number, n: number): void;
  /** Index of the first non-finite f32 in x[0..n), or -1. */
  findNonFinite(x: number, n: number): number;

  // ---- GEMM (assembly/gemm.ts) ----
  /**
   * C[M×N] = op(A)·op(B) (+ beta·C) (+ bias) (then activation), rows rowStart..rowEnd of C only.
   * op(A) is A[M×K] (lda ≥ K) when transA = 0, or Aᵀ with A stored [K×M] (lda ≥ M) when 1;
   * the same for B ([K×N] or [N×K]). transA = 2: `a` is op(A) packed by gemmPackA (lda unused).
   * beta is 0 (overwrite) or 1 (accumulate into C).
   * bias: 0 for none, else a pointer to N floats added to every row. act: 0 none, 1 relu.
   * workspace: at least gemmWorkspaceBytes(M, N, K) bytes, 64-byte aligned.
   */
  gemm(
    transA: number,
    transB: number,
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    beta: number,
    bias: number,
    act: number,
    rowStart: number,
    rowEnd: number,
    workspace: number,
  ): void;
  /** Bytes of scratch a gemm call of this size needs. */
  gemmWorkspaceBytes(M: number, N: number, K: number): number;
  /**
   * Packs op(A) [M×K] (transA and lda as gemm's) whole into dst, gemmPackedABytes(M, K) bytes,
   * for gemm calls that pass it with transA = 2 (rowStart then a multiple of 4): one packing for
   * many products with the same A.
   */
  gemmPackA(transA: number, M: number, K: number, a: number, lda: number, dst: number): void;
  /** Bytes of op(A) [M×K] packed by gemmPackA. */
  gemmPackedABytes(M: number, K: number): number;

  // ---- elementwise (assembly/elementwise.ts) ----
  /** out[i] = f(x[i]; alpha, beta) for the UnaryOp code `op`. */
  unaryF32(op: number, x: number, out: number, n: number, alpha: number, beta: number): void;
  /**
   * out = f(a, b) with numpy broadcasting, for the BinaryOp code `op`.
   * shape, stridesA, stridesB: pointers to `rank` i32 each (output shape and element strides of
   * a and b, 0 where broadcast); rank ≥ 1; out is contiguous.
   */
  binaryF32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    stridesA: number,
    stridesB: number,
    alpha: number,
    beta: number,
  ): void;
  /** out = cond != 0 ? a : b with broadcasting (strides as in binaryF32; cond is f32). */
  whereF32(
    cond: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    stridesCond: number,
    stridesA: number,
    stridesB: number,
  ): void;

  // ---- reductions and softmax (assembly/reduce.ts, assembly/softmax.ts) ----
  /**
   * x viewed as [outer, size, inner]; out[o, i] = reduce over the middle axis, for the ReduceOp code.
   * ArgMax/ArgMin write i32 indices (first occurrence); the others write f32.
   */
  reduceF32(op: number, x: number, out: number, outer: number, size: number, inner: number): void;
  /** Max-subtracted softmax (log = 0) or log-softmax (log = 1) over the middle of [outer, size, inner]. */
  softmaxF32(x: number, out: number, outer: number, size: number, inner: number, log: number): void;
  /**
   * Backward of softmaxF32 given its output y and upstream g:
   * softmax: gx = y·(g − Σ g·y); log-softmax: gx = g − exp(y)·Σ g.
   */
  softmaxBackwardF32(
    g: number,
    y: number,
    out: number,
    outer: number,
    size: number,
    inner: number,
    log: number,
  ): void;

  // ---- copies and indexing (assembly/copy.ts, assembly/gather.ts) ----
  /**
   * dst[multi-index] = src[multi-index] over `shape` (rank i32s), with per-tensor element strides
   * (i32 arrays). Works for f32 and i32 alike (copies 4-byte words).
   */
  copyStrided(
    src: number,
    dst: number,
    rank: number,
    shape: number,
    srcStrides: number,
    dstStrides: number,
  ): void;
  /**
   * x [outer, sizeX, inner], index i32 [outer, sizeIndex, inner] → out [outer, sizeIndex, inner],
   * out[o,j,i] = x[o, index[o,j,i], i]. Returns -1, or the flat position of the first index outside
   * [0, sizeX) (nothing is written past it).
   */
  gatherF32(
    x: number,
    index: number,
    out: number,
    outer: number,
    sizeX: number,
    sizeIndex: number,
    inner: number,
  ): number;
  /** Adjoint of gatherF32: out[o, index[o,j,i], i] += g[o,j,i]. out must be zeroed first. */
  scatterAddF32(
    g: number,
    index: number,
    out: number,
    outer: number,
    sizeOut: number,
    sizeIndex: number,
    inner: number,
  ): number;
  /**
   * x [outer, sizeX, inner], index i32 [count] → out [outer, count, inner],
   * out[o,j,i] = x[o, index[j], i]. Returns -1 or the position in index of the first bad entry.
   */
  indexSelectF32(
    x: number,
    index: number,
    out: number,
    outer: number,
    sizeX: number,
    count: number,
    inner: number,
  ): number;
  /** Adjoint of indexSelectF32: out[o, index[j], i] += g[o,j,i]. out must be zeroed first. */
  indexAddF32(
    g: number,
    index: number,
    out: number,
    outer: number,
    sizeOut: number,
    count: number,
    inner: number,
  ): number;

  // ---- random numbers (assembly/random.ts) ----
  /** Reseeds the module's generator (a 64-bit seed split into two 32-bit halves). */
  seedRandom(low: number, high: number): void;
  /** out[i] ~ U[low, high). */
  randomUniformF32(out: number, n: number, low: number, high: number): void;
  /** out[i] ~ N(mean, std²). */
  randomNormalF32(out: number, n: number, mean: number, std: number): void;
  /** Writes the generator state (4 u32) at ptr, so that a run can be resumed. */
  getRandomState(ptr: number): void;
  /** Restores the generator state written by getRandomState. */
  setRandomState(ptr: number): void;

  // ---- fused optimizer updates (assembly/optim.ts) ----
  /**
   * PyTorch SGD for one parameter of n elements: g' = g + weightDecay·p; with momentum,
   * buf = firstStep ? g' : momentum·buf + (1 − dampening)·g', and the step direction is
   * nesterov ? g' + momentum·buf : buf; p −= lr·direction.
   */
  sgdStepF32(
    param: number,
    grad: number,
    momentumBuffer: number,
    n: number,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: number,
    firstStep: number,
  ): void;
  /**
   * PyTorch Adam (decoupled = 0: L2 added to the gradient) or AdamW (decoupled = 1:
   * p *= 1 − lr·weightDecay). m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
   * p −= lr · (m / biasCorrection1) / (sqrt(v / biasCorrection2) + eps).
   */
  adamStepF32(
    param: number,
    grad: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: number,
    biasCorrection1: number,
    biasCorrection2: number,
  ): void;
  /**
   * adamStepF32 with AMSGrad: after the moments, vMax = max(vMax, v) (NaN propagates), and vMax
   * takes v's place: p −= lr · (m / biasCorrection1) / (sqrt(vMax / biasCorrection2) + eps).
   */
  adamAmsgradStepF32(
    param: number,
    grad: number,
    m: number,
    v: number,
    vMax: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: number,
    biasCorrection1: number,
    biasCorrection2: number,
  ): void;
  /**
   * PyTorch RMSprop for one parameter of n elements: g' = g + weightDecay·p;
   * s = α·s + (1 − α)·g'²; centered (≠ 0): a = α·a + (1 − α)·g', avg = sqrt(s − a²), else
   * avg = sqrt(s); avg += eps. momentum > 0: buf = momentum·buf + g'/avg, p −= lr·buf;
   * otherwise p −= lr·g'/avg. gradAvg is used only when centered, momentumBuffer only with
   * momentum (pass 0 otherwise).
   */
  rmspropStepF32(
    param: number,
    grad: number,
    squareAvg: number,
    gradAvg: number,
    momentumBuffer: number,
    n: number,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
    centered: number,
  ): void;
  /**
   * PyTorch Adagrad for one parameter of n elements at step t ≥ 1: g' = g + weightDecay·p;
   * sum += g'²; p −= clr·g' / (sqrt(sum) + eps) with clr = lr / (1 + (t − 1)·lrDecay).
   */
  adagradStepF32(
    param: number,
    grad: number,
    sum: number,
    n: number,
    lr: number,
    lrDecay: number,
    eps: number,
    weightDecay: number,
    step: number,
  ): void;
}

/** Opcodes of unaryF32. alpha/beta are the op's scalar parameters where it has them. */
export const UnaryOp = {
  Copy: 0,
  Neg: 1,
  Abs: 2,
  Exp: 3,
  Log: 4,
  Sqrt: 5,
  Relu: 6,
  /** alpha = negative slope */
  LeakyRelu: 7,
  Sigmoid: 8,
  Tanh: 9,
  /** log(1 + e^x), computed stably */
  Softplus: 10,
  /** exact (erf) GELU, as PyTorch's default */
  Gelu: 11,
  /** alpha */
  Elu: 12,
  Silu: 13,
  /** x^alpha */
  PowScalar: 14,
  /** x + alpha */
  AddScalar: 15,
  /** x * alpha */
  MulScalar: 16,
  /** min(max(x, alpha), beta); pass ±Infinity for a missing bound */
  Clamp: 17,
  Square: 18,
  Reciprocal: 19,
  Sign: 20,
  Log1p: 21,
  /** alpha - x */
  RsubScalar: 22,
  /** alpha / x */
  RdivScalar: 23,
} as const;

/** Opcodes of binaryF32: forward ops, comparisons (1/0 as f32), and gradient helpers. */
export const BinaryOp = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  /** a^b */
  Pow: 4,
  Maximum: 5,
  Minimum: 6,
  Eq: 7,
  Ne: 8,
  Lt: 9,
  Le: 10,
  Gt: 11,
  Ge: 12,
  /** stable binary cross-entropy with logits a and targets b: max(a,0) − a·b + log1p(e^−|a|) */
  BceWithLogits: 13,
  /** gradient helpers: a = upstream gradient g, b = the op's input x (or output y where noted) */
  ReluGrad: 32,
  /** alpha = slope */
  LeakyReluGrad: 33,
  /** b = y = sigmoid(x): g·y·(1−y) */
  SigmoidGrad: 34,
  /** b = y = tanh(x): g·(1−y²) */
  TanhGrad: 35,
  /** g·sigmoid(x) */
  SoftplusGrad: 36,
  GeluGrad: 37,
  /** alpha */
  EluGrad: 38,
  SiluGrad: 39,
  /** g·sign(x) */
  AbsGrad: 40,
  /** g where alpha ≤ x ≤ beta, else 0 */
  ClampGrad: 41,
  /** g·alpha·x^(alpha−1) */
  PowScalarGrad: 42,
  /** a = x (logits), b = target: sigmoid(x) − target */
  BceWithLogitsGrad: 43,
} as const;

/** Opcodes of reduceF32. */
export const ReduceOp = {
  Sum: 0,
  Mean: 1,
  Max: 2,
  Min: 3,
  /** i32 output */
  ArgMax: 4,
  /** i32 output */
  ArgMin: 5,
  /** max-shifted log Σ exp */
  LogSumExp: 6,
  Prod: 7,
} as const;
