import { defineConfig } from "vitest/config";

// One root config; each package is a project so `pnpm test` runs everything
// and `vitest --project host` runs one. stats and faq also run on their GoatFlow builds
// (stats-goatflow, faq-goatflow).
export default defineConfig({
  test: {
    projects: [
      "packages/*",
      "plugins/*",
      "plugins/stats/vitest.goatflow.config.ts",
      // The FAQ suite again, on the plugin's GoatFlow build (build/goatflow/plugin.wasm).
      { extends: "./plugins/faq/vitest.config.ts", test: { name: "faq-goatflow", root: "./plugins/faq", env: { FAQ_TARGET: "goatflow" } } },
    ],
  },
});
