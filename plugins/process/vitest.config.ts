import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "process",
    include: ["test/**/*.test.ts"],
    testTimeout: 60000,
  },
});
