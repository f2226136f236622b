/**
 * Recurrent layers: PyTorch's outputs, final states and gradients from PyTorch's state dicts
 * (test/fixtures/seq_reference.json), gradcheck of the cells and of `recurrent`, and the options.
 */
import assert from "node:assert/strict";
import { F, gradcheck, manualSeed, nn, noGrad, randn, type Tensor } from "../runtime/mod.ts";
import { checkAgainstReference, reference } from "./seq_reference.ts";
import { assertClose } from "./helpers.ts";

type Kind = "RNN" | "LSTM" | "GRU";
const recurrentCases: [string, Kind][] = [
  ["rnn_tanh_2layer_bidirectional", "RNN"],
  ["rnn_relu_batch_first_no_state", "RNN"],
  ["lstm_2layer_bidirectional", "LSTM"],
  ["lstm_batch_first_no_bias_no_state", "LSTM"],
  ["gru_2layer_bidirectional", "GRU"],
  ["gru_batch_first", "GRU"],
];

for (const [name, kind] of recurrentCases) {
  Deno.test(`${kind} matches PyTorch ${reference.torch} (${name})`, () => {
    const { inputSize, hiddenSize, ...options } = reference.cases[name].options;
    const module = new nn[kind](inputSize as number, hiddenSize as number, options);
    checkAgainstReference(name, module, ({ input, h0, c0 }) => {
      const { output, h, c } = module.forwardWithState(input, { h: h0, c: c0 });
      const outputs: Record<string, Tensor> = { output, h };
      if (c) outputs.c = c;
      return outputs;
    });
  });
}

Deno.test("RNNCell, LSTMCell and GRUCell match PyTorch", () => {
  for (const name of ["rnn_cell_tanh", "rnn_cell_relu"]) {
    const { inputSize, hiddenSize, ...options } = reference.cases[name].options;
    const cell = new nn.RNNCell(inputSize as number, hiddenSize as number, options);
    checkAgainstReference(name, cell, ({ input, h0 }) => ({ h: cell.forward(input, h0) }));
  }
  const lstm = new nn.LSTMCell(3, 4);
  checkAgainstReference("lstm_cell", lstm, ({ input, h0, c0 }) => {
    const { h, c } = lstm.forwardWithState(input, { h: h0, c: c0 });
    return { h, c };
  });
  const gru = new nn.GRUCell(3, 4);
  checkAgainstReference("gru_cell", gru, ({ input, h0 }) => ({ h: gru.forward(input, h0) }));
});

Deno.test("recurrent cells' gradients match finite differences", () => {
  manualSeed(3);
  const x = randn([2, 3]), h = randn([2, 4]), c = randn([2, 4]);
  for (const gates of [1, 3, 4]) {
    const wIh = randn([gates * 4, 3], { std: 0.5 }), wHh = randn([gates * 4, 4], { std: 0.5 });
    const bIh = randn([gates * 4]), bHh = randn([gates * 4]);
    const cells: ((...t: Tensor[]) => Tensor)[] = gates === 1
      ? [F.rnnTanhCell, F.rnnReluCell]
      : gates === 3
      ? [F.gruCell]
      : [
        (x, h, ...w) => F.lstmCell(x, [h, c], w[0], w[1], w[2], w[3])[0],
        (x, h, ...w) => F.lstmCell(x, [c, h], w[0], w[1], w[2], w[3])[1],
      ];
    for (const cell of cells) gradcheck(cell, [x, h, wIh, wHh, bIh, bHh]);
  }
});

Deno.test("recurrent's gradients match finite differences (2 layers, bidirectional)", () => {
  manualSeed(4);
  for (const mode of ["rnnTanh", "lstm", "gru"] as const) {
    const lstm = mode === "lstm";
    const gates = lstm ? 4 : mode === "gru" ? 3 : 1;
    const weights = [3, 3, 4, 4].map((input) => ({
      weightIh: randn([gates * 2, input], { std: 0.6 }),
      weightHh: randn([gates * 2, 2], { std: 0.6 }),
      biasIh: randn([gates * 2], { std: 0.3 }),
      biasHh: randn([gates * 2], { std: 0.3 }),
    }));
    const flat = weights.flatMap((w) => [w.weightIh, w.weightHh, w.biasIh, w.biasHh]);
    const x = randn([3, 2, 3]), h0 = randn([4, 2, 2]), c0 = randn([4, 2, 2]);
    gradcheck((x, h0, c0, ...w) => {
      const sets = weights.map((_, i) => ({
        weightIh: w[4 * i],
        weightHh: w[4 * i + 1],
        biasIh: w[4 * i + 2],
        biasHh: w[4 * i + 3],
      }));
      const r = F.recurrent(mode, x, sets, h0, lstm ? c0 : null, {
        numLayers: 2,
        bidirectional: true,
      });
      return F.cat([r.output.flatten(), r.h.flatten(), ...(r.c ? [r.c.flatten()] : [])]);
    }, [x, h0, c0, ...flat]);
  }
});

