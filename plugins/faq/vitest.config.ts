import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "faq",
    include: ["test/**/*.test.ts"],
    testTimeout: 60000,
  },
});
