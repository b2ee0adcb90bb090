import { describe, expect, it } from "vitest";
import { run } from "./support.js";

// Help and usage errors are part of the interface: changes show up in review as snapshot diffs.
describe("gk help", () => {
  it.each([[[]], [["plugin", "--help"]], [["plugin", "call", "--help"]], [["plugin", "init", "--help"]], [["plugin", "validate", "--help"]], [["plugin", "pack", "--help"]], [["start", "--help"]]])(
    "gk %j",
    async (args) => {
      const res = await run(args);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatchSnapshot();
    },
  );

  it("a missing argument prints usage and exits 2", async () => {
    const res = await run(["plugin", "call"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatchSnapshot();
  });

  it("an unknown command exits 2", async () => {
    const res = await run(["plugin", "frobnicate"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatchSnapshot();
  });

  it("a bad plugin name says what a good one looks like", async () => {
    const res = await run(["plugin", "init", "My_Plugin", "--lang", "as"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('gk: "My_Plugin" is not a valid plugin name: use 2-63 lower-case letters, digits and dashes, starting with a letter (e.g. ticket-counter)\n');
  });
});
