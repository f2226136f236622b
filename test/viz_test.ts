/** Pictures: valid SVG and PNG of the right size, with the expected points, paths, pixels and labels. */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import { F, memoryStats, nn, ones, randn, tensor, zeros } from "../runtime/mod.ts";
import { History } from "../runtime/train/mod.ts";
import {
  decisionBoundaryChart,
  graphSvg,
  imageGrid,
  lineChart,
  plotDecisionBoundary,
  plotGraph,
  plotHistory,
  plotImageGrid,
  svgToPng,
} from "../runtime/viz/mod.ts";

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Checks the PNG signature and decodes; resvg renders the SVG (so it parsed) when one is given. */
function decodePng(bytes: Uint8Array): ReturnType<typeof decode> {
  assert.deepEqual([...bytes.subarray(0, 8)], pngSignature);
  return decode(bytes);
}

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

function sampleHistory(): History {
  const history = new History();
  for (let epoch = 1; epoch <= 4; epoch++) {
    history.epochs.push({
      epoch,
      steps: 3,
      samples: 96,
      seconds: 0.1,
      values: {
        loss: 1 / epoch,
        accuracy: 0.5 + epoch / 10,
        val_loss: 1.2 / epoch,
        val_accuracy: 0.5 + epoch / 12,
      },
    });
    history.stepLosses.push(1.2 / epoch, 1 / epoch, 0.9 / epoch);
  }
  return history;
}

Deno.test("plotHistory: an SVG with a path per series and a PNG of the panels' size", async () => {
  const dir = await Deno.makeTempDir();
  const history = sampleHistory();
  const svg = await plotHistory(history, `${dir}/curves.svg`);
  assert.equal(await Deno.readTextFile(`${dir}/curves.svg`), svg);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // loss per step, loss, val_loss; accuracy, val_accuracy
  assert.equal(count(svg, /<path class="series"/g), 5);
  assert.deepEqual(
    [...svg.matchAll(/data-name="([^"]+)"/g)].map((m) => m[1]),
    ["loss per step", "loss", "val_loss", "accuracy", "val_accuracy"],
  );
  assert.equal(count(svg, /<circle class="marker"/g), 4 * 4, "markers on the per-epoch series");
  const png = await plotHistory(history, `${dir}/curves.png`, {
    panelWidth: 300,
    panelHeight: 200,
    scale: 0.5,
  });
  const image = decodePng(png);
  assert.deepEqual([image.width, image.height], [300, 100]);
  assert.deepEqual(await Deno.readFile(`${dir}/curves.png`), png);
  await assert.rejects(
    plotHistory(history, `${dir}/curves.jpg`),
    /must end in \.svg or \.png, got ".*curves\.jpg"/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lineChart breaks lines at NaN, scales log axes by decades, and renders", async () => {
  const svg = lineChart(
    [{ name: "a", y: [1, 0.1, NaN, 0.01, 0.001] }, {
      name: "b <&>",
      y: [2, 1, 0.5, 0.2, 0.1],
      dashed: true,
    }],
    { yScale: "log", title: "log" },
  );
  const first = svg.match(/data-name="a" d="([^"]+)"/)![1];
  assert.equal(count(first, /M/g), 2, `two pieces: ${first}`);
  assert.match(svg, /b &#60;&#38;&#62;/);
  for (const tick of ["0.001", "0.01", "0.1", "1", "10"]) {
    assert.match(svg, new RegExp(`>${tick}</text>`));
  }
  const image = decodePng(await svgToPng(svg, { scale: 0.5 }));
  assert.deepEqual([image.width, image.height], [320, 200]);
});

Deno.test("decision boundary: one circle per point, regions on the right sides, memory freed", async () => {
  // logit0 = x, logit1 = −x: class 0 on the right half, class 1 on the left.
  const model = new nn.Linear(2, 2);
  model.loadStateDict({ weight: tensor([[1, 0], [-1, 0]]), bias: tensor([0, 0]) });
  const points = tensor([[-2, -1], [-1, 1], [1, -1], [2, 1], [0.5, 0.5]]);
  const labels = tensor(Int32Array.from([1, 1, 0, 0, 0]), { dtype: "int32" });
  const options = { resolution: 40, classNames: ["right", "left"] };
  decisionBoundaryChart(model, points, labels, options); // the kernels' workspace, allocated once
  const before = memoryStats().liveBytes;
  const svg = decisionBoundaryChart(model, points, labels, options);
  assert.equal(memoryStats().liveBytes, before);
  assert.equal(count(svg, /<circle class="point"/g), 5);
  assert.match(svg, />right<\/text>/);
  const region = decodePng(
    Uint8Array.from(
      atob(svg.match(/href="data:image\/png;base64,([^"]+)"/)![1]),
      (c) => c.charCodeAt(0),
    ),
  );
  assert.deepEqual([region.width, region.height], [40, 40]);
  const pixel = (
    x: number,
    y: number,
  ) => [...region.data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3)];
  const [leftRed, , leftBlue] = pixel(2, 20), [rightRed, , rightBlue] = pixel(37, 20);
  assert.ok(leftRed > leftBlue, `left is orange (class 1): ${pixel(2, 20)}`);
  assert.ok(rightBlue > rightRed, `right is blue (class 0): ${pixel(37, 20)}`);
  assert.ok(model.training, "the model's mode is restored");

  // A binary model with one logit per point, written as PNG.
  const binary = new nn.Sequential(new nn.Linear(2, 1));
  const dir = await Deno.makeTempDir();
  const png = await plotDecisionBoundary(binary, points, labels, `${dir}/boundary.png`, {
    width: 300,
    height: 200,
    resolution: 40,
    scale: 1,
  });
  const image = decodePng(png);
  assert.deepEqual([image.width, image.height], [300, 200]);
  await Deno.remove(dir, { recursive: true });
  assert.throws(
    () => decisionBoundaryChart(model, points, labels.slice(0, 0, 3)),
    /5 points but 3 labels/,
  );
});

