/**
 * TypeScript plugins built for GoatFlow (`buildPlugin({ target: "goatflow" })`, docs/goatflow.md):
 * one module with QuickJS inside, pre-initialised with the plugin's script. fixtures/ts-goatflow is
 * built here and run through the real host as a GoatFlow-ABI module: flat arguments in,
 * GoatFlow's results out, host functions through gk.host_call, and the sandbox's limits.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlugin } from "@goatkit/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";

const FIXTURE = new URL("../../../fixtures/ts-goatflow/", import.meta.url).pathname;
const ENGINE = new URL("../../sdk/goatflow-engine/engine.wasm", import.meta.url).pathname;
const AGENT = { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent" as const };
const MiB = 1024 * 1024;

let work: string;
let wasm: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "goatkit-ts-goatflow-"));
  const result = await buildPlugin({ dir: FIXTURE, target: "goatflow", outFile: join(work, "module.wasm") });
  expect(result.binding).toBe("goatflow");
  wasm = new Uint8Array(await readFile(result.outFile));
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

/** The plugin folder the host loads: the manifest beside the module, or the module alone. */
async function pluginDir(name: string, withManifest: boolean): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, "build"), { recursive: true });
  if (withManifest) await copyFile(join(FIXTURE, "manifest.json"), join(dir, "manifest.json"));
  await writeFile(join(dir, "build", "plugin.wasm"), wasm);
  return dir;
}

describe("the module", () => {
  it("imports nothing but gk.host_call, gk.log and WASI preview1, and exports GoatFlow's ABI", () => {
    const module = new WebAssembly.Module(wasm);
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
    expect(imports).toContain("gk.host_call");
    expect(imports).toContain("gk.log");
    expect(imports.filter((name) => !name.startsWith("gk.") && !name.startsWith("wasi_snapshot_preview1."))).toEqual([]);
    expect(imports.filter((name) => name.startsWith("gk."))).toEqual(["gk.host_call", "gk.log"]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["gk_call", "gk_free", "gk_malloc", "gk_register", "memory"]);
  });

  it("is the same, byte for byte, when built again", async () => {
    const again = await buildPlugin({ dir: FIXTURE, target: "goatflow", outFile: join(work, "again.wasm") });
    expect(Buffer.compare(await readFile(again.outFile), Buffer.from(wasm)), "two builds of one plugin differ").toBe(0);
  }, 120_000);

  it("starts an instance with the memory its snapshot holds, and grows it as the heap grows", async () => {
    const alone = await instantiateAlone();
    // The build-time initialisation grew the memory to over 8 MiB; the snapshot needs under 1 MiB.
    expect(alone.memory.buffer.byteLength).toBeLessThan(1 * MiB);
    const pong = alone.call("ping");
    expect(pong).toContain("pong");
    // A 1 MiB request: the arguments and what the binding makes of them need more than that.
    expect(alone.call("ping", { filler: "x".repeat(1 * MiB) })).toBe(pong);
    expect(alone.memory.buffer.byteLength).toBeGreaterThan(2 * MiB);
    expect(alone.call("ping")).toBe(pong);
  });

  it("starts an instance without the engine's lazy tables, and copies them in when a call first reads them", async () => {
    const engine = new WebAssembly.Module(await readFile(ENGINE));
    const [section] = WebAssembly.Module.customSections(engine, "goatkit.lazy_data");
    const { ranges } = JSON.parse(new TextDecoder().decode(section)) as { ranges: [number, number][] };
    // The tables as the engine's own data puts them in memory.
    const wasi = new Proxy({}, { get: () => () => 0 });
    const engineMemory = (new WebAssembly.Instance(engine, { gk: { host_call: () => 0n, log: () => {} }, wasi_snapshot_preview1: wasi as WebAssembly.ModuleImports }).exports.memory as WebAssembly.Memory).buffer;
    const alone = await instantiateAlone();
    const tables = () => ranges.map(([start, end]) => Buffer.from(alone.memory.buffer, start, end - start));
    for (const bytes of tables()) expect(bytes.every((byte) => byte === 0)).toBe(true);
    alone.call("ping");
    for (const bytes of tables()) expect(bytes.every((byte) => byte === 0)).toBe(true);
    alone.call("tables", { fn: "upper", s: "é" });
    tables().forEach((bytes, i) => expect(Buffer.compare(bytes, Buffer.from(engineMemory, ranges[i]![0], bytes.length))).toBe(0));
  });

  it("loads the tables of libm and of Unicode on first use, in each instance, whatever reads them first", async () => {
    // The engine's tables are not in the snapshot (docs/goatflow.md): each case runs first in an
    // instance of its own, and must read them as an instance that has them already does.
    const cases: [fn: string, input: { x?: string; s?: string }, expected: unknown][] = [
      ["exp", { x: "1.5" }, Math.exp(1.5)],
      ["log", { x: "10" }, Math.log(10)],
      ["log2", { x: "10" }, Math.log2(10)],
      ["log10", { x: "1000" }, 3],
      ["pow", { x: "2.5" }, Math.pow(2.5, 3.7)],
      ["power", { x: "2" }, Math.SQRT2],
      ["sin", { x: "1e22" }, Math.sin(1e22)],
      ["cos", { x: "1e22" }, Math.cos(1e22)],
      ["tan", { x: "1e22" }, Math.tan(1e22)],
      ["sinh", { x: "3" }, Math.sinh(3)],
      ["cosh", { x: "3" }, Math.cosh(3)],
      ["tanh", { x: "0.5" }, Math.tanh(0.5)],
      ["asinh", { x: "3" }, Math.asinh(3)],
      ["acosh", { x: "3" }, Math.acosh(3)],
      ["atanh", { x: "5" }, Math.atanh(0.5)],
      ["expm1", { x: "1e-5" }, Math.expm1(1e-5)],
      ["log1p", { x: "1e-5" }, Math.log1p(1e-5)],
      ["cbrt", { x: "27" }, 3],
      ["lower", { s: "ÀÉÎ ΣΑΣ" }, "àéî σας"],
      ["upper", { s: "straße" }, "STRASSE"],
      ["nfd", { s: "\u00e9" }, "e\u0301"],
      ["nfc", { s: "e\u0301" }, "\u00e9"],
      ["letters", { s: "42 ñandú!" }, "ñandú"],
      ["greek", { s: "abc αβγ" }, "αβγ"],
      ["fold", { s: "éÉ" }, true],
    ];
    for (const [fn, input, expected] of cases) {
      const first = JSON.parse((await instantiateAlone()).call("tables", { fn, ...input })).value;
      const loaded = await instantiateAlone();
      loaded.call("tables", { fn: "pow", x: "2" });
      expect(first, `${fn} first in its instance`).toEqual(JSON.parse(loaded.call("tables", { fn, ...input })).value);
      if (typeof expected === "number") expect(Math.abs(first - expected), fn).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
      else expect(first, fn).toEqual(expected);
    }
  });

  it("keeps its memory under 16 MiB when a handler allocates without bound, and traps that call", async () => {
    // Instantiated directly, with no host: the module's own maximum and the engine's limit hold.
    const alone = await instantiateAlone();
    expect(() => alone.call("hog")).toThrow(WebAssembly.RuntimeError);
    expect(alone.memory.buffer.byteLength).toBeLessThanOrEqual(16 * MiB);
    expect(alone.logged.join("\n")).toMatch(/out of memory/);
    expect(() => alone.memory.grow(1 + (16 * MiB - alone.memory.buffer.byteLength) / 65536)).toThrow(RangeError);
  });
});

