// Builds the plugin with the SDK's build API (what `gk plugin build` calls): for this project's
// hosts (build/plugin.wasm), and for GoatFlow (build/goatflow/plugin.wasm, QuickJS inside; the
// tests run on both).
import { buildPlugin } from "@goatkit/sdk";

const onProgress = (event) => event.status !== "running" && console.log(`[${(event.elapsedMs / 1000).toFixed(1)} s] ${event.message}`);
for (const options of [{}, { target: "goatflow", outFile: "build/goatflow/plugin.wasm" }]) {
  const result = await buildPlugin({ dir: import.meta.dirname, onProgress, ...options });
  console.log(`${result.outFile}: ${(result.bytes / 1048576).toFixed(2)} MiB, handlers ${result.handlers.join(", ")}`);
}
