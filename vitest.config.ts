import { defineConfig } from "vitest/config";

// One root config; each package is a project so `pnpm test` runs everything
// and `vitest --project host` runs one. stats also runs on its GoatFlow build (stats-goatflow).
export default defineConfig({
  test: {
    projects: ["packages/*", "plugins/*", "plugins/stats/vitest.goatflow.config.ts"],
  },
});
