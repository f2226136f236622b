/**
 * `deno task graph-conv`: semi-supervised node classification on a stochastic block model. Four
 * communities of 100 nodes, edges far likelier inside a community than across; each node's
 * features are a weak, noisy one-hot of its community; 5 labelled nodes per class. A two-layer
 * GCN (nn.GraphConv over the sparse normalised adjacency) and an MLP of the same width train on the
 * same features and split; the table gives their test accuracy over five seeds, and pictures show
 * the curves and the graph laid out by each model's hidden layer.
 */
import {
  F,
  manualSeed,
  nn,
  noGrad,
  optim,
  rand,
  randn,
  scope,
  type Tensor,
  tensor,
  viz,
} from "../../runtime/mod.ts";

/** Options of the generated graph and its split. */
export interface BlockModelOptions {
  communities?: number;
  nodesPerCommunity?: number;
  /** Probability of an edge between two nodes of the same community. */
  pIn?: number;
  /** Probability of an edge between two nodes of different communities. */
  pOut?: number;
  /** Feature dimensions (the first `communities` carry the signal). */
  features?: number;
  /** Height of the one-hot signal over unit Gaussian noise. */
  signal?: number;
  /** Labelled (training) and validation nodes per community; the rest are test nodes. */
  labelledPerCommunity?: number;
  validationPerCommunity?: number;
}

/** The example's setting: features alone classify about 44% of the nodes right (chance: 25%). */
export const blockModelDefaults: Required<BlockModelOptions> = {
  communities: 4,
  nodesPerCommunity: 100,
  pIn: 0.05,
  pOut: 0.005,
  features: 16,
  signal: 1.5,
  labelledPerCommunity: 5,
  validationPerCommunity: 20,
};

/** A generated graph: community labels, node features, undirected edges and the split. */
export interface BlockModel {
  numNodes: number;
  communities: number;
  labels: Int32Array;
  /** [numNodes, features]. */
  features: Tensor;
  /** Each undirected edge once, as [i, j] with i < j. */
  edges: [number, number][];
  train: number[];
  validation: number[];
  test: number[];
}

/** Nodes 0..n−1 in a random order drawn from the seeded generator. */
function shuffled(n: number): number[] {
  const keys = rand([n]).data();
  return [...keys.keys()].sort((a, b) => keys[a] - keys[b]);
}

/**
 * A stochastic block model with noisy one-hot features: node i is in community
 * i mod communities; features = signal · onehot(community) + N(0, 1) noise. Random numbers come
 * from the runtime's generator (`manualSeed` fixes them).
 */
export function stochasticBlockModel(options: BlockModelOptions = {}): BlockModel {
  const { communities, pIn, pOut, signal } = { ...blockModelDefaults, ...options };
  const numNodes = communities *
    (options.nodesPerCommunity ?? blockModelDefaults.nodesPerCommunity);
  const featureCount = options.features ?? blockModelDefaults.features;
  const labels = Int32Array.from({ length: numNodes }, (_, i) => i % communities);
  const draws = rand([numNodes, numNodes]).data();
  const edges: [number, number][] = [];
  for (let i = 0; i < numNodes; i++) {
    for (let j = i + 1; j < numNodes; j++) {
      if (draws[i * numNodes + j] < (labels[i] === labels[j] ? pIn : pOut)) edges.push([i, j]);
    }
  }
  const values = randn([numNodes, featureCount]).data() as Float32Array;
  for (let i = 0; i < numNodes; i++) values[i * featureCount + labels[i]] += signal;
  const features = tensor(values, { shape: [numNodes, featureCount] });
  const labelled = options.labelledPerCommunity ?? blockModelDefaults.labelledPerCommunity;
  const validating = options.validationPerCommunity ?? blockModelDefaults.validationPerCommunity;
  const split = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  const seen = new Array(communities).fill(0);
  for (const node of shuffled(numNodes)) {
    const rank = seen[labels[node]]++;
    const part = rank < labelled ? "train" : rank < labelled + validating ? "validation" : "test";
    split[part].push(node);
  }
  for (const part of Object.values(split)) part.sort((a, b) => a - b);
  return { numNodes, communities, labels, features, edges, ...split };
}

