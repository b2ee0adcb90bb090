import { afterAll, describe } from "vitest";
import { buildForQuickjs } from "../support/quickjs-build.js";
import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/ts-kitchen-sink and fixtures/ts-library (the same handlers plus mustache), built for
// the QuickJS binding (the default of gk plugin build) and run on the host's shared engine.
const kitchenSink = await buildForQuickjs(new URL("../../../../fixtures/ts-kitchen-sink/", import.meta.url).pathname);
const library = await buildForQuickjs(new URL("../../../../fixtures/ts-library/", import.meta.url).pathname);
afterAll(async () => {
  await kitchenSink.cleanup();
  await library.cleanup();
});

const trapMessage = /^trap threw Error: kitchen-sink trap requested$/;

describe("the TypeScript kitchen sink on the QuickJS binding", () => {
  describeKitchenSinkContract({ dir: kitchenSink.dir, binding: "quickjs", trapMessage });
  describeKitchenSinkContract({ dir: kitchenSink.dir, binding: "quickjs", trapMessage, load: { isolation: "in-process" } });
  describeKitchenSinkContract({ dir: library.dir, binding: "quickjs", trapMessage });
});
