/**
 * One side of `bench threads`, run in a fresh process per thread count (EDGEGRAD_THREADS is read
 * at import): W1's three GEMM products at n = 512 (median ms per call; B refilled outside the
 * timing) and W2, W3, W4 training as `bench train` times them. Prints one JSON line.
 */
import { manualSeed, numThreads, randn, scope, threadsReady } from "../../runtime/mod.ts";
import { median } from "./tfjs_peer.ts";
import { oursW2, oursW3, oursW4 } from "./train.ts";

await threadsReady();
const N = 512;
const CALLS = 30;

/** Median ms of CALLS calls of one product, after 5 untimed ones. */
function gemmMs(transA: boolean, transB: boolean): number {
  manualSeed(1);
  const a = randn([N, N]);
  const times: number[] = [];
  for (let i = 0; i < CALLS + 5; i++) {
    scope(() => {
      const b = randn([N, N]);
      const start = performance.now();
      const left = transA ? a.transpose(0, 1) : a;
      const right = transB ? b.transpose(0, 1) : b;
      left.matmul(right);
      if (i >= 5) times.push(performance.now() - start);
    });
  }
  a.dispose();
  return median(times);
}

const gemm = { ab: gemmMs(false, false), abT: gemmMs(false, true), aTb: gemmMs(true, false) };
const w2 = oursW2();
const w3 = oursW3();
const w4 = oursW4();
console.log(JSON.stringify({
  threads: numThreads(),
  gemm,
  w2: (w2.steps * 128) / w2.seconds,
  w3: (w3.steps * 64) / w3.seconds,
  w4: (w4.seconds * 1000) / w4.steps,
}));