/** A node classifier of two layers whose hidden layer (after ReLU) can be read for pictures. */
export abstract class TwoLayerClassifier extends nn.Module {
  constructor(readonly dropout: number) {
    super();
  }
  /** Hidden activations [nodes, hidden]. */
  abstract hidden(x: Tensor): Tensor;
  /** Logits from hidden activations. */
  abstract output(h: Tensor): Tensor;
  forward(x: Tensor): Tensor {
    const h = F.dropout(this.hidden(F.dropout(x, this.drop())), this.drop());
    return this.output(h);
  }
  private drop() {
    return { p: this.dropout, training: this.training };
  }
}

/** Two GraphConv layers (Kipf & Welling's GCN) bound to the graph they classify the nodes of. */
export class Gcn extends TwoLayerClassifier {
  conv1: nn.GraphConv;
  conv2: nn.GraphConv;
  constructor(readonly graph: nn.Graph, features: number, hidden: number, classes: number) {
    super(0.5);
    this.conv1 = new nn.GraphConv(features, hidden);
    this.conv2 = new nn.GraphConv(hidden, classes);
  }
  hidden(x: Tensor): Tensor {
    return F.relu(this.conv1.call(x, this.graph));
  }
  output(h: Tensor): Tensor {
    return this.conv2.call(h, this.graph);
  }
}

/** Two Linear layers: the same classifier without the edges. */
export class Mlp extends TwoLayerClassifier {
  fc1: nn.Linear;
  fc2: nn.Linear;
  constructor(features: number, hidden: number, classes: number) {
    super(0.5);
    this.fc1 = new nn.Linear(features, hidden);
    this.fc2 = new nn.Linear(hidden, classes);
  }
  hidden(x: Tensor): Tensor {
    return F.relu(this.fc1.call(x));
  }
  output(h: Tensor): Tensor {
    return this.fc2.call(h);
  }
}

/** Per-epoch curves of one training run, and the test accuracy at the best validation epoch. */
export interface NodeRun {
  /** Cross-entropy on the labelled nodes, with dropout (as trained). */
  trainLoss: number[];
  /** Cross-entropy on the validation nodes, in evaluation mode. */
  validationLoss: number[];
  validationAccuracy: number[];
  testAccuracy: number[];
  /** The epoch (from 1) with the best validation accuracy (the earliest on ties). */
  bestEpoch: number;
  /** Test accuracy at bestEpoch. */
  accuracy: number;
  /** Predicted classes of every node at bestEpoch, and the hidden activations [nodes, hidden]. */
  predictions: Int32Array;
  hidden: Float32Array;
}

function accuracyOn(predictions: Int32Array, labels: Int32Array, nodes: readonly number[]): number {
  return nodes.filter((node) => predictions[node] === labels[node]).length / nodes.length;
}

/**
 * Full-batch training, as Kipf & Welling: Adam (lr 0.01, weight decay 5e-4), dropout 0.5,
 * cross-entropy on the labelled nodes only; each epoch ends with an evaluation of every node.
 */