Deno.test("LSTM names its parameters as PyTorch and starts them in U(−1/√hidden, 1/√hidden)", () => {
  const lstm = new nn.LSTM(5, 16, { numLayers: 2, bidirectional: true });
  const names = [...lstm.stateDict().keys()];
  assert.equal(names.length, 16);
  assert.deepEqual(names.slice(4, 8), [
    "weight_ih_l0_reverse",
    "weight_hh_l0_reverse",
    "bias_ih_l0_reverse",
    "bias_hh_l0_reverse",
  ]);
  assert.deepEqual(lstm.stateDict().get("weight_ih_l1")!.shape, [64, 32]);
  const all = lstm.parameters().flatMap((p) => Array.from(p.data()));
  assert.ok(all.every((v) => Math.abs(v) <= 0.25));
  assert.ok(Math.max(...all) > 0.24 && Math.min(...all) < -0.24);
});

Deno.test("unbatched input gives the batched result without the batch dim", () => {
  manualSeed(5);
  const gru = new nn.GRU(3, 4, { numLayers: 2 });
  const x = randn([6, 3]), h0 = randn([2, 4]);
  const single = gru.forwardWithState(x, { h: h0 });
  const batched = gru.forwardWithState(x.unsqueeze(1), { h: h0.unsqueeze(1) });
  assert.deepEqual(single.output.shape, [6, 4]);
  assert.deepEqual(single.h.shape, [2, 4]);
  assertClose(single.output, batched.output, { atol: 0, rtol: 0 });
  assertClose(single.h, batched.h, { atol: 0, rtol: 0 });
});

Deno.test("dropout between layers acts in training only and never after the last layer", () => {
  manualSeed(6);
  const lstm = new nn.LSTM(3, 4, { numLayers: 2, dropout: 1 });
  const x = randn([5, 2, 3]);
  const trained = noGrad(() => lstm.forward(x));
  lstm.eval();
  const evaluated = noGrad(() => lstm.forward(x));
  // With p = 1 the second layer sees zeros: its output is what the biases alone give, the same
  // at every batch element; in eval mode it is not.
  const rows = trained.data() as Float32Array;
  assertClose(rows.slice(0, 4), rows.slice(4, 8), { atol: 0, rtol: 0 });
  assert.notDeepEqual(Array.from(evaluated.data().slice(0, 4)), Array.from(rows.slice(0, 4)));
  const single = new nn.LSTM(3, 4, { dropout: 1 });
  const once = noGrad(() => single.forward(x));
  assert.ok(Array.from(once.data()).some((v) => v !== 0), "no dropout after the last layer");
});

Deno.test("recurrent layers refuse wrong shapes and unknown options with clear errors", () => {
  const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
  assert.throws(() => lstm.forward(randn([5, 2, 7])), /7 features .* inputSize 3/);
  assert.throws(
    () => lstm.forwardWithState(randn([5, 2, 3]), { h: randn([1, 2, 4]) }),
    /h0 should be \[2, 2, 4\]/,
  );
  assert.throws(() => new nn.GRU(3, 4, { numLayer: 2 } as never), /did you mean "numLayers"/);
  assert.throws(() => new nn.RNN(3, 4, { nonlinearity: "sigmoid" as never }), /tanh" or "relu/);
  assert.throws(() => new nn.GRU(3, 0), /hiddenSize must be a positive integer/);
  assert.throws(
    () => new nn.GRU(3, 4).forwardWithState(randn([5, 2, 3]), { c: randn([1, 2, 4]) }),
    /only the LSTM/,
  );
});
