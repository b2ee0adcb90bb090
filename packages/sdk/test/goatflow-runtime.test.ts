import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type WabtInit from "wabt";
import { describe, expect, it } from "vitest";
import { checkGoatflowModule, FAKE_EPOCH_NS, GoatflowLoadError, GoatflowRuntime, goatflowRouteArgs, parseGoatflowRegistration } from "../src/goatflow-runtime/index.js";

// Loaded through Node's own require: wabt's Emscripten loader breaks under vitest's transform.
const wabt = await (createRequire(import.meta.url)("wabt") as typeof WabtInit)();
const wat = (source: string) => {
  const module = wabt.parseWat("test.wat", source, { bulk_memory: true });
  try {
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
};

const root = new URL("../../../", import.meta.url);
const cPlugin = new Uint8Array(readFileSync(new URL("fixtures/goatflow-c/plugin.wasm", root)));
const watGoat = wat(readFileSync(new URL("packages/host/test/fixtures/wat/goatflow/wat-goat.wat", root), "utf8"));

/** A minimal GoatFlow module around a given registration text and extra module fields. */
function goatModule(registration: string, extra = "", memory = "(memory (export \"memory\") 1)"): Uint8Array {
  const escaped = registration.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  return wat(`(module
    ${extra}
    ${memory}
    (data (i32.const 1024) "${escaped}")
    (global $heap (mut i32) (i32.const 8192))
    (func (export "gk_malloc") (param i32) (result i32)
      (local $p i32) (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get 0))) (local.get $p))
    (func (export "gk_register") (result i64) (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const ${new TextEncoder().encode(registration).length})))
    (func (export "gk_call") (param i32 i32 i32 i32) (result i64)
      (i64.or (i64.shl (i64.extend_i32_u (local.get 2)) (i64.const 32)) (i64.extend_i32_u (local.get 3)))))`);
}

/** A module whose every call answers `answer`; `register` runs in gk_register before it returns. */
function answering(registration: string, answer: string, register = ""): Uint8Array {
  const esc = (t: string) => t.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const len = (t: string) => new TextEncoder().encode(t).length;
  return wat(`(module
    (import "gk" "host_call" (func $hc (param i32 i32 i32 i32) (result i64)))
    (memory (export "memory") 1)
    (data (i32.const 1024) "${esc(registration)}")
    (data (i32.const 3072) "${esc(answer)}")
    (data (i32.const 4000) "cache_get{}")
    (func (export "gk_malloc") (param i32) (result i32) (i32.const 8192))
    (func (export "gk_register") (result i64) ${register} (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const ${len(registration)})))
    (func (export "gk_call") (param i32 i32 i32 i32) (result i64) (i64.or (i64.shl (i64.const 3072) (i64.const 32)) (i64.const ${len(answer)}))))`);
}

describe("the GoatFlow test runtime", () => {
  it("loads the C plugin, parses its registration and calls a route with flat arguments", async () => {
    const runtime = await GoatflowRuntime.load(cPlugin);
    expect(runtime.registration.name).toBe("hello-c");
    expect(runtime.registration.routes?.map((r) => r.path)).toContain("/hello/:name");
    expect(runtime.registration.widgets?.[0]).toMatchObject({ id: "hello_widget", location: "dashboard", refresh_sec: 30 });
    expect(runtime.registration.jobs?.find((j) => j.id === "never_runs")?.enabled).toBe(false);
    const args = goatflowRouteArgs(runtime.registration.routes![0]!);
    expect(args).toMatchObject({ name: "example", _method: "GET", _path: "/hello/example", _user_role: "Agent", _is_admin: false });
    expect(runtime.callJson("hello", args)).toEqual({ greeting: "hello from C", args });
  });

  it("answers every host_call with 0 by default and records it; a test's handler answers JSON", async () => {
    const denied = await GoatflowRuntime.load(cPlugin);
    expect(denied.callJson("tickets")).toEqual({ rows: null });
    expect(denied.hostCalls).toEqual([expect.objectContaining({ name: "db_query", answer: null })]);
    expect(JSON.parse(denied.hostCalls[0]!.args)).toEqual({ query: "SELECT COUNT(*) AS n FROM ticket WHERE id > ?", args: [0] });
    expect(denied.logs.at(-1)).toMatchObject({ levelName: "error", message: expect.stringContaining("host_call db_query failed") });

    const cache = new Map<string, string>();
    const runtime = await GoatflowRuntime.load(cPlugin, {
      hostCalls: {
        db_query: (args) => [{ n: (args as { args: number[] }).args.length + 41 }],
        cache_set: (args) => (cache.set((args as { key: string }).key, (args as { value: string }).value), { ok: true }),
        cache_get: (args) => ({ value: cache.get((args as { key: string }).key) ?? null, found: cache.has((args as { key: string }).key) }),
      },
    });
    expect(runtime.callJson("tickets")).toEqual({ rows: [{ n: 42 }] });
    expect(runtime.callJson("cache")).toEqual({ set: { ok: true }, get: { value: "aGkgdGhlcmU=", found: true } });
    expect(runtime.callJson("hc_translate", { key: "x" })).toEqual({ result: null });
  });

  it("records integer log levels and keeps stdout apart, as GoatFlow discards it", async () => {
    const runtime = await GoatflowRuntime.load(cPlugin);
    expect(runtime.callJson("log")).toEqual({ logged: true });
    expect(runtime.logs).toContainEqual({ level: 2, levelName: "warn", message: "a warning from C", delivered: true });
    expect(runtime.output.stdout).toBe("printed to stdout\n");
  });

  it("gives wazero's fake clock and a fixed random sequence", async () => {
    const runtime = await GoatflowRuntime.load(watGoat);
    // wat-goat's clock route is true only for a real clock and two different random reads.
    expect(runtime.callJson("clock")).toEqual({ ok: false });
    const probe = await GoatflowRuntime.load(
      wat(`(module (import "wasi_snapshot_preview1" "clock_time_get" (func $t (param i32 i64 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "gk_malloc") (param i32) (result i32) (i32.const 4096))
        (func (export "gk_register") (result i64) (i64.store (i32.const 0) (i64.const 0)) (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2)))
        (data (i32.const 2048) "{}")
        (func (export "gk_call") (param i32 i32 i32 i32) (result i64)
          (drop (call $t (i32.const 0) (i64.const 1) (i32.const 16)))
          (drop (call $t (i32.const 0) (i64.const 1) (i32.const 24)))
          (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 16))))`),
    );
    const bytes = probe.call("t").bytes!;
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(0, true)).toBe(FAKE_EPOCH_NS);
    expect(view.getBigUint64(8, true)).toBe(FAKE_EPOCH_NS + 1_000_000n);
  });

  it("fails memory growth past 16 MiB", async () => {
    const runtime = await GoatflowRuntime.load(watGoat);
    // wat-goat's grow route asks for 400 more pages (25 MiB).
    expect(runtime.callJson("grow")).toEqual({ ok: false });
    expect(runtime.memoryPages).toBeLessThanOrEqual(256);
  });

  it("refuses a module importing env.abort, naming the import and the goatflow build target", async () => {
    const bytes = goatModule("{}", '(import "env" "abort" (func (param i32 i32 i32 i32)))');
    const error = await GoatflowRuntime.load(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoatflowLoadError);
    expect((error as GoatflowLoadError).code).toBe("E_IMPORT");
    expect((error as Error).message).toContain('env.abort comes from module "env", which GoatFlow does not provide');
    expect((error as Error).message).toContain("gk plugin build --target goatflow");
  });

  it("refuses a core-ABI module importing host.*", async () => {
    const bytes = goatModule("{}", '(import "host" "db_query" (func (param i32 i32) (result i64)))');
    await expect(GoatflowRuntime.load(bytes)).rejects.toThrow(/host\.db_query .*core-ABI module.*gk plugin build --target goatflow/);
  });

  it("refuses gk imports GoatFlow lacks or types differently", async () => {
    await expect(GoatflowRuntime.load(goatModule("{}", '(import "gk" "cache_get" (func (param i32 i32) (result i64)))'))).rejects.toThrow(/no function cache_get/);
    await expect(GoatflowRuntime.load(goatModule("{}", '(import "gk" "host_call" (func (param i32 i32 i32 i32) (result i32)))'))).rejects.toThrow(
      /gk\.host_call is imported as \(i32, i32, i32, i32\) -> i32, but GoatFlow defines it as \(i32, i32, i32, i32\) -> i64/,
    );
  });

  it("refuses a module whose memory starts at 17 MiB, and one declaring a maximum over 16 MiB", async () => {
    await expect(GoatflowRuntime.load(goatModule("{}", "", '(memory (export "memory") 272)'))).rejects.toThrow(/starts at 272 pages \(17 MiB\), over GoatFlow's limit of 256 pages \(16 MiB\)/);
    await expect(GoatflowRuntime.load(goatModule("{}", "", '(memory (export "memory") 1 300)'))).rejects.toThrow(/maximum of 300 pages/);
  });

  it("refuses a registration Go's encoding/json cannot decode", async () => {
    await expect(GoatflowRuntime.load(goatModule('{"name":"x","widgets":[{"id":"w","refresh_sec":"30"}]}'))).rejects.toThrow(
      /json: cannot unmarshal string into Go struct field WidgetSpec.widgets.refresh_sec of type int/,
    );
    await expect(GoatflowRuntime.load(goatModule('{"name":"x","jobs":[{"id":"j","enabled":"true"}]}'))).rejects.toThrow(/of type bool/);
    await expect(GoatflowRuntime.load(goatModule("not json"))).rejects.toThrow(/gk_register failed: parse manifest/);
  });

  it("decodes as Go does: case-insensitive keys, null as zero, unknown keys ignored, integers only", () => {
    const parsed = parseGoatflowRegistration('{"Name":"x","version":null,"widgets":[{"ID":"w","refresh_seconds":5}]}');
    expect(parsed.registration).toMatchObject({ name: "x", version: "", widgets: [{ id: "w", refresh_sec: 0 }] });
    expect(parsed.ignored).toEqual(["widgets.refresh_seconds"]);
    expect(parseGoatflowRegistration('{"widgets":[{"order":1.0}]}').errors[0]).toContain("cannot unmarshal number 1.0");
  });

  it("calls gk_malloc for the name and the arguments and gk_free for the result, the arguments and the name", async () => {
    const runtime = await GoatflowRuntime.load(
      wat(`(module (import "gk" "log" (func $log (param i32 i32 i32)))
        (memory (export "memory") 1)
        (global $heap (mut i32) (i32.const 8192))
        (data (i32.const 1024) "{}")
        (func (export "gk_malloc") (param $n i32) (result i32) (local $p i32)
          (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (i32.const 64))) (local.get $p))
        (func (export "gk_free") (param $p i32) (call $log (i32.const 1) (local.get $p) (i32.const 0)))
        (func (export "gk_register") (result i64) (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const 2)))
        (func (export "gk_call") (param i32 i32 i32 i32) (result i64)
          (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const 2))))`),
    );
    expect(runtime.callJson("f", { a: 1 })).toEqual({});
    // The log's message is empty; its pointer is not visible, so count the frees.
    expect(runtime.logs.filter((l) => l.message === "")).toHaveLength(3);
    runtime.logs.length = 0;
    runtime.call("f");
    expect(runtime.logs).toHaveLength(2); // no arguments: result and name only
  });
});

describe("checkGoatflowModule", () => {
  it("passes the C plugin: every route answers JSON and its dashboard widget answers html", async () => {
    const report = await checkGoatflowModule(cPlugin);
    expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.calls.filter((c) => c.kind === "route")).toHaveLength(7);
    expect(report.calls.find((c) => c.kind === "widget")?.answer).toContain('"html"');
    expect(report.problems).toContainEqual(expect.objectContaining({ severity: "warning", where: "job never_runs" }));
    expect(report.problems).toContainEqual(expect.objectContaining({ where: "module", message: expect.stringContaining("_initialize") }));
  });

  it("reports wat-goat's widget without html as an error", async () => {
    const report = await checkGoatflowModule(watGoat, { skip: ["loop"] });
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual({ severity: "error", where: "widget bad_widget", message: expect.stringContaining('no "html" string') });
    expect(report.problems).toContainEqual(expect.objectContaining({ where: "route GET /loop", message: expect.stringContaining("not called") }));
  });

  it("reports widgets outside the dashboard and a module GoatFlow refuses", async () => {
    const report = await checkGoatflowModule(goatModule('{"name":"x","widgets":[{"id":"w","handler":"w","location":"agent_home"}]}'));
    expect(report.problems).toContainEqual(expect.objectContaining({ severity: "warning", where: "widget w", message: expect.stringContaining("never rendered") }));
    const refused = await checkGoatflowModule(goatModule("{}", '(import "env" "abort" (func (param i32 i32 i32 i32)))'));
    expect(refused.ok).toBe(false);
    expect(refused.problems[0]).toMatchObject({ severity: "error", where: "module", message: expect.stringContaining("env.abort") });
  });

  it("in a worker, reports a handler that never returns and checks the rest; host_call handlers still answer", async () => {
    // The limit only decides when the check gives up on wat-goat's loop, which never returns.
    const report = await checkGoatflowModule(watGoat, { callTimeoutMs: 10_000 });
    expect(report.problems).toContainEqual(expect.objectContaining({ severity: "error", where: "route GET /loop", message: expect.stringContaining("loop did not return within 10000 ms") }));
    expect(report.problems).not.toContainEqual(expect.objectContaining({ where: "route GET /loop", message: expect.stringContaining("not called") }));
    expect(report.calls.map((c) => c.handler)).toEqual(["echo", "grow", "clock", "widget"]);
    expect(report.problems).toContainEqual(expect.objectContaining({ where: "widget bad_widget", severity: "error" }));

    const isolated = await checkGoatflowModule(cPlugin, { callTimeoutMs: 60_000, hostCalls: { db_query: (args) => [{ n: (args as { args: unknown[] }).args.length }] } });
    expect(isolated.ok).toBe(true);
    const tickets = isolated.calls.find((c) => c.handler === "tickets")!;
    expect(JSON.parse(tickets.answer!)).toEqual({ rows: [{ n: 1 }] });
    expect(tickets.hostCalls).toEqual([expect.objectContaining({ name: "db_query", answer: '[{"n":1}]' })]);
  }, 60_000);

  it("warns that a gk_response loses its status and headers, and fails a gk_template", async () => {
    const routes = '{"name":"r","version":"1.0.0","routes":[{"method":"GET","path":"/r","handler":"r"}]}';
    const response = await checkGoatflowModule(answering(routes, '{"gk_response":{"status":201,"headers":{"location":"/x"},"body":"made"}}'));
    expect(response.ok).toBe(true);
    expect(response.problems).toContainEqual(expect.objectContaining({ severity: "warning", where: "route GET /r", message: expect.stringContaining("cannot set a status or headers") }));
    const template = await checkGoatflowModule(answering(routes, '{"gk_template":{"name":"t.html","context":{}}}'));
    expect(template.ok).toBe(false);
    expect(template.problems).toContainEqual(expect.objectContaining({ severity: "error", where: "route GET /r", message: expect.stringContaining("gk_template") }));
  });

  it("answers 0 to a host_call made during gk_register, and warns", async () => {
    const module = answering('{"name":"early","version":"1.0.0"}', "{}", "(drop (call $hc (i32.const 4000) (i32.const 9) (i32.const 4009) (i32.const 2)))");
    const runtime = await GoatflowRuntime.load(module, { hostCalls: { cache_get: () => ({ value: null, found: false }) } });
    expect(runtime.hostCalls).toEqual([expect.objectContaining({ name: "cache_get", answer: null, failure: expect.stringContaining("before the plugin's Init") })]);
    const report = await checkGoatflowModule(module);
    expect(report.problems).toContainEqual(expect.objectContaining({ severity: "warning", where: "registration", message: expect.stringContaining("host_call cache_get during _start or gk_register") }));
  });
});
