/**
 * The demo page's script (`deno task bundle:web` → `out/web/app.js`, which imports
 * `./edgegrad.js`). You draw on a 280×280 pad; each stroke is turned into a 28×28 MNIST-style
 * input (bounding box scaled to 20 px, centre of mass at the centre), which the page classifies
 * twice: in the browser with edgegrad's WebAssembly kernels, and on the server through
 * `POST /v2/models/{name}/infer`. Each side's class probabilities are its own softmax: `F.softmax`
 * here, the server's `probabilities` output there. The latest answers are kept in
 * `globalThis.edgegradDemo` (tests read them there).
 */
import { F, io, kernelBuild, nn, noGrad, tensor } from "./edgegrad.ts";

/** One side's answer. */
interface Prediction {
  label: string;
  index: number;
  probabilities: number[];
  milliseconds: number;
}

/** What the page exposes for tests and the curious. */
interface DemoState {
  ready: boolean;
  /** How many drawings have been classified on both sides. */
  predictions: number;
  browser?: Prediction;
  server?: Prediction;
  error?: string;
}

const SIDE = 28;
const BOX = 20;
const STROKE_WIDTH = 22;

const state: DemoState = { ready: false, predictions: 0 };
(globalThis as unknown as { edgegradDemo: DemoState }).edgegradDemo = state;

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`demo page: ${selector} is missing`);
  return found;
}

const pad = element<HTMLCanvasElement>("#pad");
const preview = element<HTMLCanvasElement>("#preview");
const status = element<HTMLElement>("#status");
const padContext = pad.getContext("2d", { willReadFrequently: true })!;
const modelName = new URLSearchParams(location.search).get("model") ??
  document.body.dataset.model ?? "mnist-cnn";
const modelUrl = `/models/${encodeURIComponent(modelName)}`;
const inferUrl = `/v2/models/${encodeURIComponent(modelName)}/infer`;

function fail(error: unknown): void {
  state.error = error instanceof Error ? error.message : String(error);
  status.textContent = `error: ${state.error}`;
}

/** Weights along one axis for area-averaging [start, start + length) onto `size` cells. */
function areaWeights(start: number, length: number, size: number): Array<Array<[number, number]>> {
  const step = length / size;
  return Array.from({ length: size }, (_, cell) => {
    const from = start + cell * step, to = from + step;
    const weights: Array<[number, number]> = [];
    for (let i = Math.floor(from); i < Math.ceil(to); i++) {
      const overlap = Math.min(to, i + 1) - Math.max(from, i);
      if (overlap > 0) weights.push([i, overlap / step]);
    }
    return weights;
  });
}

/**
 * The pad as an MNIST digit: 28×28 intensities in 0..255, or null when nothing is drawn. As in
 * MNIST, the ink's bounding box is scaled (area averaging) so its longer side is 20 px, then
 * placed so its centre of mass sits at the image centre.
 */
function digitPixels(): Float32Array | null {
  const { width, height } = pad;
  const rgba = padContext.getImageData(0, 0, width, height).data;
  let left = width, right = -1, top = height, bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[(y * width + x) * 4] > 0) {
        left = Math.min(left, x), right = Math.max(right, x);
        top = Math.min(top, y), bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return null;
  const boxWidth = right - left + 1, boxHeight = bottom - top + 1;
  const scale = BOX / Math.max(boxWidth, boxHeight);
  const cols = Math.max(1, Math.round(boxWidth * scale));
  const rows = Math.max(1, Math.round(boxHeight * scale));
  const columnWeights = areaWeights(left, boxWidth, cols);
  const rowWeights = areaWeights(top, boxHeight, rows);
  const patch = new Float64Array(rows * cols);
  let mass = 0, massX = 0, massY = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (const [y, wy] of rowWeights[r]) {
        for (const [x, wx] of columnWeights[c]) sum += wy * wx * rgba[(y * width + x) * 4];
      }
      patch[r * cols + c] = sum;
      mass += sum, massX += sum * (c + 0.5), massY += sum * (r + 0.5);
    }
  }
  const place = (centre: number, size: number) =>
    Math.min(SIDE - size, Math.max(0, Math.round(SIDE / 2 - centre)));
  const offsetX = place(massX / mass, cols), offsetY = place(massY / mass, rows);
  const pixels = new Float32Array(SIDE * SIDE);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) pixels[(r + offsetY) * SIDE + c + offsetX] = patch[r * cols + c];
  }
  return pixels;
}

function drawPreview(pixels: Float32Array): void {
  const context = preview.getContext("2d")!;
  const image = context.createImageData(SIDE, SIDE);
  pixels.forEach((value, i) => {
    image.data.set([value, value, value, 255], i * 4);
  });
  context.putImageData(image, 0, 0);
}

function prediction(
  probabilities: ArrayLike<number>,
  labels: string[],
  milliseconds: number,
): Prediction {
  const values = Array.from(probabilities);
  const index = values.indexOf(Math.max(...values));
  return { label: labels[index] ?? String(index), index, probabilities: values, milliseconds };
}

function show(side: "browser" | "server", result: Prediction, meta: string): void {
  const section = element<HTMLElement>(`#${side}`);
  section.querySelector("[data-field=meta]")!.textContent = `${meta} · ${
    result.milliseconds.toFixed(1)
  } ms`;
  section.querySelector("[data-field=label]")!.textContent = result.label;
  const bars = section.querySelector("[data-field=bars]")!;
  bars.replaceChildren(...result.probabilities.flatMap((p, i) => {
    const name = document.createElement("span");
    name.textContent = String(i);
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.width = `${(p * 100).toFixed(1)}%`;
    const value = document.createElement("span");
    value.textContent = `${(p * 100).toFixed(2)}%`;
    return [name, bar, value];
  }));
}

