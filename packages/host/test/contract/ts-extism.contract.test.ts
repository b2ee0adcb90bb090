import { copyFile, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlugin, findExtismJs } from "@goatkit/sdk";
import { afterAll, beforeAll, describe } from "vitest";
import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// The TypeScript kitchen sink built for the Extism binding. extism-js is not on npm, so this
// runs where it is installed; elsewhere packages/sdk/test/build-plugin.test.ts checks that the
// build says what is missing.
const extismJs = await findExtismJs();
const fixtureDir = new URL("../../../../fixtures/ts-kitchen-sink/", import.meta.url).pathname;
const dir = join(tmpdir(), `goatkit-ts-extism-${process.pid}`);

describe.skipIf(extismJs === null)("the TypeScript kitchen sink on the Extism binding (extism-js)", () => {
  beforeAll(async () => {
    await mkdir(dir, { recursive: true });
    await copyFile(join(fixtureDir, "manifest.json"), join(dir, "manifest.json"));
    await buildPlugin({ dir: fixtureDir, binding: "extism", outFile: join(dir, "build/plugin.wasm") });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describeKitchenSinkContract({ dir, binding: "extism", trapMessage: /^trap failed: .*kitchen-sink trap requested/ });
});
