/** Model directories, checkpoints that resume training exactly, atomic writes, random state. */
import assert from "node:assert/strict";
import { F, manualSeed, nn, optim, randn, type Tensor, tensor } from "../runtime/mod.ts";
import {
  decodeSafetensors,
  getRandomState,
  load,
  loadCheckpoint,
  loadSafetensors,
  modelFromBytes,
  save,
  saveCheckpoint,
  saveSafetensors,
  setRandomState,
  writeFileAtomic,
} from "../runtime/io/mod.ts";
import { values } from "./helpers.ts";

function mlp(): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(6, 16),
    new nn.ReLU(),
    new nn.Linear(16, 8),
    new nn.ReLU(),
    new nn.Linear(8, 3),
  );
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "edgegrad_io_" });
}

Deno.test("save / load: a Sequential of Linear and ReLU gives identical outputs", async () => {
  manualSeed(3);
  const model = mlp();
  const dir = `${await tempDir()}/model`;
  const written = await save(model, dir, {
    inputShape: [6],
    labels: ["a", "b", "c"],
    preprocessing: { mean: 0.5, std: 2 },
    metadata: { accuracy: 0.97 },
  });
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  assert.deepEqual(config, written);
  assert.equal(config.format, "edgegrad");
  assert.equal(config.version, 1);
  assert.deepEqual(config.architecture, model.toConfig());
  assert.deepEqual(config.inputShape, [6]);
  assert.deepEqual(config.labels, ["a", "b", "c"]);
  assert.deepEqual(config.preprocessing, { mean: 0.5, std: 2 });
  const weights = decodeSafetensors(await Deno.readFile(`${dir}/model.safetensors`));
  assert.deepEqual([...weights.tensors.keys()], [...model.stateDict().keys()]);
  assert.equal(weights.metadata.format, "pt");

  const { model: copy, config: loaded } = await load(dir);
  assert.deepEqual(loaded, written);
  const x = randn([5, 6]);
  assert.deepEqual(values(copy.call(x)), values(model.call(x)));
  for (const [name, p] of model.stateDict()) {
    assert.deepEqual(values(copy.stateDict().get(name)!), values(p));
  }
});

Deno.test("load leaves the random stream as it was; modelFromBytes needs no file system", async () => {
  const model = mlp();
  const dir = await tempDir();
  await save(model, dir, { inputShape: [6] });
  manualSeed(9);
  const expected = values(randn([4]));
  manualSeed(9);
  await load(dir);
  assert.deepEqual(values(randn([4])), expected);
  const { model: copy } = modelFromBytes(
    await Deno.readTextFile(`${dir}/config.json`),
    await Deno.readFile(`${dir}/model.safetensors`),
  );
  const x = randn([2, 6]);
  assert.deepEqual(values(copy.call(x)), values(model.call(x)));
});