let compiled: WebAssembly.Module | undefined;

/** The module instantiated directly, with no host: host_call refuses, log lines are kept. */
async function instantiateAlone() {
  let memory: WebAssembly.Memory | undefined;
  const logged: string[] = [];
  const read = (ptr: number, len: number) => Buffer.from(memory!.buffer, ptr, len).toString("utf8");
  const wasi = new Proxy({}, { get: (_t, name) => (name === "clock_time_get" ? (_id: number, _p: bigint, ptr: number) => (new DataView(memory!.buffer).setBigUint64(ptr, 0n, true), 0) : () => 0) });
  compiled ??= new WebAssembly.Module(wasm);
  const instance = await WebAssembly.instantiate(compiled, {
    gk: { host_call: () => 0n, log: (_level: number, ptr: number, len: number) => void logged.push(read(ptr, len)) },
    wasi_snapshot_preview1: wasi as WebAssembly.ModuleImports,
  });
  const exports = instance.exports as { memory: WebAssembly.Memory; gk_malloc(n: number): number; gk_call(a: number, b: number, c: number, d: number): bigint };
  memory = exports.memory;
  const write = (text: string): [number, number] => {
    const bytes = Buffer.from(text);
    const ptr = exports.gk_malloc(bytes.length);
    Buffer.from(memory!.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  };
  /** gk_call with GoatFlow's flat arguments; the answer's text. */
  const call = (handler: string, args: Record<string, unknown> = {}): string => {
    const packed = exports.gk_call(...write(handler), ...write(JSON.stringify(args)));
    return read(Number(packed >> 32n), Number(packed & 0xffffffffn));
  };
  return { memory, logged, call };
}

for (const isolation of ["worker", "in-process"] as const) {
  describe(`through the host (${isolation})`, () => {
    let host: Host;
    const route = (handler: string, extra: Record<string, unknown> = {}) => host.call("ts-goatflow", handler, { kind: "route", method: "GET", user: AGENT, ...extra });
    const body = async (handler: string, extra: Record<string, unknown> = {}) => {
      const res = await route(handler, extra);
      expect(res.error, String(res.body)).toBeUndefined();
      return JSON.parse(String(res.body)) as Record<string, any>;
    };

    beforeAll(async () => {
      host = await createHost({ database: { demo: { tickets: 1 } }, isolation });
      const plugin = await host.load(await pluginDir(`with-manifest-${isolation}`, true), { config: { greeting: "Moin" }, limits: { timeout_ms: 1500 } });
      expect(plugin.binding).toBe("goatflow");
    });
    afterAll(() => host.close());

    it("rebuilds the request from GoatFlow's flat arguments", async () => {
      expect(await body("hello", { params: { name: "Ada" }, query: { q: "tickets" } })).toEqual({
        greeting: "Moin, Ada!",
        method: "GET",
        path: "",
        q: "tickets",
        user: { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent" },
        one: 1,
      });
    });

    it("reaches the cache through host_call, bytes as base64", async () => {
      expect(await body("save_note", { method: "POST", params: { id: "n1" }, body: JSON.stringify({ text: "Grüße ✓" }) })).toEqual({ id: "n1", stored: "Grüße ✓", missing: null });
    });

    it("answers HTML as GoatFlow's page and a widget as {html}", async () => {
      const page = await route("page");
      expect(page.headers["content-type"]).toMatch(/text\/html/);
      expect(String(page.body)).toBe("<h1>Notes &amp; more</h1>");
      const widget = await host.call("ts-goatflow", "greeting_widget", { kind: "widget", user: AGENT });
      expect(String(widget.body)).toBe("<p>Moin from a GoatFlow build</p>");
    });

    it("answers a plugin error as GoatFlow does: JSON with status 200", async () => {
      const res = await route("missing", { query: { id: "9" } });
      expect(res.status).toBe(200);
      expect(JSON.parse(String(res.body))).toEqual({ error: "note 9 not found", code: "NOT_FOUND", status: 404 });
    });

    it("turns a refused host_call (0) into the SDK's ServiceError", async () => {
      const answer = await body("fetch_out");
      expect(answer).toMatchObject({ code: "E_SERVICE", status: 500 });
      expect(answer.error).toMatch(/host_call http_request failed/);
    });

    it("seeds Math.random per instance, not in the snapshot", async () => {
      const { a, b } = await body("random");
      expect(a).not.toBe(b);
      const other = await createHost({ database: { demo: false }, isolation });
      try {
        await other.load(await pluginDir(`random-${isolation}`, true));
        const res = await other.call("ts-goatflow", "random", { kind: "route", method: "GET" });
        expect(JSON.parse(String(res.body)).a).not.toBe(a);
      } finally {
        await other.close();
      }
    });

    it("traps on an uncaught error and on memory exhaustion, and the host keeps serving", async () => {
      expect((await route("boom")).error?.code).toBe("E_TRAP");
      expect((await route("hog")).error?.code).toBe("E_TRAP");
      expect(String((await route("ping")).body)).toBe("pong");
    });

    it.runIf(isolation === "worker")("stops a handler that never returns at the time-out", async () => {
      expect((await route("spin")).error?.code).toBe("E_TIMEOUT");
      expect(String((await route("ping")).body)).toBe("pong");
    });
  });
}

describe("loaded as the module alone", () => {
  it("is described by its gk_register, in GoatFlow's registration", async () => {
    const host = await createHost({ database: { demo: false } });
    try {
      const plugin = await host.load(join(await pluginDir("bare", false), "build", "plugin.wasm"));
      expect(plugin.binding).toBe("goatflow");
      expect(plugin.manifest).toMatchObject({
        name: "ts-goatflow",
        version: "1.0.0",
        permissions: ["db:read", "cache:read", "cache:write"],
        widgets: [{ id: "greeting", handler: "greeting_widget", location: "agent_home", size: "small", refresh_seconds: 60 }],
      });
      expect(plugin.manifest.routes?.map((r) => r.handler)).toContain("hello");
    } finally {
      await host.close();
    }
  });
});
