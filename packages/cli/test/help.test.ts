import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { gk, run } from "./support.js";

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

  it("keeps colour codes out of help that is piped or under NO_COLOR", async () => {
    // As a shell runs gk outside the test runner: no TEST or CI variable to turn colours off.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !["TEST", "CI", "NO_COLOR", "VITEST"].includes(key)));
    const piped = await promisify(execFile)("node", ["--no-warnings", gk, "--help"], { env });
    expect(piped.stdout).toContain("USAGE");
    expect(piped.stdout).not.toContain("\u001b[");
    const usage = await promisify(execFile)("node", ["--no-warnings", gk, "plugin", "call"], { env: { ...env, NO_COLOR: "true" } }).catch((error: { stderr: string }) => error);
    expect(usage.stderr).toContain("USAGE");
    expect(usage.stderr).not.toContain("\u001b[");
  });
});
