import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "process",
    include: ["test/**/*.test.ts"],
    testTimeout: 60000,
    // beforeAll loads a 13 MB component into a host: slow on a busy machine.
    hookTimeout: 120000,
  },
});
