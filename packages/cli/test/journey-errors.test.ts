import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo, run, watManifest, writeWatPlugin } from "./support.js";

// Each way the path from init to gk dev can fail, with the message the author sees: what went
// wrong and the fix. Real builds, a real host, a real port taken by another server.
const asc = createRequire(join(repo, "packages/sdk/package.json")).resolve("assemblyscript/bin/asc.js");

let work: string;
let n = 0;
async function project(files: Record<string, string>): Promise<string> {
  const dir = join(work, `p${++n}`);
  await mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}
const manifest = (extra: object) => JSON.stringify({ name: "err-demo", version: "0.1.0", ...extra });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "gk-errors-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("errors on the author's path name their fix", () => {
  it("dependencies not installed", async () => {
    const dir = await project({
      "manifest.json": manifest({ build: { command: "asc", args: ["assembly/index.ts"], output: "build/plugin.wasm" } }),
      "package.json": JSON.stringify({ name: "err-demo", devDependencies: { "@goatkit/sdk": "^0.1.0", assemblyscript: "~0.28.9" } }),
    });
    const res = await run(["plugin", "build"], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("gk: @goatkit/sdk, assemblyscript are not installed in this folder. Fix: run npm install\n");
  });

  it("a toolchain command that is not installed", async () => {
    const direct = await project({ "manifest.json": manifest({ build: { command: "goatkit-no-such-compiler", args: [], output: "plugin.wasm" } }) });
    const res = await run(["plugin", "build", direct]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`gk: the build could not run goatkit-no-such-compiler: it is not installed. Fix: run npm install in ${direct} (the project's devDependencies bring its toolchain), or install goatkit-no-such-compiler and put it on PATH\n`);
    // Through a shell, as npm scripts run it: the shell's "not found" names the command.
    const viaShell = await project({ "manifest.json": manifest({ build: { command: "sh", args: ["-c", "goatkit-no-such-compiler --optimize"], output: "plugin.wasm" } }) });
    const shell = await run(["plugin", "build"], viaShell);
    expect(shell.code).toBe(1);
    expect(shell.stderr).toContain("gk: the build could not run goatkit-no-such-compiler: it is not installed. Fix: run npm install (the project's devDependencies bring its toolchain)");
  });

  it("an AssemblyScript import that does not resolve", async () => {
    const dir = await project({
      "manifest.json": manifest({ build: { command: "node", args: [asc, "assembly/index.ts", "--outFile", "plugin.wasm"], output: "plugin.wasm" } }),
      "assembly/index.ts": 'import { shout } from "as-shout";\nexport function gk_register(): u64 { shout(); return 0; }\n',
    });
    const res = await run(["plugin", "build"], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("TS6054: File '~lib/as-shout.ts' not found.");
    expect(res.stderr).toContain('gk: the build failed: an import cannot be resolved (~lib/as-shout.ts). Fix: correct the import path, or install the package that provides "as-shout" (npm install as-shout) if it is an AssemblyScript library\n');
  }, 60_000);

  it("a TypeScript import that does not resolve", async () => {
    const dir = await project({
      "manifest.json": manifest({ wasm: "plugin.wasm", routes: [{ method: "GET", path: "/api/plugins/err-demo/x", handler: "x" }] }),
      "src/index.ts": 'import { Registration, definePlugin } from "@goatkit/sdk/guest";\nimport pad from "left-pad-not-installed";\nexport default definePlugin({ register: new Registration("err-demo", "0.1.0"), handlers: { x: () => pad("x", 3) } });\n',
    });
    await mkdir(join(dir, "node_modules/@goatkit"), { recursive: true });
    await symlink(join(repo, "packages/sdk"), join(dir, "node_modules/@goatkit/sdk"));
    const res = await run(["plugin", "build"], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/src\/index\.ts:2:16: Could not resolve "left-pad-not-installed" \(install it: npm install left-pad-not-installed; or correct the import\)/);
  }, 60_000);

  it("the manifest and gk_register disagree", async () => {
    const dir = await project({});
    await writeWatPlugin(dir, { manifest: { ...watManifest, version: "2.0.0" } });
    const res = await run(["dev", dir, "--port", "0", "--db", ":memory:"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`gk_register.version: gk_register returned version "1.0.0" but the manifest's version is "2.0.0". Fix: make gk_register return the manifest's version ("2.0.0")`);
  }, 60_000);

  it("a handler missing from the module", async () => {
    const dir = await project({});
    await writeWatPlugin(dir, { manifest: { ...watManifest, routes: [{ method: "GET", path: "/api/plugins/dev-demo/hi", handler: "greet" }] } });
    const res = await run(["dev", dir, "--port", "0", "--db", ":memory:"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`routes[0].handler: handler "greet" (named by routes[0].handler) is not exported by the module. Fix: export a function named greet from the plugin or fix the handler name`);
  }, 60_000);

  describe("a port in use", () => {
    let other: Server;
    let port: number;
    beforeAll(async () => {
      other = createServer();
      await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
      port = (other.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => other.close(() => r())));

    it("is refused before the build, with another port to try", async () => {
      const dir = await project({});
      await writeWatPlugin(dir);
      const res = await run(["dev", dir, "--port", String(port), "--db", ":memory:"]);
      expect(res.code).toBe(1);
      expect(res.stderr).toBe(`gk: port ${port} on 127.0.0.1 is in use (another gk dev or gk start?). Fix: stop that server, or pick another port with --port ${port + 1} (--port 0 picks a free one)\n`);
      expect(existsSync(join(dir, "plugin.wasm"))).toBe(false);
      const start = await run(["start", dir, "--port", String(port), "--db", ":memory:"]);
      expect(start.stderr).toBe(res.stderr);
    });
  });
});

describe("progress", () => {
  it("a build that takes more than a second says it is still running", async () => {
    const dir = await project({});
    await writeWatPlugin(dir, { buildDelayMs: 1600 });
    const res = await run(["plugin", "build", dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ {2}still building after 1 s$/m);
    expect(res.stdout).toMatch(/plugin\.wasm: core module, [\d.]+ KiB, built in [\d.]+ s/);
  });

});
