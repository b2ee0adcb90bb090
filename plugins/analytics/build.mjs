// Builds the plugin with the SDK's build API (what `gk plugin build` calls).
import { buildPlugin } from "@goatkit/sdk";

const result = await buildPlugin({
  dir: import.meta.dirname,
  onProgress: (event) => event.status !== "running" && console.log(`[${(event.elapsedMs / 1000).toFixed(1)} s] ${event.message}`),
});
console.log(`${result.outFile}: ${(result.bytes / 1048576).toFixed(1)} MiB, handlers ${result.handlers.join(", ")}`);