Deno.test("image grid: tiles at the right pixels, captions below, RGB and range handling", async () => {
  // Ten 28×28 images, image i filled with i/9; five columns, scale 2, padding 2.
  const images = F.mul(
    ones([10, 1, 28, 28]),
    tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [[[i / 9]]])),
  );
  const plain = decodePng(await imageGrid(images, { columns: 5 }));
  assert.deepEqual([plain.width, plain.height], [5 * 56 + 6 * 2, 2 * 56 + 3 * 2]);
  const at = (x: number, y: number) => plain.data[(y * plain.width + x) * 3];
  assert.equal(at(2, 2), 0, "image 0 is black");
  assert.equal(at(2 + 4 * 58 + 30, 2 + 30), Math.round((255 * 4) / 9), "image 4, inside");
  assert.equal(at(2 + 4 * 58 + 10, 2 + 58 + 10), 255, "image 9 is white");
  assert.equal(at(0, 0), 255, "white padding");

  const captioned = decodePng(
    await imageGrid(images, {
      columns: 5,
      labels: images.shape.map(() => "x").concat(Array(6).fill({ text: "7→1", color: "#cc0000" })),
    }),
  );
  assert.deepEqual([captioned.width, captioned.height], [plain.width, plain.height + 2 * 16]);

  const red = F.mul(ones([1, 3, 4, 4]), tensor([[[[1]], [[-1]], [[-1]]]]));
  const rgb = decodePng(await imageGrid(red, { padding: 0, scale: 1 }));
  assert.deepEqual([...rgb.data.subarray(0, 3)], [255, 0, 0], "[−1, 1] data shown as tanh outputs");
  const dir = await Deno.makeTempDir();
  const svg = await plotImageGrid(zeros([2, 5, 5]), `${dir}/grid.svg`, { labels: ["a", "b"] });
  assert.equal(count(svg, /<text /g), 2);
  await Deno.remove(dir, { recursive: true });
  await assert.rejects(
    imageGrid(randn([4, 2, 5, 5])),
    /expected float32 images \[N, H, W\].*got \[4, 2, 5, 5\]/,
  );
  await assert.rejects(imageGrid(zeros([3, 5, 5]), { labels: ["a"] }), /3 images but 1 labels/);
});

Deno.test("autodiff graph: Graphviz SVG naming the ops and the model's parameters; PNG", async () => {
  const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh(), new nn.Linear(3, 2));
  const loss = F.crossEntropy(
    model.call(randn([4, 2])),
    tensor(Int32Array.from([0, 1, 1, 0]), { dtype: "int32" }),
  );
  const svg = await graphSvg(loss, { model });
  assert.match(svg, /<svg /);
  for (const name of ["linear", "tanh", "logSoftmax", "0.weight", "2.bias"]) {
    assert.ok(svg.includes(`>${name}</text>`), `the graph shows ${name}`);
  }
  assert.equal(model.parameters()[0].name, null, "parameter names are left as they were");
  const dir = await Deno.makeTempDir();
  const png = await plotGraph(loss, `${dir}/graph.png`, { model, scale: 0.5 });
  const image = decodePng(png);
  assert.ok(image.width > 200 && image.height > 50, `graph PNG is ${image.width}×${image.height}`);
  await Deno.remove(dir, { recursive: true });
});
