/** Options objects refuse keys they do not know, naming the key and listing the known ones. */
import assert from "node:assert/strict";
import { checkOptions, type OptionKeys } from "../runtime/options.ts";

interface ExampleOptions {
  stride?: number;
  padding?: number;
}
const EXAMPLE_KEYS: OptionKeys<ExampleOptions> = { stride: true, padding: true };

Deno.test("checkOptions passes known keys through and treats undefined as {}", () => {
  const options = { stride: 2 };
  assert.equal(checkOptions("op", options, EXAMPLE_KEYS), options);
  assert.deepEqual(checkOptions<ExampleOptions>("op", undefined, EXAMPLE_KEYS), {});
});

Deno.test("checkOptions names an unknown key, the known ones and the nearest spelling", () => {
  assert.throws(
    () => checkOptions("conv2d", { strides: 2 } as ExampleOptions, EXAMPLE_KEYS),
    /^TypeError: conv2d: unknown option "strides" \(known options: stride, padding\); did you mean "stride"\?$/,
  );
  assert.throws(
    () => checkOptions("op", { approximate: "tanh" } as ExampleOptions, EXAMPLE_KEYS),
    /^TypeError: op: unknown option "approximate" \(known options: stride, padding\)$/,
  );
});

Deno.test("checkOptions refuses options that are not an object", () => {
  assert.throws(
    () => checkOptions("gelu", "tanh" as unknown as ExampleOptions, EXAMPLE_KEYS),
    /gelu: options must be an object such as \{ stride: \.\.\. \}, got string/,
  );
  assert.throws(
    () => checkOptions("op", [1] as unknown as ExampleOptions, EXAMPLE_KEYS),
    /got an array/,
  );
});