Deno.test("load: a missing, corrupt, truncated or mismatched file is an error naming it", async () => {
  const dir = await tempDir();
  await save(mlp(), dir, { inputShape: [6] });
  const configPath = `${dir}/config.json`, weightsPath = `${dir}/model.safetensors`;
  const config = await Deno.readTextFile(configPath);
  const weights = await Deno.readFile(weightsPath);

  await Deno.writeFile(weightsPath, weights.subarray(0, weights.length - 5));
  await assert.rejects(load(dir), (e: Error) => e.message.startsWith(`${weightsPath}: `));
  await Deno.remove(weightsPath);
  await assert.rejects(
    load(dir),
    (e: Error) => e.message.startsWith(`${weightsPath}: cannot read`),
  );
  await Deno.writeFile(weightsPath, weights);

  await Deno.writeTextFile(configPath, config.slice(0, 40));
  await assert.rejects(
    load(dir),
    (e: Error) => e.message.startsWith(`${configPath}: not valid JSON`),
  );
  await Deno.writeTextFile(configPath, JSON.stringify({ ...JSON.parse(config), format: "keras" }));
  await assert.rejects(load(dir), /config\.json: not an edgegrad model config \(format is "keras"/);
  await Deno.writeTextFile(configPath, JSON.stringify({ ...JSON.parse(config), version: 2 }));
  await assert.rejects(load(dir), /config\.json: config version 2 is not supported/);
  await Deno.writeTextFile(configPath, JSON.stringify({ ...JSON.parse(config), inputShape: [0] }));
  await assert.rejects(load(dir), /config\.json: inputShape must be an array of positive integers/);
  const other = new nn.Sequential(new nn.Linear(6, 4), new nn.ReLU(), new nn.Linear(4, 3));
  await Deno.writeTextFile(
    configPath,
    JSON.stringify({ ...JSON.parse(config), architecture: other.toConfig() }),
  );
  await assert.rejects(
    load(dir),
    (e: Error) =>
      e.message.startsWith(`${weightsPath} does not fit the architecture in ${configPath}`) &&
      /unexpected keys \["4\.weight","4\.bias"\]/.test(e.message),
  );
  await Deno.writeTextFile(
    configPath,
    JSON.stringify({ ...JSON.parse(config), architecture: { type: "Nope" } }),
  );
  await assert.rejects(
    load(dir),
    /config\.json: cannot rebuild the architecture \(moduleFromConfig: unknown module type "Nope"/,
  );
  await assert.rejects(save(mlp(), dir, { inputShape: [-1] }), /save: inputShape must be/);
});

Deno.test("atomic writes: a save that fails part-way leaves the previous file intact", async () => {
  const dir = await tempDir();
  const path = `${dir}/weights.safetensors`;
  await saveSafetensors(path, { w: tensor([1, 2, 3]) });
  const before = await Deno.readFile(path);
  function* failing(): Generator<Uint8Array> {
    yield new Uint8Array(4096).fill(7);
    throw new Error("disk on fire");
  }
  await assert.rejects(writeFileAtomic(path, failing()), /disk on fire/);
  assert.deepEqual(await Deno.readFile(path), before);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["weights.safetensors"]);
  await saveSafetensors(path, { w: tensor([4, 5]) });
  assert.deepEqual(values((await loadSafetensors(path)).tensors.get("w")!), [4, 5]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["weights.safetensors"]);
});

Deno.test("atomic writes: a process killed mid-save leaves the previous file intact", async () => {
  const dir = await tempDir();
  const path = `${dir}/checkpoint.safetensors`;
  await Deno.writeTextFile(path, "previous checkpoint");
  const files = new URL("../runtime/io/files.ts", import.meta.url).href;
  const script = `
    import { writeFileAtomic } from ${JSON.stringify(files)};
    function* chunks() { yield new Uint8Array(1 << 20).fill(1); for (;;); }
    await writeFileAtomic(${JSON.stringify(path)}, chunks());`;
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", script], stderr: "null" })
    .spawn();
  const partial = (): boolean =>
    [...Deno.readDirSync(dir)].some((e) =>
      e.name.endsWith(".tmp") && Deno.statSync(`${dir}/${e.name}`).size >= 1 << 20
    );
  for (let i = 0; i < 500 && !partial(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(partial(), "the child never wrote its first chunk");
  child.kill("SIGKILL");
  await child.status;
  assert.equal(await Deno.readTextFile(path), "previous checkpoint");
});

Deno.test("getRandomState / setRandomState replay the generator", () => {
  manualSeed(5);
  randn([3]);
  const state = getRandomState();
  assert.equal(state.length, 4);
  assert.ok(state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32));
  const first = values(randn([7]));
  setRandomState(state);
  assert.deepEqual(values(randn([7])), first);
  assert.throws(() => setRandomState([1, 2, 3]), /four unsigned 32-bit integers/);
});

/** Steps that draw their data from the global generator, so the random state matters too. */
function train(model: nn.Module, optimizer: optim.Optimizer, steps: number): void {
  for (let i = 0; i < steps; i++) {
    const x = randn([8, 6]), y = randn([8, 3]);
    const loss = F.mseLoss(model.call(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
}

const optimizers: [string, (params: Tensor[]) => optim.Optimizer][] = [
  [
    "SGD with Nesterov momentum",
    (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }),
  ],
  ["Adam", (p) => new optim.Adam(p, { lr: 0.01 })],
];

for (const [name, makeOptimizer] of optimizers) {
  Deno.test(`checkpoint: training resumed from a checkpoint matches an uninterrupted run (${name})`, async () => {
    const path = `${await tempDir()}/checkpoint.safetensors`;
    manualSeed(21);
    const model = mlp();
    const optimizer = makeOptimizer(model.parameters());
    train(model, optimizer, 3);
    await saveCheckpoint(path, { model, optimizer, epoch: 3, extra: { bestLoss: 0.25 } });
    train(model, optimizer, 4);

    manualSeed(1234);
    const resumed = mlp();
    const resumedOptimizer = makeOptimizer(resumed.parameters());
    const { epoch, extra } = await loadCheckpoint(path, {
      model: resumed,
      optimizer: resumedOptimizer,
    });
    assert.equal(epoch, 3);
    assert.deepEqual(extra, { bestLoss: 0.25 });
    train(resumed, resumedOptimizer, 4);
    for (const [param, p] of model.stateDict()) {
      assert.deepEqual(values(resumed.stateDict().get(param)!), values(p), param);
    }
  });
}

Deno.test("checkpoint: the wrong optimizer, a missing state or another file is refused by name", async () => {
  const dir = await tempDir();
  const path = `${dir}/checkpoint.safetensors`;
  const model = mlp();
  const sgd = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.5 });
  train(model, sgd, 1);
  await saveCheckpoint(path, { model, optimizer: sgd, epoch: 1 });
  const adam = new optim.Adam(model.parameters());
  await assert.rejects(loadCheckpoint(path, { model, optimizer: adam }), /saved by SGD, not Adam/);
  await saveCheckpoint(path, { model, epoch: 1 });
  await assert.rejects(loadCheckpoint(path, { model, optimizer: sgd }), /has no optimizer state/);
  const small = new nn.Sequential(new nn.Linear(6, 3));
  await assert.rejects(
    loadCheckpoint(path, { model: small }),
    (e: Error) => e.message.startsWith(`${path}: the model state does not fit the model`),
  );
  await saveSafetensors(`${dir}/plain.safetensors`, { w: tensor([1]) });
  await assert.rejects(
    loadCheckpoint(`${dir}/plain.safetensors`, { model }),
    /plain\.safetensors: not an edgegrad checkpoint/,
  );
  await assert.rejects(
    saveCheckpoint(path, { model, epoch: -1 }),
    /epoch must be a non-negative integer/,
  );
});
