// Builds the plugin with the SDK's build API (what `gk plugin build` calls), and copies the
// designer's diagram library (bpmn-js, its styles and font) into static/vendor, where the host
// serves it from (GET /api/plugins/process/static/...).
import { cp, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { buildPlugin } from "@goatkit/sdk";

const dir = import.meta.dirname;
const bpmnDist = join(dirname(createRequire(import.meta.url).resolve("bpmn-js/package.json")), "dist");
const vendor = join(dir, "static", "vendor");
await rm(vendor, { recursive: true, force: true });
await mkdir(vendor, { recursive: true });
await cp(join(bpmnDist, "bpmn-modeler.production.min.js"), join(vendor, "bpmn-modeler.production.min.js"));
await cp(join(bpmnDist, "assets", "diagram-js.css"), join(vendor, "diagram-js.css"));
await cp(join(bpmnDist, "assets", "bpmn-js.css"), join(vendor, "bpmn-js.css"));
await cp(join(bpmnDist, "assets", "bpmn-font"), join(vendor, "bpmn-font"), { recursive: true });
console.log(`static/vendor: bpmn-js from ${bpmnDist}`);

const result = await buildPlugin({
  dir,
  onProgress: (event) => event.status !== "running" && console.log(`[${(event.elapsedMs / 1000).toFixed(1)} s] ${event.message}`),
});
console.log(`${result.outFile}: ${(result.bytes / 1048576).toFixed(1)} MiB, handlers ${result.handlers.join(", ")}`);
