import { defineProject } from "vitest/config";

// The same suite on the GoatFlow build (gk plugin build --target goatflow), run by our host's
// goatflow binding: test/goatflow-setup.ts builds it and lays it out as a plugin folder.
export default defineProject({
  test: {
    name: "stats-goatflow",
    include: ["test/**/*.test.ts"],
    env: { STATS_TARGET: "goatflow" },
    globalSetup: ["test/goatflow-setup.ts"],
    testTimeout: 30000,
    hookTimeout: 180000,
  },
});
