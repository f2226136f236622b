/**
 * Graphs for graph convolution. A `Graph` holds the adjacency A of N nodes normalised once as Kipf
 * and Welling do, Â = D^{-1/2}(A + I)D^{-1/2} with D the row sums of A + I, either dense [N, N] or
 * as the list of Â's non-zeros (self loops included); `propagate` multiplies node features by Â.
 */
import { Tensor } from "../tensor.ts";
import { firstNonFinite } from "../backend/kernels/fill.ts";
import { keep } from "../backend/scope.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { eye, tensor } from "../ops/creation.ts";
import { add, mul, pow } from "../ops/arithmetic.ts";
import { argmin, min, sum } from "../ops/reduce.ts";
import { unsqueeze } from "../ops/shape_ops.ts";
import { matmul } from "../ops/matmul.ts";
import { sparseMatmul } from "../ops/sparse_matmul.ts";
import { formatShape } from "../shape.ts";

/** Numbers per edge: a JS array or typed array, or a 1-D tensor. */
export type EdgeValues = ArrayLike<number> | Tensor;

/** A graph as a COO edge list: edge k goes from node rows[k] to node cols[k] (A[rows[k], cols[k]]). */
export interface EdgeList {
  /** The row of A (source node) of each edge, in 0..numNodes−1. */
  rows: EdgeValues;
  /** The column of A (target node) of each edge, in 0..numNodes−1. */
  cols: EdgeValues;
  /** Each edge's weight, finite and non-negative (default 1); repeated edges add up. */
  values?: EdgeValues;
  /** N, the number of nodes (nodes without edges count). */
  numNodes: number;
  /** Also add every edge reversed (a self edge once), for an undirected graph listed one way. */
  undirected?: boolean;
}

function numbersOf(what: string, values: EdgeValues): ArrayLike<number> {
  if (!(values instanceof Tensor)) return values;
  if (values.ndim !== 1) {
    throw new Error(`Graph.fromEdges: ${what} must be 1-D, got shape ${formatShape(values.shape)}`);
  }
  return values.data();
}

