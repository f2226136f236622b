/** Gradient-check cases of the ops behind graph convolution, keyed by their name in F. */
import { F, randn, tensor } from "../../runtime/mod.ts";
import type { GradcheckCase } from "./case.ts";

const int = (values: number[] | number[][]) => tensor(values, { dtype: "int32" });

/** COO coordinates of a 4 × 5 matrix with a repeated entry (1, 3) and an empty row 2. */
const coordinates = () => int([[0, 1, 1, 3, 1, 0], [4, 3, 0, 2, 3, 0]]);

export const graphCases: Record<string, GradcheckCase[]> = {
  indexAdd: [
    {
      label: "indexAdd dim 0 with a repeated index",
      inputs: () => [randn([4, 3]), randn([5, 3])],
      f: (x, source) => F.indexAdd(x, 0, int([2, 0, 2, 3, 2]), source),
    },
    {
      label: "indexAdd dim 1 of a 3-D tensor",
      inputs: () => [randn([2, 5, 3]), randn([2, 2, 3])],
      f: (x, source) => F.indexAdd(x, 1, int([4, 1]), source),
    },
    {
      label: "indexAdd dim -1, source used twice",
      inputs: () => [randn([3, 4])],
      f: (x) => F.indexAdd(x, -1, int([3, 3]), F.narrow(x, 1, 0, 2)),
    },
  ],
  sparseMatmul: [
    {
      label: "sparseMatmul [4, 5] · [5, 3], values and dense",
      inputs: () => [randn([6]), randn([5, 3])],
      f: (values, dense) =>
        F.sparseMatmul({ indices: coordinates(), values, shape: [4, 5] }, dense),
    },
    {
      label: "sparseMatmul with no entries",
      inputs: () => [randn([3, 2])],
      f: (dense) =>
        F.add(
          F.sparseMatmul({ indices: int([[], []]), values: tensor([]), shape: [2, 3] }, dense),
          F.sum(dense),
        ),
    },
  ],
};
