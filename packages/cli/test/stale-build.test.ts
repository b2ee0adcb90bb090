import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { repo, run, watPlugin, writeWatPlugin } from "./support.js";

// validate and call check what the sources say now: a module older than its sources is rebuilt first.

describe("checks on a stale build", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-stale-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Makes the source newer than the module, as an edit after the last build does. */
  const editedAfterBuild = async (answer: string) => {
    await new Promise((r) => setTimeout(r, 50));
    await writeFile(join(dir, "plugin.wat"), watPlugin(answer));
  };

  it("validate rebuilds, rather than reporting a handler the source now exports as not exported", async () => {
    // The last build exported "helo"; the source has since been fixed to export "hello".
    await writeWatPlugin(dir);
    await writeFile(join(dir, "plugin.wat"), watPlugin("v1").replace('(export "hello")', '(export "helo")'));
    expect((await run(["plugin", "build", dir])).code).toBe(0);
    const before = await run(["plugin", "validate", dir]);
    expect(before.stderr).toContain("hello");
    expect(before.code).not.toBe(0);

    await editedAfterBuild("v1");
    const after = await run(["plugin", "validate", dir]);
    expect(after.stdout).toContain("plugin.wat changed since the last build: rebuilding dev-demo first");
    expect(after.stderr).not.toContain("not exported");
    expect(after.code).toBe(0);
  }, 60_000);

  it("call rebuilds first and answers from the current source, keeping stdout to the answer", async () => {
    await writeWatPlugin(dir);
    expect((await run(["plugin", "build", dir])).code).toBe(0);
    expect((await run(["plugin", "call", dir, "hello"])).stdout).toBe("v1");

    await editedAfterBuild("v2");
    const result = await run(["plugin", "call", dir, "hello"]);
    expect(result.stdout).toBe("v2");
    expect(result.stderr).toContain("plugin.wat changed since the last build: rebuilding dev-demo first");
    // Up to date now: no second build.
    const again = await run(["plugin", "call", dir, "hello"]);
    expect(again.stdout).toBe("v2");
    expect(again.stderr).not.toContain("rebuilding");
  }, 60_000);

  it("test runs the tests on a fresh build when npm test is gk plugin test itself, as in the scaffold", async () => {
    await writeWatPlugin(dir);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "dev-demo", private: true, scripts: { test: "gk plugin test" } }));
    // Stands in for the project's vitest: records that it ran, and on which module.
    await mkdir(join(dir, "node_modules", ".bin"), { recursive: true });
    await writeFile(join(dir, "node_modules", ".bin", "vitest"), '#!/bin/sh\necho "tests ran: $*" >> ran.txt\ngrep -c v2 plugin.wasm >> ran.txt\n');
    await chmod(join(dir, "node_modules", ".bin", "vitest"), 0o755);
    expect((await run(["plugin", "build", dir])).code).toBe(0);
    await editedAfterBuild("v2");

    const refused = await run(["plugin", "test", dir, "--no-build"], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("gk: plugin.wat changed since the last build, so the tests would run on the old module. Fix: leave out --no-build, or run gk plugin build first\n");

    const result = await run(["plugin", "test", dir], dir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(await readFile(join(dir, "ran.txt"), "utf8")).toBe("tests ran: run\n1\n");
  }, 60_000);

  it("a rebuild keeps the binding of the last build: a component stays a component", async () => {
    await mkdir(join(dir, "node_modules", "@goatkit"), { recursive: true });
    await symlink(join(repo, "packages/sdk"), join(dir, "node_modules", "@goatkit", "sdk"), "dir");
    await mkdir(join(dir, "src"));
    const source = (answer: string) => `import { definePlugin, Registration } from "@goatkit/sdk/guest";\nexport default definePlugin({ register: new Registration("comp", "1.0.0"), handlers: { hi: () => "${answer}" } });\n`;
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ name: "comp", version: "1.0.0", wasm: "build/plugin.wasm", routes: [{ method: "GET", path: "/api/plugins/comp/hi", handler: "hi" }] }));
    await writeFile(join(dir, "src/index.ts"), source("one"));
    const built = await run(["plugin", "build", dir, "--binding", "component"], dir);
    expect(built.code, built.stderr).toBe(0);
    // The component runs the bundle as plugin.js: its source map lies beside it, as for QuickJS.
    const map = JSON.parse(await readFile(join(dir, "build/plugin.wasm.map"), "utf8")) as { sources: string[]; mappings: string };
    expect(map.sources).toContain("src/index.ts");
    expect(map.mappings).not.toBe("");
    await new Promise((r) => setTimeout(r, 50));
    await writeFile(join(dir, "src/index.ts"), source("two"));

    const result = await run(["plugin", "call", dir, "hi"], dir);
    expect(result.stderr).toContain("src/index.ts changed since the last build: rebuilding comp first");
    expect(result.stdout).toBe("two");
    expect((await run(["plugin", "inspect", join(dir, "build/plugin.wasm")])).stdout).toMatch(/^binding {3}component$/m);
  }, 240_000);
});
