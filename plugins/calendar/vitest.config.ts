import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "calendar",
    include: ["test/**/*.test.ts"],
    testTimeout: 60000,
  },
});
