/** Model directories, checkpoints that resume training exactly, atomic writes, random state. */
import assert from "node:assert/strict";
import {
  F,
  manualSeed,
  nn,
  optim,
  rand,
  randn,
  type Tensor,
  tensor,
  uniform,
} from "../runtime/mod.ts";
import { skipInit } from "../runtime/ops/creation.ts";
import { moduleFromConfig } from "../runtime/nn/registry.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
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

Deno.test("skipInit: the random creators draw nothing inside, and layers initialise as before outside", () => {
  manualSeed(4);
  const expected = values(randn([5]));
  const linear = values(new nn.Linear(3, 2).weight);
  manualSeed(4);
  const made = skipInit(() => {
    const layer = new nn.Linear(300, 200);
    return [layer.weight, rand([7]), uniform([2, 3], -1, 1), randn([4], { std: 3 })];
  });
  assert.deepEqual(made.map((t) => t.shape), [[200, 300], [7], [2, 3], [4]]);
  assert.deepEqual(values(randn([5])), expected, "skipInit advanced the random stream");
  assert.deepEqual(
    values(new nn.Linear(3, 2).weight),
    linear,
    "default init changed after skipInit",
  );
  assert.throws(() =>
    skipInit(() =>
      skipInit(() => {
        throw new Error("inner");
      })
    ), /inner/);
  manualSeed(4);
  skipInit(() => skipInit(() => randn([3])));
  assert.deepEqual(values(randn([5])), expected, "nested skipInit drew numbers");
  assert.notDeepEqual(values(randn([5])), expected, "randn stopped drawing after skipInit threw");
});

/** A Conv2d, a BatchNorm2d with running statistics (buffers) and a Linear, with odd values. */
function convNet(): nn.Sequential {
  const model = new nn.Sequential(
    new nn.Conv2d(2, 3, 3, { padding: 1 }),
    new nn.BatchNorm2d(3),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(3 * 4 * 4, 5),
  );
  model.train();
  for (let i = 0; i < 3; i++) model.call(randn([4, 2, 4, 4], { mean: 1, std: 2 }));
  model.eval();
  return model;
}

Deno.test("modelFromBytes rebuilds without drawing initial values: the same model, the stream untouched", () => {
  manualSeed(8);
  const model = convNet();
  const config = {
    format: "edgegrad",
    version: 1,
    architecture: model.toConfig(),
    inputShape: [2, 4, 4],
  };
  const bytes = encodeSafetensors(model.stateDict());
  manualSeed(31);
  const expected = values(randn([6]));
  manualSeed(31);
  const { model: copy } = modelFromBytes(config, bytes);
  assert.deepEqual(values(randn([6])), expected, "modelFromBytes moved the random stream");
  const state = copy.stateDict();
  assert.deepEqual([...state.keys()], [...model.stateDict().keys()]);
  for (const [name, t] of model.stateDict()) {
    assert.deepEqual(values(state.get(name)!), values(t), name);
  }
  // The long way round (random init, decode, loadStateDict) gives the same answers.
  const slow = moduleFromConfig(model.toConfig());
  slow.loadStateDict(decodeSafetensors(bytes).tensors);
  slow.eval();
  copy.eval();
  const x = randn([2, 2, 4, 4]);
  assert.deepEqual(values(copy.call(x)), values(slow.call(x)));
  assert.deepEqual(values(copy.call(x)), values(model.call(x)));
});

/** A safetensors file by hand: tensors of any dtype, laid out one after the other. */
function safetensorsOf(
  tensors: { name: string; dtype: string; shape: number[]; data: ArrayBufferView }[],
): Uint8Array {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const { name, dtype, shape, data } of tensors) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const { data } of tensors) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

Deno.test("modelFromBytes converts F64 / F16 weights and names a wrong shape or dtype", () => {
  const config = {
    format: "edgegrad",
    version: 1,
    architecture: new nn.Linear(3, 2).toConfig(),
    inputShape: [3],
  };
  const weight = [0.5, -1.25, 2, 3.5, -0.75, 1];
  // 1.5 and -2 as IEEE half floats.
  const bytes = safetensorsOf([
    { name: "weight", dtype: "F64", shape: [2, 3], data: new Float64Array(weight) },
    { name: "bias", dtype: "F16", shape: [2], data: new Uint16Array([0x3e00, 0xc000]) },
  ]);
  const { model } = modelFromBytes(config, bytes);
  const state = model.stateDict();
  assert.deepEqual(values(state.get("weight")!), weight);
  assert.deepEqual(values(state.get("bias")!), [1.5, -2]);

  const wrongShape = safetensorsOf([
    { name: "weight", dtype: "F32", shape: [3, 2], data: new Float32Array(6) },
    { name: "bias", dtype: "F32", shape: [2], data: new Float32Array(2) },
  ]);
  assert.throws(
    () => modelFromBytes(config, wrongShape, { weights: "w.safetensors", config: "c.json" }),
    (e: Error) =>
      e.message.startsWith("w.safetensors does not fit the architecture in c.json") &&
      e.message.includes('"weight" has shape [3, 2] (float32) but the module expects [2, 3]'),
  );
  const wrongDtype = safetensorsOf([
    { name: "weight", dtype: "F32", shape: [2, 3], data: new Float32Array(6) },
    { name: "bias", dtype: "I64", shape: [2], data: new BigInt64Array(2) },
  ]);
  assert.throws(
    () => modelFromBytes(config, wrongDtype),
    /"bias" has shape \[2\] \(int32\) but the module expects \[2\] \(float32\)/,
  );
  const fp8 = safetensorsOf([
    { name: "weight", dtype: "F8_E4M3", shape: [2, 3], data: new Uint8Array(6) },
    { name: "bias", dtype: "F32", shape: [2], data: new Float32Array(2) },
  ]);
  assert.throws(
    () => modelFromBytes(config, fp8, { weights: "w.safetensors" }),
    /^SafetensorsError: w\.safetensors: tensor "weight" is F8_E4M3, which has no float32/,
  );
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
