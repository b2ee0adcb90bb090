/**
 * The GoatFlow engine (goatflow-engine/engine.wasm): the committed module is what
 * goatflow-engine/build-engine.mjs builds from the qjsc npm package with Debian's clang, byte for
 * byte; and the engine's globals behave like the platform's where the SDK relies on them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from "../src/guest/binding/goatflow-globals.js";
import { goatflowRegistration } from "../src/build/goatflow/registration.js";
import { resolveManifest } from "../src/manifest/index.js";
import { fromGoatflowRegistration } from "../src/registration/goatflow.js";

const engineDir = new URL("../goatflow-engine/", import.meta.url).pathname;
const clang = spawnSync(process.env.CLANG ?? "clang", ["--version"], { encoding: "utf8" });
const wasiLibc = existsSync("/usr/lib/wasm32-wasi/libc.a");
const canBuild = !clang.error && clang.status === 0 && wasiLibc;
if (!canBuild) {
  console.warn("goatflow-engine: clang or wasi-libc is missing, so the committed engine.wasm is not rebuilt and compared (apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32)");
}

describe("the committed engine", () => {
  it("imports only gk.host_call, gk.log and WASI preview1, and exports the ABI, Wizer's entry and the loader of its lazy tables", () => {
    const module = new WebAssembly.Module(readFileSync(join(engineDir, "engine.wasm")));
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports.filter((name) => !name.startsWith("wasi_snapshot_preview1."))).toEqual(["gk.host_call", "gk.log"]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["_initialize", "gk_call", "gk_free", "gk_load_lazy_data", "gk_malloc", "gk_register", "memory", "wizer.initialize"]);
    const [lazy] = WebAssembly.Module.customSections(module, "goatkit.lazy_data");
    const { loader, ranges } = JSON.parse(new TextDecoder().decode(lazy)) as { loader: string; ranges: [number, number][] };
    expect(loader).toBe("gk_load_lazy_data");
    // libunicode's tables and libm's, about 51 KB.
    const bytes = ranges.reduce((sum, [start, end]) => sum + end - start, 0);
    expect(bytes).toBeGreaterThan(45_000);
    expect(bytes).toBeLessThan(60_000);
  });

  it.skipIf(!canBuild)(
    "is what build-engine.mjs builds, byte for byte",
    () => {
      const out = mkdtempSync(join(tmpdir(), "goatflow-engine-check-"));
      try {
        const built = spawnSync(process.execPath, [join(engineDir, "build-engine.mjs"), "--out", join(out, "engine.wasm")], { encoding: "utf8" });
        expect(built.status, built.stderr).toBe(0);
        const rebuilt = readFileSync(join(out, "engine.wasm"));
        const committed = readFileSync(join(engineDir, "engine.wasm"));
        expect(rebuilt.byteLength).toBe(committed.byteLength);
        expect(Buffer.compare(rebuilt, committed), "engine.wasm differs from its rebuild: run node packages/sdk/goatflow-engine/build-engine.mjs and commit the result").toBe(0);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    600_000,
  );
});

describe("the engine's globals", () => {
  const samples = ["", "plain", "Grüße ✓", "emoji 🐐 and 𝄞", "\u0000\u007f\u0080\u07ff\u0800\uffff"];

  it("encodes and decodes UTF-8 as the platform does", () => {
    for (const text of [...samples, "lone \ud800 surrogate", "\udc00 first"]) {
      expect(Buffer.from(utf8Encode(text))).toEqual(Buffer.from(new TextEncoder().encode(text)));
    }
    const invalid = [Uint8Array.of(0xff), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xc0, 0x80), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0x61, 0xf0, 0x9f, 0x90)];
    for (const bytes of [...samples.map((s) => new TextEncoder().encode(s)), ...invalid]) {
      expect(utf8Decode(bytes)).toBe(new TextDecoder().decode(bytes));
    }
    expect(() => utf8Decode(Uint8Array.of(0xff), true)).toThrow(TypeError);
  });

  it("writes and reads base64 as Buffer does", () => {
    for (const text of samples) {
      const bytes = new TextEncoder().encode(text);
      expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString("base64"));
      expect(Buffer.from(base64Decode(Buffer.from(bytes).toString("base64")))).toEqual(Buffer.from(bytes));
    }
    expect(() => base64Decode("not base64!")).toThrow(TypeError);
  });
});

describe("the registration gk_register answers", () => {
  it("is GoatFlow's, and reads back as the manifest it came from", async () => {
    const manifest = {
      name: "notes",
      version: "1.2.0",
      description: "Notes",
      permissions: ["db:read", "cache:write"],
      routes: [{ method: "GET" as const, path: "/api/plugins/notes/:id", handler: "get_note" }],
      widgets: [{ id: "recent-notes", title: "Recent notes", handler: "recent", location: "agent_home" as const, size: "small" as const, refresh_seconds: 30 }],
      jobs: [{ id: "prune", schedule: "0 3 * * *", handler: "prune", timeout_ms: 300_000 }],
    };
    // The same registration as an AssemblyScript plugin's GoatFlow build answers; no i18n/ here.
    const registration = await goatflowRegistration(resolveManifest(manifest), mkdtempSync(join(tmpdir(), "goatflow-registration-")));
    expect(registration).toMatchObject({
      widgets: [{ id: "recent-notes", location: "dashboard", refresh_sec: 30 }],
      jobs: [{ id: "prune", enabled: true, timeout: "5m" }],
    });
    // Permissions stay out of it: the manifest grants them here, GoatFlow's administrator there.
    expect(registration.permissions).toBeUndefined();
    expect(fromGoatflowRegistration(registration)).toMatchObject({
      name: "notes",
      version: "1.2.0",
      routes: manifest.routes,
      widgets: manifest.widgets,
      jobs: manifest.jobs,
    });
  });
});
