/** The optimizer comparison, run short: same start for all seven, and each lowers the loss. */
import assert from "node:assert/strict";
import {
  compareOptimizers,
  comparisonTable,
  OPTIMIZERS,
  trailingMean,
} from "../scripts/examples/optimizers.ts";

Deno.test("trailingMean: by hand, and a clear error for a bad window", () => {
  assert.deepEqual(trailingMean([4, 2, 6, 0, 1], 2), [4, 3, 4, 3, 0.5]);
  assert.deepEqual(trailingMean([4, 2, 6, 0, 1], 3), [4, 3, 4, 8 / 3, 7 / 3]);
  assert.deepEqual(trailingMean([1, 2], 1), [1, 2]);
  assert.throws(() => trailingMean([1], 0), /window must be a positive integer, got 0/);
});

Deno.test("compareOptimizers: 40 steps from the same weights; every optimizer lowers the loss", async () => {
  const comparison = await compareOptimizers({
    trainLimit: 640,
    testLimit: 200,
    epochs: 1,
    batchSize: 16,
    window: 10,
  });
  assert.deepEqual(comparison.runs.map((r) => r.name), OPTIMIZERS.map((o) => o.name));
  const firstLosses = comparison.runs.map((r) => r.stepLosses[0]);
  // The first batch loss is computed before any update: bit-identical when the start is shared.
  for (const [i, loss] of firstLosses.entries()) {
    assert.equal(loss, firstLosses[0], `${comparison.runs[i].name} starts elsewhere`);
  }
  for (const run of comparison.runs) {
    assert.equal(run.stepLosses.length, 40, run.name);
    assert.ok(
      run.trainLoss < 0.5 * comparison.initialTrainLoss,
      `${run.name}: training loss ${comparison.initialTrainLoss} → ${run.trainLoss}`,
    );
    assert.ok(
      run.finalLoss < run.stepLosses[0],
      `${run.name}: last ten steps average ${run.finalLoss}, first step ${run.stepLosses[0]}`,
    );
    assert.ok(run.testAccuracy > 0.6, `${run.name}: test accuracy ${run.testAccuracy}`);
  }
  const table = comparisonTable(comparison);
  assert.equal(table.split("\n").length, 1 + OPTIMIZERS.length);
  assert.match(table, /^Nesterov\s+0\.03\s/m);
});
