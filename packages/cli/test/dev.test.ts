import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gk } from "./support.js";

// A plugin whose source is WebAssembly text, built by a script with wabt: the fastest real
// build there is, so the test exercises gk dev's watch, rebuild and reload, not a compiler.
const wabtPath = createRequire(new URL("../../host/package.json", import.meta.url)).resolve("wabt");
const BUILD = `import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
const wabt = await createRequire(import.meta.url)(${JSON.stringify(wabtPath)})();
const module = wabt.parseWat("plugin.wat", readFileSync("plugin.wat", "utf8"));
writeFileSync("plugin.wasm", new Uint8Array(module.toBinary({}).buffer));
`;
const plugin = (answer: string) => `(module
  (memory (export "memory") 1)
  (data (i32.const 16) "{\\"name\\":\\"dev-demo\\",\\"version\\":\\"1.0.0\\"}")
  (data (i32.const 64) "${answer}")
  (func (export "gk_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "gk_register") (result i64) (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 37)))
  (func (export "hello") (param i32 i32) (result i64) (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const ${answer.length}))))`;
const manifest = {
  name: "dev-demo",
  version: "1.0.0",
  build: { command: "node", args: ["build.mjs"], watch: ["*.wat"], output: "plugin.wasm" },
  routes: [{ method: "GET", path: "/api/plugins/dev-demo/hello", handler: "hello" }],
};

describe("gk dev", () => {
  let dir: string;
  let child: ChildProcess;
  let output = "";
  let url = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gk-dev-"));
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
    await writeFile(join(dir, "build.mjs"), BUILD);
    await writeFile(join(dir, "plugin.wat"), plugin("v1"));
    child = spawn("node", ["--no-warnings", gk, "dev", dir, "--port", "0", "--db", ":memory:"], { cwd: dir });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    url = await waitFor(() => /gk dev: dev-demo on (http:\/\/\S+)/.exec(output)?.[1], 60_000);
  }, 90_000);

  afterAll(async () => {
    child?.kill("SIGTERM");
    await new Promise((r) => child?.once("exit", r));
    await rm(dir, { recursive: true, force: true });
  });

  const hello = async () => (await fetch(`${url}/api/plugins/dev-demo/hello`)).text();

  it("serves the built plugin", async () => {
    expect(await hello()).toBe("v1");
  });

  it("serves the edited source without a restart", async () => {
    await writeFile(join(dir, "plugin.wat"), plugin("v2"));
    await waitFor(async () => ((await hello()) === "v2" ? true : undefined), 30_000);
    expect(await hello()).toBe("v2");
  });

  it("shows a build error and keeps serving the last good version", async () => {
    const before = output.length;
    await writeFile(join(dir, "plugin.wat"), "(module (func $broken");
    await waitFor(() => (output.slice(before).includes("build failed, still serving the previous version") ? true : undefined), 30_000);
    expect(await hello()).toBe("v2");
    expect(child.exitCode).toBeNull();
  });
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
