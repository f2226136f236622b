/**
 * The two outside judges of exported ONNX files: ONNX Runtime Web (npm `onnxruntime-web`, one
 * wasm thread) runs them, and Debian's `python3-onnx` checker validates them. Without a Python
 * that imports onnx the checker tests are skipped with the reason, unless CI is set.
 */
import * as ort from "onnxruntime-web";
import type { Tensor } from "../runtime/mod.ts";

ort.env.wasm.numThreads = 1;

/** Runs the model's single input → first output in ONNX Runtime; int32 inputs go in as int64. */
export async function ortRun(
  bytes: Uint8Array,
  input: Tensor,
): Promise<{ data: Float32Array; dims: number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const values = input.data();
    const feed = input.dtype === "int32"
      ? new ort.Tensor(
        "int64",
        BigInt64Array.from(values as Int32Array, (v) => BigInt(v)),
        input.shape,
      )
      : new ort.Tensor("float32", values as Float32Array, input.shape);
    const results = await session.run({ [session.inputNames[0]]: feed });
    const output = results[session.outputNames[0]];
    return { data: output.data as Float32Array, dims: [...output.dims] };
  } finally {
    await session.release();
  }
}

const PYTHONS = ["/usr/bin/python3", "python3"];

async function findPython(): Promise<{ python: string | null; reason: string }> {
  for (const python of PYTHONS) {
    try {
      const { success } = await new Deno.Command(python, {
        args: ["-c", "import onnx.checker"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return { python, reason: "" };
    } catch {
      // Not installed under that name: try the next.
    }
  }
  return {
    python: null,
    reason: `no Python with the onnx package (tried ${PYTHONS.join(", ")}; ` +
      "apt-get install -y python3-onnx)",
  };
}

/** The Python that has onnx's checker, or null with the reason. */
export const checkerPython = await findPython();

/** True when the checker test should be skipped (no onnx for Python and not in CI); says why. */
export function skipChecker(name: string): boolean {
  const skip = checkerPython.python === null && !Deno.env.get("CI");
  if (skip) console.log(`${name}: skipped: ${checkerPython.reason}`);
  return skip;
}

const CHECK = `
import sys, onnx
failed = 0
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        print("ok", path)
    except Exception as error:
        failed += 1
        print("FAILED", path, error)
sys.exit(1 if failed else 0)
`;

/** Runs `onnx.checker.check_model(m, full_check=True)` on each file; returns its report. */
export async function checkModels(paths: string[]): Promise<{ ok: boolean; report: string }> {
  const python = checkerPython.python;
  if (python === null) throw new Error(`the ONNX checker cannot run: ${checkerPython.reason}`);
  const { success, stdout, stderr } = await new Deno.Command(python, {
    args: ["-c", CHECK, ...paths],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { ok: success, report: text.decode(stdout) + text.decode(stderr) };
}