interface LoadedDemoModel {
  model: nn.Module;
  config: io.ModelConfigFile;
  labels: string[];
  inputName: string;
  normalize: (pixel: number) => number;
}

async function fetchOk(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok) {
    let detail = "";
    try {
      detail = `: ${JSON.stringify(await response.json())}`;
    } catch {
      // not JSON; the status says enough
    }
    throw new Error(`${init?.method ?? "GET"} ${url} answered ${response.status}${detail}`);
  }
  return response;
}

async function loadModel(): Promise<LoadedDemoModel> {
  const [configResponse, weightsResponse, metadataResponse] = await Promise.all([
    fetchOk(`${modelUrl}/config.json`),
    fetchOk(`${modelUrl}/model.safetensors`),
    fetchOk(`/v2/models/${encodeURIComponent(modelName)}`),
  ]);
  const weights = new Uint8Array(await weightsResponse.arrayBuffer());
  const loaded = io.modelFromBytes(await configResponse.text(), weights);
  // Inference only: its Conv2d/Linear + ReLU pairs run fused (the same bits as the server's).
  const model = nn.fuse(loaded.model.eval()), config = loaded.config;
  const metadata = await metadataResponse.json() as { inputs?: Array<{ name?: string }> };
  const preprocessing = config.preprocessing ?? {};
  const number = (key: string, fallback: number) =>
    typeof preprocessing[key] === "number" ? preprocessing[key] as number : fallback;
  const scale = number("scale", 1 / 255), mean = number("mean", 0), std = number("std", 1);
  return {
    model,
    config,
    labels: config.labels ?? [],
    inputName: metadata.inputs?.[0]?.name ?? "input",
    normalize: (pixel) => (pixel * scale - mean) / std,
  };
}

/** The server's class probabilities for one input (its `probabilities` output). */
async function serverProbabilities(
  loaded: LoadedDemoModel,
  input: Float32Array,
): Promise<number[]> {
  const response = await fetchOk(inferUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      inputs: [{
        name: loaded.inputName,
        shape: [1, ...loaded.config.inputShape],
        datatype: "FP32",
        data: Array.from(input),
      }],
    }),
  });
  const answer = await response.json() as {
    outputs?: Array<{ name?: string; data?: number[] }>;
  };
  const probabilities = answer.outputs?.find((o) => o.name === "probabilities")?.data;
  if (!Array.isArray(probabilities)) {
    throw new Error(`${inferUrl} answered without a "probabilities" output`);
  }
  return probabilities;
}

let sequence = 0;

async function classify(loaded: LoadedDemoModel): Promise<void> {
  const pixels = digitPixels();
  if (pixels === null) return;
  const current = ++sequence;
  drawPreview(pixels);
  const input = pixels.map(loaded.normalize);
  const serverStart = performance.now();
  const fromServer = serverProbabilities(loaded, input).then((probabilities) => ({
    probabilities,
    milliseconds: performance.now() - serverStart,
  }));
  const browserStart = performance.now();
  const browserProbabilities = noGrad(() => {
    const logits = loaded.model.call(tensor(input, { shape: [1, ...loaded.config.inputShape] }));
    return F.softmax(logits, -1).data();
  });
  const browser = prediction(browserProbabilities, loaded.labels, performance.now() - browserStart);
  show("browser", browser, `WebAssembly (${kernelBuild === "relaxed" ? "relaxed " : ""}SIMD)`);
  const { probabilities, milliseconds } = await fromServer;
  if (current !== sequence) return;
  const server = prediction(probabilities, loaded.labels, milliseconds);
  show("server", server, `POST ${inferUrl}`);
  Object.assign(state, { browser, server, error: undefined });
  state.predictions++;
  status.textContent = browser.label === server.label
    ? `both say ${browser.label}`
    : `they disagree: ${browser.label} here, ${server.label} on the server`;
}

function startDrawing(loaded: LoadedDemoModel): void {
  padContext.lineWidth = STROKE_WIDTH;
  padContext.lineCap = "round";
  padContext.lineJoin = "round";
  padContext.strokeStyle = "#fff";
  let drawing = false;
  const point = (event: PointerEvent): [number, number] => {
    const rect = pad.getBoundingClientRect();
    return [
      (event.clientX - rect.left) * pad.width / rect.width,
      (event.clientY - rect.top) * pad.height / rect.height,
    ];
  };
  pad.addEventListener("pointerdown", (event) => {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    padContext.beginPath();
    padContext.moveTo(x, y);
    padContext.lineTo(x, y);
    padContext.stroke();
  });
  pad.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const [x, y] = point(event);
    padContext.lineTo(x, y);
    padContext.stroke();
  });
  const finish = () => {
    if (!drawing) return;
    drawing = false;
    classify(loaded).catch(fail);
  };
  pad.addEventListener("pointerup", finish);
  pad.addEventListener("pointercancel", finish);
  element<HTMLButtonElement>("#clear").addEventListener("click", () => {
    sequence++;
    padContext.clearRect(0, 0, pad.width, pad.height);
    preview.getContext("2d")!.clearRect(0, 0, SIDE, SIDE);
    for (const side of ["browser", "server"]) {
      const section = element<HTMLElement>(`#${side}`);
      section.querySelector("[data-field=meta]")!.textContent = "";
      section.querySelector("[data-field=label]")!.textContent = "–";
      section.querySelector("[data-field=bars]")!.replaceChildren();
    }
    status.textContent = "draw a digit";
  });
}

try {
  const loaded = await loadModel();
  startDrawing(loaded);
  state.ready = true;
  status.textContent = `model "${modelName}" loaded; draw a digit`;
} catch (error) {
  fail(error);
}