export function trainNodeClassifier(
  model: TwoLayerClassifier,
  data: BlockModel,
  { epochs = 200 } = {},
): NodeRun {
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01, weightDecay: 5e-4 });
  const trainNodes = tensor(data.train, { dtype: "int32" });
  const trainLabels = tensor(data.train.map((node) => data.labels[node]), { dtype: "int32" });
  const validationNodes = tensor(data.validation, { dtype: "int32" });
  const validationLabels = tensor(data.validation.map((node) => data.labels[node]), {
    dtype: "int32",
  });
  const run: NodeRun = {
    trainLoss: [],
    validationLoss: [],
    validationAccuracy: [],
    testAccuracy: [],
    bestEpoch: 0,
    accuracy: 0,
    predictions: new Int32Array(0),
    hidden: new Float32Array(0),
  };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const loss = scope(() => {
      optimizer.zeroGrad();
      const logits = F.indexSelect(model.call(data.features), 0, trainNodes);
      const loss = F.crossEntropy(logits, trainLabels);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
    model.eval();
    // In evaluation mode dropout is the identity, so output(hidden(x)) is the model's output.
    const evaluation = noGrad(() => {
      const hidden = model.hidden(data.features);
      const logits = model.output(hidden);
      const loss = F.crossEntropy(F.indexSelect(logits, 0, validationNodes), validationLabels);
      return {
        predictions: logits.argmax(1).data() as Int32Array,
        hidden: hidden.data() as Float32Array,
        loss: loss.item(),
      };
    });
    const validation = accuracyOn(evaluation.predictions, data.labels, data.validation);
    run.trainLoss.push(loss);
    run.validationLoss.push(evaluation.loss);
    run.validationAccuracy.push(validation);
    run.testAccuracy.push(accuracyOn(evaluation.predictions, data.labels, data.test));
    if (validation > (run.validationAccuracy[run.bestEpoch - 1] ?? -1)) {
      run.bestEpoch = epoch;
      run.predictions = evaluation.predictions;
      run.hidden = evaluation.hidden;
    }
  }
  run.accuracy = run.testAccuracy[run.bestEpoch - 1];
  return run;
}

/** One seed: a new graph, split and initialisation; the GCN and the MLP trained on it. */
export function compareOnSeed(
  seed: number,
  { epochs = 200, hidden = 16, ...graphOptions }: BlockModelOptions & {
    epochs?: number;
    hidden?: number;
  } = {},
): { data: BlockModel; graph: nn.Graph; gcn: NodeRun; mlp: NodeRun } {
  manualSeed(seed);
  const data = stochasticBlockModel(graphOptions);
  const graph = nn.Graph.fromEdges({
    rows: data.edges.map(([i]) => i),
    cols: data.edges.map(([, j]) => j),
    numNodes: data.numNodes,
    undirected: true,
  });
  const features = data.features.shape[1];
  const gcn = trainNodeClassifier(
    new Gcn(graph, features, hidden, data.communities),
    data,
    { epochs },
  );
  const mlp = trainNodeClassifier(new Mlp(features, hidden, data.communities), data, { epochs });
  return { data, graph, gcn, mlp };
}

