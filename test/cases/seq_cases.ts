/** Gradient-check cases of the sequence ops (recurrent cells, attention, RMSNorm), keyed by name in F. */
import { F, randn, tensor } from "../../runtime/mod.ts";
import type { GradcheckCase } from "./case.ts";

/** x [2, 3], h [2, 2] and weights for `gates` stacked gate blocks of hidden size 2. */
const cellInputs = (gates: number) => () => [
  randn([2, 3]),
  randn([2, 2]),
  randn([gates * 2, 3], { std: 0.6 }),
  randn([gates * 2, 2], { std: 0.6 }),
  randn([gates * 2], { std: 0.3 }),
  randn([gates * 2], { std: 0.3 }),
];

export const seqCases: Record<string, GradcheckCase[]> = {
  rnnTanhCell: [{ label: "rnnTanhCell", inputs: cellInputs(1), f: F.rnnTanhCell }],
  rnnReluCell: [{ label: "rnnReluCell", inputs: cellInputs(1), f: F.rnnReluCell }],
  gruCell: [{ label: "gruCell", inputs: cellInputs(3), f: F.gruCell }],
  lstmCell: [{
    label: "lstmCell, h' and c' together",
    inputs: () => [...cellInputs(4)(), randn([2, 2])],
    f: (x, h, wIh, wHh, bIh, bHh, c) => {
      const [hNext, cNext] = F.lstmCell(x, [h, c], wIh, wHh, bIh, bHh);
      return F.cat([hNext, cNext], 1);
    },
  }],
  recurrent: [{
    label: "recurrent GRU, 3 steps, no biases",
    inputs: () => [randn([3, 2, 3]), randn([6, 3], { std: 0.6 }), randn([6, 2], { std: 0.6 })],
    f: (x, weightIh, weightHh) =>
      F.recurrent("gru", x, [{ weightIh, weightHh, biasIh: null, biasHh: null }], null, null)
        .output,
  }],
  scaledDotProductAttention: [{
    label: "scaledDotProductAttention with a boolean mask",
    inputs: () => [randn([2, 3, 4]), randn([2, 4, 4]), randn([2, 4, 2])],
    f: (q, k, v) =>
      F.scaledDotProductAttention(q, k, v, {
        attnMask: tensor([[1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 1]], { dtype: "int32" }),
      }),
  }],
  rmsNorm: [{
    label: "rmsNorm over the last dim with a weight",
    inputs: () => [randn([3, 4]), randn([4])],
    f: (x, w) => F.rmsNorm(x, 4, w),
  }],
};
