import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "calendar",
    include: ["test/**/*.test.ts"],
    testTimeout: 60000,
    // Loading a 12 MB component in a hook takes seconds, many more on a shared, busy machine.
    hookTimeout: 60000,
  },
});
