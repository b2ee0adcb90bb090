import { defineConfig } from "tsup";

export default defineConfig({
  // The plugin worker is its own entry: worker threads start from a file.
  entry: { index: "src/index.ts", "plugin-worker": "src/runtime/worker/plugin-worker.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node20",
});
