/**
 * The QuickJS binding through the real host: the sandbox (time-outs, the memory cap, traps) in
 * both isolation modes, and what the shared engine gives a script (the host's clock, console,
 * text encoding, Intl over the host's ICU). The fixture is built like `gk plugin build` does.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, inspectModule, type Host } from "../src/index.js";
import { buildForQuickjs } from "./support/quickjs-build.js";

const fixture = await buildForQuickjs(new URL("./fixtures/quickjs/sandbox/", import.meta.url).pathname);
afterAll(() => fixture.cleanup());
const PLUGIN = "quickjs-sandbox";

describe("a QuickJS plugin's module", () => {
  it("is small, valid WebAssembly, detected as the quickjs binding, with its script in custom sections", async () => {
    const bytes = new Uint8Array(await readFile(join(fixture.dir, "build/plugin.wasm")));
    expect(WebAssembly.validate(bytes)).toBe(true);
    const info = inspectModule(bytes);
    expect(info.binding).toBe("quickjs");
    expect(info.imports).toEqual([]);
    expect(info.memory).toBeNull();
    expect(info.customSections.map((s) => s.name)).toEqual(["goatkit:quickjs", "goatkit:quickjs/script"]);
    expect(fixture.bytes).toBeLessThan(32 * 1024);
  });
});

for (const isolation of ["worker", "in-process"] as const) {
  describe(`QuickJS sandbox (${isolation})`, () => {
    let host: Host;
    beforeAll(async () => {
      host = await createHost({ database: { demo: { tickets: 10 } }, isolation, callLimits: { maxLogsPerCall: 50 } });
      await host.load(fixture.dir);
    });
    afterAll(() => host.close());

    const faults: [handler: string, code: string, message: RegExp][] = [
      ["loop", "E_TIMEOUT", /^the call ran longer than 1000 ms and was stopped; make it faster or raise limits\.timeout_ms$/],
      ["loop_between_host_calls", "E_TIMEOUT", /^the call ran longer than 1000 ms/],
      ["allocate", "E_TRAP", /^allocate threw InternalError: out of memory/],
      ["recurse", "E_TRAP", /^recurse threw RangeError: Maximum call stack size exceeded$/],
      ["nope", "E_UNKNOWN_HANDLER", /^the plugin has no handler named "nope"$/],
      ["fetch_it", "E_TRAP", /^fetch_it threw ReferenceError: fetch is not defined; QuickJS plugins have no fetch: use host\.httpRequest \(it checks the manifest's allowed hosts\) \(docs\/quickjs\.md lists what the engine gives a script\)$/],
    ];
    it.each(faults)("%s fails with %s, and the next call succeeds", async (handler, code, message) => {
      const res = await host.call(PLUGIN, handler);
      expect(res.error?.code).toBe(code);
      expect(res.error?.message).toMatch(message);
      expect(await host.call(PLUGIN, "ok")).toMatchObject({ status: 200, body: "ok" });
    });

    it("a plugin that loops or runs out of memory starts afresh; one that does not keeps its state", async () => {
      const first = JSON.parse(String((await host.call(PLUGIN, "count")).body)).calls;
      expect(JSON.parse(String((await host.call(PLUGIN, "count")).body)).calls).toBe(first + 1);
      await host.call(PLUGIN, "loop");
      expect(JSON.parse(String((await host.call(PLUGIN, "count")).body)).calls).toBe(1);
    });
  });
}

describe("QuickJS: what the engine gives a script", () => {
  let host: Host;
  const now = Date.parse("2031-01-02T03:04:05.678Z");
  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 10 } }, now: () => now });
    await host.load(fixture.dir);
  });
  afterAll(() => host.close());

  it("Date.now() and new Date() are the host's clock, also at load time", async () => {
    const body = JSON.parse(String((await host.call(PLUGIN, "clock")).body));
    expect(body).toEqual({ now, date: "2031-01-02T03:04:05.678Z", loaded: expect.any(String), called: true });
  });

  it("crypto.getRandomValues and randomUUID come from the host's random source", async () => {
    const first = JSON.parse(String((await host.call(PLUGIN, "random")).body));
    const second = JSON.parse(String((await host.call(PLUGIN, "random")).body));
    expect(first.a).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([first.a, first.b, second.a, second.b]).size).toBe(4);
    expect(first.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.uuid).not.toBe(second.uuid);
    expect(first.tooMany).toBe("RangeError: crypto.getRandomValues: at most 65536 bytes at a time, not 65537");
  });

  it("console output goes to the plugin log, stdout as info and stderr as error", async () => {
    await host.call(PLUGIN, "console");
    const lines = host.logs.list(PLUGIN).filter((l) => l.message.startsWith("to std") || l.message.startsWith("Error: to stderr"));
    expect(lines.map((l) => [l.level, l.message.split("\n")[0], l.fields.stream])).toEqual([
      ["info", 'to stdout {"n":1}', "stdout"],
      ["error", "Error: to stderr", "stderr"],
      ["info", "to stdout, \u0000 and all", "stdout"],
    ]);
  });

  it("TextEncoder, TextDecoder (fatal too), atob, btoa and Unicode property escapes", async () => {
    expect(JSON.parse(String((await host.call(PLUGIN, "text")).body))).toEqual({
      bytes: [104, 195, 169, 108, 108, 111, 32, 226, 130, 172],
      back: "héllo €",
      fatal: "TypeError: The encoded data was not valid utf-8",
      base64: "Z29hdA==",
      unbase64: "goat",
      property: true,
      nulBase64: "AGEA/w==",
      nulUnbase64: [0, 97, 0, 255],
      nulBytes: [97, 0, 98],
      nulBack: 3,
      nulResult: "x\u0000y",
    });
  });

  it("Intl is the host's: time zones, parts, numbers, plurals, collation, relative time, and its errors", async () => {
    const at = Date.UTC(2026, 2, 29, 0, 30);
    expect(JSON.parse(String((await host.call(PLUGIN, "intl")).body))).toEqual({
      berlin: new Intl.DateTimeFormat("de-DE", { timeZone: "Europe/Berlin", dateStyle: "full", timeStyle: "long" }).format(at),
      zone: "Europe/Berlin",
      parts: ["hour=20", "literal=:", "minute=30"],
      number: new Intl.NumberFormat("de-DE", { style: "currency", currency: "EUR" }).format(1234.5),
      plural: "one",
      local: new Date(at).toLocaleString("en-GB", { timeZone: "Asia/Tokyo" }),
      sorted: ["a", "Ä", "b", "z"],
      relative: "yesterday",
      badZone: "RangeError: Invalid time zone specified: Mars/Olympus",
      isFormatter: true,
    });
  });
});

describe("QuickJS: load failures name the fix", () => {
  it("a memory cap below what the engine needs", async () => {
    const manifestPath = join(fixture.dir, "manifest.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    const host = await createHost({ database: { demo: { tickets: 1 } } });
    try {
      await writeFile(manifestPath, JSON.stringify({ ...manifest, limits: { memory_mb: 8 } }));
      await expect(host.load(fixture.dir)).rejects.toThrow(/^the QuickJS engine needs at least \d+ MiB of memory, more than the plugin's limit of 8 MiB; raise limits\.memory_mb$/);
    } finally {
      await writeFile(manifestPath, JSON.stringify(manifest));
      await host.close();
    }
  });
});
