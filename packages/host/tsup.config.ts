import { cp, stat } from "node:fs/promises";
import { defineConfig } from "tsup";

// The dashboard (packages/dashboard, a devDependency so that it builds first) ships inside the
// host's dist, so the published package serves it with nothing else installed.
const DASHBOARD_BUILD = new URL("../dashboard/dist/", import.meta.url);
const DASHBOARD_TARGET = new URL("./dist/dashboard/", import.meta.url);

async function copyDashboard(): Promise<void> {
  const built = await stat(new URL("manifest.json", DASHBOARD_BUILD)).catch(() => null);
  if (!built) throw new Error("packages/dashboard is not built: run pnpm build at the repository's root, or pnpm --filter @goatkit/dashboard build first");
  await cp(DASHBOARD_BUILD, DASHBOARD_TARGET, { recursive: true });
}

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
  onSuccess: copyDashboard,
});
