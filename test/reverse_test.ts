/**
 * The reverse example: its data (reversals, layout, held-back sequences never trained on), the
 * exact-match metric against hand-made logits, and a short run whose teacher-forced exact match
 * equals what greedy generation with the cache gets right.
 */
import assert from "node:assert/strict";
import { tensor } from "../runtime/mod.ts";
import {
  ExactMatch,
  reversalData,
  SEPARATOR,
  trainReverse,
  VOCAB_SIZE,
} from "../scripts/examples/reverse.ts";

Deno.test("reversalData: each input is digits, separator, reversal minus its last digit", () => {
  const length = 6;
  const d = reversalData(50, length, 3);
  assert.equal(d.keys.size, 50);
  for (let r = 0; r < d.count; r++) {
    const input = [...d.inputs.subarray(r * 2 * length, (r + 1) * 2 * length)];
    const answer = [...d.answers.subarray(r * length, (r + 1) * length)];
    const digits = input.slice(0, length);
    assert.ok(digits.every((t) => t >= 0 && t <= 9));
    assert.equal(input[length], SEPARATOR);
    assert.deepEqual(answer, [...digits].reverse());
    assert.deepEqual(input.slice(length + 1), answer.slice(0, length - 1));
    assert.ok(d.keys.has(digits.join("")));
  }
});

Deno.test("reversalData: sequences in the excluded (held-back) set are never drawn", () => {
  // Length 3 has only 1,000 sequences: drawing 400 of them from a seed that also drew the
  // held-back 400 would collide often if the exclusion did not work.
  const heldBack = reversalData(400, 3, 1);
  const training = reversalData(400, 3, 1, heldBack.keys);
  for (const key of training.keys) assert.ok(!heldBack.keys.has(key), `${key} drawn twice`);
  assert.throws(() => reversalData(10, 1, 0), /length must be an integer in 2..30, got 1/);
  assert.throws(() => reversalData(600, 3, 0), /more than half of all 1000/);
});

Deno.test("ExactMatch counts the examples whose every answer token is the argmax", () => {
  const length = 2, batch = 3;
  // logits [3, 2·length, vocab]; the answer's logits are positions length..2·length−1.
  const logits = new Float32Array(batch * 2 * length * VOCAB_SIZE);
  const want = [[1, 2], [3, 4], [5, 6]];
  const put = (r: number, position: number, token: number, value: number) =>
    logits[(r * 2 * length + position) * VOCAB_SIZE + token] = value;
  want.forEach((answer, r) => answer.forEach((t, i) => put(r, length + i, t, 5)));
  put(2, length + 1, 7, 6); // row 2's second answer token: 7 beats the right 6
  put(0, 0, 9, 9); // logits before the separator are not scored
  const metric = new ExactMatch();
  metric.update(
    tensor(logits, { shape: [batch, 2 * length, VOCAB_SIZE] }),
    tensor(Int32Array.from(want.flat()), { shape: [batch, length], dtype: "int32" }),
  );
  assert.equal(metric.compute(), 2 / 3);
  metric.reset();
  assert.ok(Number.isNaN(metric.compute()));
});

Deno.test("reverse: a short run reverses most held-back sequences, greedy decoding agreeing", async () => {
  const result = await trainReverse({
    epochs: 3,
    length: 5,
    trainCount: 4000,
    testCount: 300,
    progress: false,
  });
  // Teacher-forced all-argmax-right is exactly greedy-decoding-right (see ExactMatch).
  assert.equal(result.greedyExactMatch, result.exactMatch);
  assert.ok(result.exactMatch >= 0.9, `exact match ${result.exactMatch}`);
});
