import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import { transpiled } from "../src/runtime/component/transpile-cache.js";

// fixtures/ts-kitchen-sink, componentized by its build script before the tests run.
const fixtureDir = new URL("../../../fixtures/ts-kitchen-sink/", import.meta.url).pathname;

describe("component plugins: what the engine inside gets from the host", () => {
  let host: Host;
  const now = Date.parse("2031-01-02T03:04:05.678Z");

  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 10 } }, now: () => now });
    await host.load(fixtureDir);
  });
  afterAll(() => host.close());

  it("console output goes to the plugin log, stdout as info and stderr as error", async () => {
    await host.call("kitchen-sink", "runtime");
    const lines = host.logs.list("kitchen-sink").filter((l) => l.message.startsWith("kitchen-sink std"));
    expect(lines.map((l) => [l.level, l.message, l.fields.stream])).toEqual([
      ["info", "kitchen-sink stdout", "stdout"],
      ["error", "kitchen-sink stderr", "stderr"],
    ]);
  });

  it("Date.now() inside the component is the host's clock", async () => {
    const res = await host.call("kitchen-sink", "runtime");
    expect(JSON.parse(String(res.body))).toEqual({ now });
  });

  it("an uncaught exception leaves its stack in the plugin log", async () => {
    await host.call("kitchen-sink", "trap");
    const line = host.logs.list("kitchen-sink", "error").find((l) => l.message === 'handler "trap" threw Error: kitchen-sink trap requested');
    expect(line?.fields.stack).toMatch(/trap/);
  });
});

describe("the transpile cache", () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "goatkit-transpile-"));
  });
  afterAll(() => rm(cacheDir, { recursive: true, force: true }));

  it("transpiles a component once per content hash and reads it back after", async () => {
    const bytes = new Uint8Array(await readFile(join(fixtureDir, "build/plugin.wasm")));
    const first = await transpiled(bytes, cacheDir);
    expect(first.fresh).toBe(true);
    expect(first.imports).toContain("goatkit:plugin/host");
    expect(first.imports.filter((name) => !name.startsWith("wasi:") && name !== "goatkit:plugin/host")).toEqual([]);
    const second = await transpiled(bytes, cacheDir);
    expect(second).toEqual({ ...first, fresh: false });
    // Only the finished entry is left: staging folders are renamed into place.
    expect(await readdir(join(cacheDir, "components"))).toEqual([first.dir.split("/").pop()]);
  });
});
