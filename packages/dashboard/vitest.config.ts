import { defineProject } from "vitest/config";

// The page's behaviour is tested in Chromium by the host's dashboard browser tests; here, the
// pure helpers whose output the page shows.
export default defineProject({
  test: { name: "dashboard", include: ["test/**/*.test.ts"] },
});
