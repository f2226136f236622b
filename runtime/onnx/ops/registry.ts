/** Every ONNX op edgegrad imports, by op type (default domain). */
import type { OpTable } from "../op.ts";
import { activationOps } from "./activation.ts";
import { elementwiseOps } from "./elementwise.ts";
import { lossOps } from "./loss.ts";
import { nnOps } from "./nn.ts";
import { recurrentOps } from "./recurrent.ts";
import { reduceOps } from "./reduce.ts";
import { shapeOps } from "./shape.ts";

/** The op table the loader checks nodes against. */
export const OPS: OpTable = {
  ...elementwiseOps,
  ...activationOps,
  ...nnOps,
  ...lossOps,
  ...reduceOps,
  ...recurrentOps,
  ...shapeOps,
};
