/** `GraphConv`: Kipf and Welling's graph convolution, Â·X·Wᵀ + b. */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { registerModule } from "./registry.ts";
import { Graph, propagate } from "./graph.ts";
import { uniform, zeros } from "../ops/creation.ts";
import { linear } from "../ops/matmul.ts";
import { add } from "../ops/arithmetic.ts";
import { formatShape } from "../shape.ts";
import { LINEAR_KEYS, type LinearOptions } from "./linear.ts";
import { checkOptions } from "../options.ts";

function checkSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`GraphConv: ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Graph convolution (Kipf & Welling, 2017): y = Â·x·Wᵀ + b, with Â the graph's normalised
 * adjacency D^{-1/2}(A + I)D^{-1/2} (see `Graph`). Input [N, inFeatures] (one row per node),
 * output [N, outFeatures]. The weight [outFeatures, inFeatures] starts Glorot-uniform,
 * U(±√(6 / (inFeatures + outFeatures))), and the bias at zero, as in Kipf's code and PyTorch
 * Geometric's GCNConv. The product runs in the cheaper order: Â·(x·Wᵀ) when the layer narrows
 * the features, (Â·x)·Wᵀ otherwise.
 * @example
 * const graph = nn.Graph.fromEdges({ rows, cols, numNodes: 400, undirected: true });
 * const conv = new nn.GraphConv(16, 32);
 * const h = conv.call(features, graph); // [400, 16] → [400, 32]
 */
export class GraphConv extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const { bias = true } = checkOptions("GraphConv", options, LINEAR_KEYS);
    checkSize("inFeatures", inFeatures);
    checkSize("outFeatures", outFeatures);
    const bound = Math.sqrt(6 / (inFeatures + outFeatures));
    this.weight = parameter(uniform([outFeatures, inFeatures], -bound, bound));
    this.bias = bias ? parameter(zeros([outFeatures])) : null;
  }

  /**
   * Runs the layer on node features x [N, inFeatures] over a `Graph` (or Â as tensors: a dense
   * float32 [N, N], or int32 [2, M] coordinates with their `edgeWeight` [M]); the forward hooks
   * see Â's tensors after x.
   */
  override call(x: Tensor, graph: Graph | Tensor, edgeWeight?: Tensor): Tensor {
    this.checkFeatures(x, graph);
    const [adjacency, weights] = graph instanceof Graph
      ? [graph.adjacency, graph.edgeWeight ?? undefined]
      : [graph, edgeWeight];
    return weights === undefined ? super.call(x, adjacency) : super.call(x, adjacency, weights);
  }

  forward(x: Tensor, adjacency: Graph | Tensor, edgeWeight?: Tensor): Tensor {
    this.checkFeatures(x, adjacency);
    const [a, weights] = adjacency instanceof Graph
      ? [adjacency.adjacency, adjacency.edgeWeight]
      : [adjacency, edgeWeight ?? null];
    if (this.outFeatures < this.inFeatures) {
      const h = propagate(linear(x, this.weight), a, weights);
      return this.bias === null ? h : add(h, this.bias);
    }
    return linear(propagate(x, a, weights), this.weight, this.bias);
  }

  /** Node features must be [nodes, inFeatures], with as many nodes as a `Graph` has. */
  private checkFeatures(x: Tensor, graph: Graph | Tensor): void {
    const nodes = graph instanceof Graph ? graph.numNodes : x.shape[0];
    if (x.ndim !== 2 || x.shape[1] !== this.inFeatures || x.shape[0] !== nodes) {
      throw new Error(
        `GraphConv: the node features have shape ${formatShape(x.shape)} but the layer expects ` +
          `[${graph instanceof Graph ? nodes : "nodes"}, ${this.inFeatures}]` +
          (graph instanceof Graph ? ` (the graph has ${nodes} nodes)` : ""),
      );
    }
  }

  override toConfig(): ModuleConfig {
    return {
      type: "GraphConv",
      options: {
        inFeatures: this.inFeatures,
        outFeatures: this.outFeatures,
        bias: this.bias !== null,
      },
    };
  }
}

registerModule(
  "GraphConv",
  ({ options: o = {} }) =>
    new GraphConv(o.inFeatures as number, o.outFeatures as number, { bias: o.bias as boolean }),
);
