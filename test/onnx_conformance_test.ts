import assert from "node:assert/strict";
import { runTest, SUITE_ROOT } from "../scripts/onnx/suite.ts";

const listed = Deno.readTextFileSync(
  new URL("../scripts/onnx/conformance_pass.txt", import.meta.url),
)
  .split("\n").filter((line) => line !== "");

function suiteInstalled(): boolean {
  try {
    return Deno.statSync(`${SUITE_ROOT}/node`).isDirectory;
  } catch {
    return false;
  }
}

const installed = suiteInstalled();
if (!installed) {
  if (Deno.env.get("CI")) {
    throw new Error(
      `the ONNX conformance suite is missing (${SUITE_ROOT}); CI installs libonnx-testdata`,
    );
  }
  console.log(
    `onnx conformance: skipped, ${SUITE_ROOT} is missing (apt-get install libonnx-testdata)`,
  );
}

Deno.test({
  name: `ONNX conformance: the ${listed.length} tests recorded as passing still pass`,
  ignore: !installed,
  fn() {
    const failing = listed.map((id) => runTest(id)).filter((r) => r.status !== "pass");
    assert.deepEqual(failing.map((r) => `${r.id}: ${r.status} ${r.detail}`), []);
  },
});

Deno.test({
  name: "ONNX conformance: a wrong reference output is caught (the judge can fail)",
  ignore: !installed,
  fn() {
    const result = runTest("node/test_relu", SUITE_ROOT);
    assert.equal(result.status, "pass");
    // The same model judged against the reference of another test must fail.
    const dir = Deno.makeTempDirSync();
    try {
      Deno.mkdirSync(`${dir}/node/test_relu/test_data_set_0`, { recursive: true });
      const source = `${SUITE_ROOT}/node`;
      Deno.copyFileSync(`${source}/test_relu/model.onnx`, `${dir}/node/test_relu/model.onnx`);
      Deno.copyFileSync(
        `${source}/test_relu/test_data_set_0/input_0.pb`,
        `${dir}/node/test_relu/test_data_set_0/input_0.pb`,
      );
      Deno.copyFileSync(
        `${source}/test_sigmoid/test_data_set_0/output_0.pb`,
        `${dir}/node/test_relu/test_data_set_0/output_0.pb`,
      );
      assert.equal(runTest("node/test_relu", dir).status, "fail");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