/** Reads and checks an edge list; returns the edges (reversed ones added) as plain arrays. */
function readEdges(edges: EdgeList): { rows: number[]; cols: number[]; values: number[] } {
  const n = edges.numNodes;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Graph.fromEdges: numNodes must be a positive integer, got ${n}`);
  }
  const rows = numbersOf("rows", edges.rows), cols = numbersOf("cols", edges.cols);
  const values = edges.values === undefined ? null : numbersOf("values", edges.values);
  if (rows.length !== cols.length || (values !== null && values.length !== rows.length)) {
    throw new Error(
      `Graph.fromEdges: rows has ${rows.length} entries, cols ${cols.length}` +
        `${values === null ? "" : ` and values ${values.length}`}; give one entry per edge in each`,
    );
  }
  const out = { rows: [] as number[], cols: [] as number[], values: [] as number[] };
  const checkNode = (name: string, k: number, node: number) => {
    if (!Number.isInteger(node) || node < 0 || node >= n) {
      throw new RangeError(
        `Graph.fromEdges: ${name}[${k}] = ${node} is not a node index (numNodes is ${n}: ` +
          `valid 0..${n - 1})`,
      );
    }
  };
  for (let k = 0; k < rows.length; k++) {
    checkNode("rows", k, rows[k]);
    checkNode("cols", k, cols[k]);
    const value = values === null ? 1 : values[k];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `Graph.fromEdges: values[${k}] = ${value}; edge weights must be finite and non-negative`,
      );
    }
    out.rows.push(rows[k]);
    out.cols.push(cols[k]);
    out.values.push(value);
    if (edges.undirected && rows[k] !== cols[k]) {
      out.rows.push(cols[k]);
      out.cols.push(rows[k]);
      out.values.push(value);
    }
  }
  return out;
}

/** Checks a dense adjacency: float32 (int32 converted), square, finite, non-negative. */
function checkedDense(adjacency: Tensor | readonly (readonly number[])[]): Tensor {
  const a = adjacency instanceof Tensor ? adjacency : tensor(adjacency as unknown as number[][]);
  if (a.ndim !== 2 || a.shape[0] !== a.shape[1] || a.shape[0] === 0) {
    throw new Error(
      `Graph.fromDense: the adjacency must be a square matrix [N, N] with N ≥ 1, got shape ` +
        formatShape(a.shape),
    );
  }
  const values = a.dtype === "int32" ? a.float() : a.detach();
  const n = a.shape[0];
  const position = (flat: number) => `[${Math.floor(flat / n)}, ${flat % n}]`;
  const bad = firstNonFinite(values);
  if (bad >= 0) {
    throw new RangeError(
      `Graph.fromDense: the adjacency holds ${values.data()[bad]} at ${position(bad)}; ` +
        "edge weights must be finite and non-negative",
    );
  }
  const least = noGrad(() => min(values).item());
  if (least < 0) {
    const where = noGrad(() => argmin(values).item());
    throw new RangeError(
      `Graph.fromDense: the adjacency holds ${least} at ${position(where)}; edge weights ` +
        "must be finite and non-negative",
    );
  }
  return values;
}

/**
 * Â · x for a normalised adjacency given as tensors: a float32 [N, N] matrix, or the int32 [2, M]
 * coordinates of its non-zeros with their float32 [M] values (`edgeWeight`). x is [N, features];
 * the result too. Differentiable in x (and in the adjacency's values).
 * @example propagate(x, graph.adjacency, graph.edgeWeight)
 */
export function propagate(x: Tensor, adjacency: Tensor, edgeWeight: Tensor | null = null): Tensor {
  if (x.ndim !== 2) {
    throw new Error(
      `propagate: node features must be 2-D [nodes, features], got shape ${formatShape(x.shape)}`,
    );
  }
  const n = x.shape[0];
  if (adjacency.dtype === "int32") {
    if (edgeWeight === null) {
      throw new Error(
        "propagate: a sparse adjacency (int32 coordinates [2, M]) needs its normalised edge " +
          "weights [M]; build it with nn.Graph.fromEdges and pass the graph",
      );
    }
    return sparseMatmul({ indices: adjacency, values: edgeWeight, shape: [n, n] }, x);
  }
  if (edgeWeight !== null) {
    throw new Error(
      `propagate: edge weights come with sparse coordinates (int32 [2, M]), but the adjacency ` +
        `is a ${adjacency.dtype} tensor of shape ${formatShape(adjacency.shape)}`,
    );
  }
  if (adjacency.ndim !== 2 || adjacency.shape[0] !== n || adjacency.shape[1] !== n) {
    throw new Error(
      `propagate: the adjacency has shape ${formatShape(adjacency.shape)} but the features ` +
        `${formatShape(x.shape)} are for ${n} nodes; expected [${n}, ${n}]`,
    );
  }
  return matmul(adjacency, x);
}

/**
 * A graph's normalised adjacency Â = D^{-1/2}(A + I)D^{-1/2}, built once and constant (no
 * gradient flows into it). Its tensors are exempt from scopes; `dispose()` frees them.
 * @example
 * const graph = Graph.fromEdges({ rows: [0, 1], cols: [1, 2], numNodes: 3, undirected: true });
 * const smoothed = graph.propagate(features); // [3, f]
 */
export class Graph {
  private constructor(
    /** N. */
    readonly numNodes: number,
    /** Â as float32 [N, N] (dense), or the int32 [2, M] rows and columns of its non-zeros. */
    readonly adjacency: Tensor,
    /** The float32 [M] values of Â's non-zeros for a sparse graph; null for a dense one. */
    readonly edgeWeight: Tensor | null,
  ) {}

  /**
   * From a dense adjacency A [N, N] (a tensor or nested arrays; weights finite and non-negative).
   * @example Graph.fromDense([[0, 1, 0], [1, 0, 1], [0, 1, 0]]) // the path 0 – 1 – 2
   */
  static fromDense(adjacency: Tensor | readonly (readonly number[])[]): Graph {
    const a = checkedDense(adjacency);
    const normalized = noGrad(() => {
      const withLoops = add(a, eye(a.shape[0]));
      const inverseRoot = pow(sum(withLoops, 1), -0.5);
      return mul(mul(unsqueeze(inverseRoot, 1), withLoops), unsqueeze(inverseRoot, 0));
    });
    return new Graph(a.shape[0], keep(normalized), null);
  }

  /**
   * From a COO edge list (see `EdgeList`); Â keeps one entry per edge and one self loop per node.
   * @example Graph.fromEdges({ rows: [0, 1], cols: [1, 2], numNodes: 3, undirected: true })
   */
  static fromEdges(edges: EdgeList): Graph {
    const { rows, cols, values } = readEdges(edges);
    const n = edges.numNodes, e = rows.length, m = e + n;
    const degree = new Float64Array(n).fill(1);
    for (let k = 0; k < e; k++) degree[rows[k]] += values[k];
    const coordinates = new Int32Array(2 * m), weights = new Float32Array(m);
    for (let k = 0; k < m; k++) {
      const [r, c, v] = k < e ? [rows[k], cols[k], values[k]] : [k - e, k - e, 1];
      coordinates[k] = r;
      coordinates[m + k] = c;
      weights[k] = v / Math.sqrt(degree[r] * degree[c]);
    }
    return new Graph(
      n,
      keep(tensor(coordinates, { shape: [2, m] })),
      keep(tensor(weights)),
    );
  }

  /** True when Â is kept as a list of non-zeros. */
  get isSparse(): boolean {
    return this.edgeWeight !== null;
  }

  /** Â · x for node features x [N, features]. */
  propagate(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[0] !== this.numNodes) {
      throw new Error(
        `Graph.propagate: the graph has ${this.numNodes} nodes but the features have shape ` +
          `${formatShape(x.shape)}; expected [${this.numNodes}, features]`,
      );
    }
    return propagate(x, this.adjacency, this.edgeWeight);
  }

  /** Â as a new dense float32 [N, N] tensor. */
  toDense(): Tensor {
    if (this.edgeWeight === null) return this.adjacency.alias(this.adjacency.shape);
    const n = this.numNodes, indices = this.adjacency, values = this.edgeWeight;
    return noGrad(() => sparseMatmul({ indices, values, shape: [n, n] }, eye(n)));
  }

  /** Frees Â's tensors; the graph cannot be used afterwards. */
  dispose(): void {
    this.adjacency.dispose();
    this.edgeWeight?.dispose();
  }

  /** `using graph = Graph.fromEdges(...)` frees it at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
