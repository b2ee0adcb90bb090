import { defineConfig } from "vitest/config";

// One root config; each package is a project so `pnpm test` runs everything
// and `vitest --project host` runs one.
export default defineConfig({
  test: {
    projects: ["packages/*", "plugins/*"],
  },
});