/** The first two principal components of rows × columns values, as [x, y] per row. */
export function principalPlane(values: Float32Array, rows: number): [number, number][] {
  const columns = values.length / rows;
  const mean = new Float64Array(columns);
  for (let i = 0; i < values.length; i++) mean[i % columns] += values[i] / rows;
  const centred = Float64Array.from(values, (v, i) => v - mean[i % columns]);
  const covariance = new Float64Array(columns * columns);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < columns; a++) {
      for (let b = 0; b < columns; b++) {
        covariance[a * columns + b] += centred[r * columns + a] * centred[r * columns + b];
      }
    }
  }
  // Power iteration for the leading eigenvector, then again with it projected out.
  const components: Float64Array[] = [];
  for (let k = 0; k < 2; k++) {
    let v = Float64Array.from({ length: columns }, (_, i) => 1 + i / columns);
    for (let step = 0; step < 200; step++) {
      for (const u of components) {
        const dot = v.reduce((s, x, i) => s + x * u[i], 0);
        v = v.map((x, i) => x - dot * u[i]);
      }
      const next = new Float64Array(columns);
      for (let a = 0; a < columns; a++) {
        for (let b = 0; b < columns; b++) next[a] += covariance[a * columns + b] * v[b];
      }
      const norm = Math.hypot(...next) || 1;
      v = next.map((x) => x / norm);
    }
    components.push(v);
  }
  return Array.from({ length: rows }, (_, r) => {
    const row = centred.subarray(r * columns, (r + 1) * columns);
    const [u, w] = components;
    return [row.reduce((s, x, i) => s + x * u[i], 0), row.reduce((s, x, i) => s + x * w[i], 0)];
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
const gcnColor = "#4e79a7", mlpColor = "#f28e2b";

async function drawPictures(first: ReturnType<typeof compareOnSeed>): Promise<void> {
  const { data, gcn, mlp } = first;
  const folder = "out/graph-conv";
  await viz.plotLines(
    [
      { name: "GCN training (dropout)", y: gcn.trainLoss, color: gcnColor, width: 1 },
      { name: "MLP training (dropout)", y: mlp.trainLoss, color: mlpColor, width: 1 },
      { name: "GCN validation", y: gcn.validationLoss, color: gcnColor, dashed: true },
      { name: "MLP validation", y: mlp.validationLoss, color: mlpColor, dashed: true },
    ],
    `${folder}/loss.png`,
    { title: "cross-entropy, seed 0", xLabel: "epoch", yScale: "log" },
  );
  await viz.plotLines(
    [
      { name: "GCN validation", y: gcn.validationAccuracy, color: gcnColor },
      { name: "MLP validation", y: mlp.validationAccuracy, color: mlpColor },
      { name: "GCN test", y: gcn.testAccuracy, color: gcnColor, dashed: true },
      { name: "MLP test", y: mlp.testAccuracy, color: mlpColor, dashed: true },
    ],
    `${folder}/accuracy.png`,
    { title: "accuracy on unlabelled nodes, seed 0", xLabel: "epoch" },
  );
  const features = data.features.data() as Float32Array;
  const wrong = (run: NodeRun) =>
    data.test.filter((node) => run.predictions[node] !== data.labels[node]);
  const common = { edges: data.edges, squares: data.train };
  await viz.plotGraphLayout(
    [
      {
        title: "input features (PCA), true classes",
        positions: principalPlane(features, data.numNodes),
        classes: data.labels,
        ...common,
      },
      {
        title: `MLP hidden layer (PCA), epoch ${mlp.bestEpoch}: test ${percent(mlp.accuracy)}`,
        positions: principalPlane(mlp.hidden, data.numNodes),
        classes: mlp.predictions,
        outlined: wrong(mlp),
        ...common,
      },
      {
        title: `GCN hidden layer (PCA), epoch ${gcn.bestEpoch}: test ${percent(gcn.accuracy)}`,
        positions: principalPlane(gcn.hidden, data.numNodes),
        classes: gcn.predictions,
        outlined: wrong(gcn),
        ...common,
      },
    ],
    `${folder}/graph.png`,
    {
      title: "stochastic block model: nodes coloured by class (predicted in the right two panels)",
      classNames: Array.from({ length: data.communities }, (_, c) => `community ${c}`),
      squaresLabel: "labelled (training) node",
      outlinedLabel: "wrong test prediction",
      // 1,260 pixels wide: hundreds of nodes and edges make a large PNG at the default 2×.
      scale: 1,
    },
  );
  console.log(`wrote ${folder}/loss.png, ${folder}/accuracy.png, ${folder}/graph.png`);
}

if (import.meta.main) {
  const seeds = [0, 1, 2, 3, 4];
  const started = performance.now();
  const runs = seeds.map((seed) => compareOnSeed(seed));
  const { data } = runs[0];
  console.log(
    `stochastic block model: ${data.numNodes} nodes in ${data.communities} communities, ` +
      `p_in ${blockModelDefaults.pIn}, p_out ${blockModelDefaults.pOut}, ` +
      `${blockModelDefaults.features} features (one-hot × ${blockModelDefaults.signal} + N(0, 1)); ` +
      `${data.train.length} labelled, ${data.validation.length} validation, ` +
      `${data.test.length} test nodes; 200 epochs, test accuracy at the best validation epoch`,
  );
  console.log("| seed | edges | MLP test | GCN test |");
  console.log("| ---: | ----: | -------: | -------: |");
  runs.forEach(({ data, mlp, gcn }, i) =>
    console.log(
      `| ${seeds[i]} | ${data.edges.length} | ${percent(mlp.accuracy)} | ${
        percent(gcn.accuracy)
      } |`,
    )
  );
  const mlpAccuracies = runs.map((r) => r.mlp.accuracy),
    gcnAccuracies = runs.map((r) => r.gcn.accuracy);
  console.log(
    `| mean ± std | | ${percent(mean(mlpAccuracies))} ± ${percent(std(mlpAccuracies))} | ` +
      `${percent(mean(gcnAccuracies))} ± ${percent(std(gcnAccuracies))} |`,
  );
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s of training)`);
  await drawPictures(runs[0]);
}
