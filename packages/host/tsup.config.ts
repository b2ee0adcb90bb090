import { defineConfig } from "tsup";

export default defineConfig({
  // Worker threads start from a file: each worker script is its own entry.
  entry: {
    index: "src/index.ts",
    testing: "src/testing/index.ts",
    "plugin-worker": "src/runtime/worker/plugin-worker.ts",
    "fetch-worker": "src/services/http/fetch-worker.ts",
  },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts", testing: "src/testing/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node20",
});
