// The dispatch point: every kernel call passes through it, and a dispatcher that splits each call
// by its generated split range into several calls over disjoint slices gives the bits of the
// whole call, through a full training step (the property a thread pool is built on).
import assert from "node:assert/strict";
import { F, manualSeed, nn, optim, randn, scope, type Tensor, tensor } from "../runtime/mod.ts";
import { type Dispatcher, type KernelName, setDispatcher } from "../runtime/backend/dispatch.ts";
import type { ElementSplit, KernelRange } from "../runtime/backend/bindings/mod.ts";

/** Runs `fn` with `dispatcher` installed, restoring the previous one after. */
function withDispatcher<T>(dispatcher: Dispatcher, fn: () => T): T {
  const previous = setDispatcher(dispatcher);
  try {
    return fn();
  } finally {
    setDispatcher(previous);
  }
}

/** Splits every call with a split range into `parts` calls over consecutive slices, in order. */
function splitting(parts: number, seen: Map<string, number>): Dispatcher {
  return {
    run(name, args, range: KernelRange | undefined, direct, elements?: ElementSplit) {
      seen.set(name, (seen.get(name) ?? 0) + 1);
      if (range === undefined && elements !== undefined) {
        // Elementwise: slices of whole multiples of 16 elements, pointers (not 0) advanced.
        const n = args[elements.count];
        const step = Math.ceil(n / parts / 16) * 16;
        if (step <= 0) return direct(args);
        let result: number | void = undefined;
        for (let from = 0; from < n; from += step) {
          const slice = [...args];
          for (const p of elements.pointers) if (slice[p] !== 0) slice[p] += from * 4;
          slice[elements.count] = Math.min(step, n - from);
          result = direct(slice);
        }
        seen.set(`${name} split`, (seen.get(`${name} split`) ?? 0) + 1);
        return result;
      }
      if (range === undefined) return direct(args);
      const start = args[range.start];
      const end = args[range.end];
      const step = Math.ceil((end - start) / parts / range.multipleOf) * range.multipleOf;
      if (step <= 0) return direct(args);
      let result: number | void = undefined;
      for (let from = start; from < end; from += step) {
        const slice = [...args];
        slice[range.start] = from;
        slice[range.end] = Math.min(from + step, end);
        result = direct(slice);
      }
      return result;
    },
  };
}

/** Bits of a float32 tensor, for exact comparison (NaN patterns included). */
function bits(t: Tensor): number[] {
  return Array.from(new Uint32Array((t.data() as Float32Array).slice().buffer));
}

/**
 * One Adam step of a small CNN that uses every split kernel family (conv, transposed conv,
 * batch norm, max/avg/adaptive pooling, GEMM), from fixed seeds; returns the loss, the input's
 * gradient and every parameter after the step, as bits.
 */
function trainingStep(): number[][] {
  manualSeed(11);
  const model = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.ConvTranspose2d(8, 6, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    new nn.AvgPool2d(2),
    new nn.AdaptiveAvgPool2d([3, 3]),
    new nn.Flatten(),
    new nn.Linear(54, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  return scope(() => {
    const x = randn([5, 3, 12, 12], { requiresGrad: true });
    const target = tensor([1, 3, 5, 7, 9], { dtype: "int32" });
    const loss = F.crossEntropy(model.call(x), target);
    loss.backward();
    opt.step();
    return [bits(loss), bits(x.grad!), ...model.parameters().map(bits)];
  });
}

Deno.test("every kernel call of a training step passes through the dispatch point", () => {
  const seen = new Map<string, number>();
  const pass: Dispatcher = {
    run(name: KernelName, args, _range, direct) {
      seen.set(name, (seen.get(name) ?? 0) + 1);
      return direct(args);
    },
  };
  withDispatcher(pass, trainingStep);
  for (
    const name of [
      "gemm",
      "im2colF32",
      "col2imF32",
      "batchNormStatsF32",
      "batchNormBackwardF32",
      "maxPool2dF32",
      "maxPool2dBackwardF32",
      "avgPool2dF32",
      "adaptiveAvgPool2dF32",
      "softmaxF32",
      "adamStepF32",
    ]
  ) {
    assert.ok((seen.get(name) ?? 0) > 0, `${name} went through the dispatcher`);
  }
});

Deno.test("splitting every kernel call by its range gives the bits of whole calls", () => {
  const whole = trainingStep();
  for (const parts of [2, 3, 7]) {
    const seen = new Map<string, number>();
    const split = withDispatcher(splitting(parts, seen), trainingStep);
    assert.equal(split.length, whole.length);
    split.forEach((values, i) => assert.deepEqual(values, whole[i], `tensor ${i}, ${parts} parts`));
    assert.ok((seen.get("gemm") ?? 0) > 0 && (seen.get("col2imF32") ?? 0) > 0);
    assert.ok((seen.get("unaryF32 split") ?? 0) > 0 && (seen.get("adamStepF32 split") ?? 0) > 0);
  }
});

Deno.test("a splitting dispatcher that breaks a slice boundary is caught by the bits check", () => {
  // A dispatcher that skips the last row of every split call must change the result: the check
  // above can fail.
  const whole = trainingStep();
  const dropping: Dispatcher = {
    run(_name, args, range, direct) {
      if (range === undefined || args[range.end] - args[range.start] < 2) return direct(args);
      const slice = [...args];
      slice[range.end] = args[range.end] - 1;
      return direct(slice);
    },
  };
  const broken = withDispatcher(dropping, trainingStep);
  assert.notDeepEqual(broken, whole);
});
