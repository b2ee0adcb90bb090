import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "analytics",
    include: ["test/**/*.test.ts"],
    testTimeout: 30000,
  },
});
