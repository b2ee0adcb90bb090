/**
 * `buildGoatflow` (gk plugin build --target goatflow) with the real asc: the kitchen-sink fixture
 * and small plugins written here, built into temporary folders. Running the modules through the
 * host's goatflow binding is tested with the CLI (the scaffold) and with plugins/stats.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildError, buildGoatflow, memoryLimits } from "../src/index.js";

const kitchenSink = fileURLToPath(new URL("../../../fixtures/as-kitchen-sink", import.meta.url));

describe("buildGoatflow", () => {
  let scratch: string;
  beforeAll(async () => {
    // Inside the fixture, so that asc finds assemblyscript and @goatkit/sdk in its node_modules.
    await mkdir(join(kitchenSink, "build"), { recursive: true });
    scratch = await mkdtemp(join(kitchenSink, "build", "goatflow-test-"));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  /** A plugin folder with a manifest, one handler and the given extra files. */
  async function plugin(name: string, manifest: Record<string, unknown>, files: Record<string, string> = {}): Promise<string> {
    const dir = join(scratch, name);
    await mkdir(join(dir, "assembly"), { recursive: true });
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ name, version: "1.0.0", ...manifest }));
    const source = `import { html } from "@goatkit/sdk/assembly";\nexport function hello(reqPtr: u32, reqLen: u32): u64 {\n  return html("<p>hello</p>");\n}\n`;
    await writeFile(join(dir, "assembly/index.ts"), source);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(join(dir, file, ".."), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    return dir;
  }

  it("builds the kitchen sink: GoatFlow's exports, only gk and WASI imports, the whole manifest as GKRegistration", async () => {
    const outFile = join(scratch, "kitchen-sink.wasm");
    const result = await buildGoatflow({ dir: kitchenSink, outFile });
    const module = new WebAssembly.Module(await readFile(outFile));
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.filter((i) => !i.startsWith("wasi_snapshot_preview1.")).sort()).toEqual(["gk.host_call", "gk.log"]);
    expect(imports.some((i) => i.startsWith("env.") || i.startsWith("host."))).toBe(false);
    expect(WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`).sort()).toEqual(["gk_call:function", "gk_free:function", "gk_malloc:function", "gk_register:function", "memory:memory"]);
    expect(memoryLimits(await readFile(outFile))).toEqual({ initial: expect.any(Number), maximum: null });
    expect(memoryLimits(await readFile(outFile)).initial).toBeLessThanOrEqual(256);

    const reg = result.registration as any;
    expect(reg).toMatchObject({ name: "kitchen-sink", version: "1.0.0" });
    expect(reg.routes[0]).toEqual({ method: "GET", path: "/api/plugins/kitchen-sink/echo/:id", handler: "echo", description: "Returns the parsed request" });
    expect(reg.widgets).toEqual([{ id: "kitchen-sink", title: "Kitchen Sink", handler: "widget", location: "dashboard", size: "small", order: 0, refreshable: false }]);
    expect(reg.jobs).toEqual([{ id: "on-job", handler: "on_job", schedule: "*/5 * * * *", description: "Returns the job it ran for", enabled: true, timeout: "5s" }]);
    expect(reg.permissions).toBeUndefined();
    // Everything GoatFlow cannot do that the source asks for is named, with its lines.
    expect(result.warnings.map((w) => w.feature)).toEqual(expect.arrayContaining(["migrations", "host.scheduleJob", "packError"]));
    expect(result.warnings.find((w) => w.feature === "host.scheduleJob")!.at).toMatch(/^assembly\/index\.ts:\d+/);
  }, 240_000);

  it("embeds i18n/ as GoatFlow's I18nSpec, dashboard widgets with refresh_sec and jobs with their timeout", async () => {
    const dir = await plugin(
      "gf-i18n",
      {
        widgets: [{ id: "w", title: "W", handler: "hello", location: "agent_home", size: "medium", refresh_seconds: 30 }],
        jobs: [{ id: "nightly", schedule: "0 3 * * *", handler: "hello", timeout_ms: 120000 }],
        menu_items: [{ label: "Hello", path: "/agent/hello" }],
      },
      { "i18n/en.json": JSON.stringify({ greeting: { hello: "Hello" } }), "i18n/de.yaml": "greeting:\n  hello: Hallo\n" },
    );
    const { registration } = await buildGoatflow({ dir });
    expect(registration.widgets).toEqual([{ id: "w", title: "W", handler: "hello", location: "dashboard", size: "medium", order: 0, refreshable: true, refresh_sec: 30 }]);
    expect(registration.jobs).toEqual([{ id: "nightly", handler: "hello", schedule: "0 3 * * *", enabled: true, timeout: "2m" }]);
    expect(registration.menu_items).toEqual([{ id: "gf-i18n-1", label: "Hello", path: "/agent/hello", order: 0 }]);
    expect(registration.i18n).toEqual({ namespace: "gf-i18n", languages: ["de", "en"], translations: { de: { "greeting.hello": "Hallo" }, en: { "greeting.hello": "Hello" } } });
  }, 240_000);

  it("fails over GoatFlow's 16 MiB of memory, naming the fix", async () => {
    const dir = await plugin("gf-memory", { routes: [{ method: "GET", path: "/hello", handler: "hello" }] }, { "asconfig.json": JSON.stringify({ options: { initialMemory: 300 } }) });
    const error = await buildGoatflow({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).message).toBe(
      "the module declares 18.75 MiB of memory, over GoatFlow's 16 MiB (256 pages); lower initialMemory/maximumMemory in asconfig.json, or make static data smaller",
    );
  }, 240_000);

  it("names a handler the manifest names but the module does not export", async () => {
    const dir = await plugin("gf-missing", { routes: [{ method: "GET", path: "/x", handler: "missing_one" }] });
    const error = await buildGoatflow({ dir }).catch((e: unknown) => e);
    expect((error as BuildError).message).toBe('handler "missing_one" (named by the manifest) is not exported by assembly/index.ts. Fix: export a function named missing_one from assembly/index.ts, or fix the manifest of gf-missing');
  }, 240_000);
});
