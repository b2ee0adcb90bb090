import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
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
    expect({ ...second, release: null }).toEqual({ ...first, fresh: false, release: null });
    // Only the finished entry is left: staging folders are renamed into place.
    expect(await readdir(join(cacheDir, "components"))).toEqual([first.dir.split("/").pop()]);
    first.release();
    second.release();
  });

  it("stays within its size limit: the least recently used entry goes first, never one a runner still reads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "goatkit-transpile-lru-"));
    try {
      const base = new Uint8Array(await readFile(join(fixtureDir, "build/plugin.wasm")));
      // The same component with a different custom section: another content hash, another entry.
      const variant = (tag: string) => {
        const name = new TextEncoder().encode(tag);
        return new Uint8Array([...base, 0, name.length + 1, name.length, ...name]);
      };
      const entries = async () => (await readdir(join(dir, "components"))).sort();
      const a = await transpiled(variant("a"), dir);
      a.release();
      const size = await folderBytes(a.dir);
      const limit = Math.floor(size * 2.5);
      const b = await transpiled(variant("b"), dir, limit);
      const c = await transpiled(variant("c"), dir, limit);
      // Three entries do not fit: a, used longest ago and read by no runner, is removed.
      expect(await entries()).toEqual([b.dir, c.dir].map(leaf).sort());
      // b is read again, so c is now the least recently used; but a runner still reads c.
      b.release();
      (await transpiled(variant("b"), dir, limit)).release();
      const again = await transpiled(variant("a"), dir, limit);
      expect(again.fresh).toBe(true);
      expect(await entries()).toEqual([again.dir, c.dir].map(leaf).sort());
      c.release();
      again.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

const leaf = (path: string) => path.split("/").pop()!;

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}
