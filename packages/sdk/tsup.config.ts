import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    // The ABI's constants alone: hosts' plugin workers import them without the validator's
    // dependencies (keep this entry).
    abi: "src/abi.ts",
    // A test runtime with GoatFlow's loading rules (docs/goatflow.md); no dependencies.
    "goatflow-runtime/index": "src/goatflow-runtime/index.ts",
    // The isolated check's worker thread: found beside the runtime (keep this entry).
    "goatflow-runtime/check-worker": "src/goatflow-runtime/check-worker.ts",
    // The guest SDK and its bindings, built together so that they share one copy of the
    // binding state (a split chunk); plugin builds bundle them again with esbuild.
    "guest/index": "src/guest/index.ts",
    "guest/component": "src/guest/binding/component.ts",
    "guest/extism": "src/guest/binding/extism.ts",
    "guest/quickjs": "src/guest/binding/quickjs.ts",
    // The GoatFlow target: the engine's missing globals (imported first) and the binding.
    "guest/goatflow-globals": "src/guest/binding/goatflow-globals.ts",
    "guest/goatflow": "src/guest/binding/goatflow.ts",
    // The process binding of gRPC plugins; it inlines the .proto files (loader below).
    "guest/process": "src/guest/binding/process.ts",
  },
  loader: { ".proto": "text" },
  format: ["esm"],
  // The bindings are linked by generated entries, not imported by authors: no types needed.
  dts: { entry: { index: "src/index.ts", abi: "src/abi.ts", "goatflow-runtime/index": "src/goatflow-runtime/index.ts", "guest/index": "src/guest/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node20",
  // Resolved by componentize-js when the component is built (wit/goatkit-plugin.wit).
  external: ["goatkit:plugin/host@0.1.0"],
});
