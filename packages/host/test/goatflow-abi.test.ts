import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, inspectModule, type Host, type Plugin } from "../src/index.js";
import { startServer, type RunningServer } from "../src/http/server.js";
import { PluginManager } from "../src/platform/plugin-manager.js";
import { ADMIN_TOKEN, AGENT_TOKEN, TOKENS } from "./platform/support/platform.js";
import { watFile } from "./support/plugin-dir.js";

// A plugin in C against GoatFlow's real ABI (fixtures/goatflow-c, built with clang and
// wasi-libc). The built module is committed, so only a checkout without it skips.
const C_WASM = new URL("../../../fixtures/goatflow-c/plugin.wasm", import.meta.url).pathname;
const haveC = existsSync(C_WASM);
if (!haveC) console.warn(`goatflow-abi: ${C_WASM} is missing; run pnpm --filter @goatkit/fixture-goatflow-c build (needs clang, lld, wasi-libc). The C plugin's tests are skipped.`);

const AGENT = { id: 7, login: "agent.smith", email: "smith@example.com", role: "agent" as const };
const json = (body: string | Uint8Array) => JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8")) as Record<string, any>;

for (const isolation of ["worker", "in-process"] as const) {
  describe.skipIf(!haveC)(`a GoatFlow-ABI plugin in C, loaded from its .wasm alone (${isolation})`, () => {
    let host: Host;
    let plugin: Plugin;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "goatflow-c-"));
      await copyFile(C_WASM, join(dir, "hello-c.wasm"));
      await mkdir(join(dir, "i18n"));
      await writeFile(join(dir, "i18n", "en.json"), JSON.stringify({ hello: "Hello, %s!" }));
      host = await createHost({ database: { demo: { tickets: 12 } }, isolation });
      plugin = await host.load(join(dir, "hello-c.wasm"), { grant: ["email:send"], config: { greeting: "hi" } });
    });
    afterAll(async () => {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("is detected as the goatflow binding and described by gk_register alone", () => {
      expect(plugin.binding).toBe("goatflow");
      expect(plugin.manifest).toMatchObject({
        name: "hello-c",
        version: "1.0.0",
        // GoatFlow's default grants, and the one given at load.
        permissions: ["db:read", "cache:read", "cache:write", "email:send"],
        widgets: [{ id: "hello_widget", title: "Hello", handler: "widget", location: "agent_home", size: "small", refresh_seconds: 30 }],
        jobs: [{ id: "count_tickets", handler: "count_job", schedule: "0 3 * * *", timeout_ms: 300_000 }],
      });
      // A job without `enabled: true` never runs on GoatFlow: it is not scheduled here either.
      expect(host.jobs.list("hello-c").map((j) => j.id)).toEqual(["count_tickets"]);
    });

    it("is inspected as goatflow, with every import one this host provides", async () => {
      const info = inspectModule(new Uint8Array(await readFile(C_WASM)));
      expect(info.binding).toBe("goatflow");
      expect(info.imports.filter((i) => !i.known)).toEqual([]);
      expect(info.imports.map((i) => `${i.module}.${i.name}`)).toEqual(expect.arrayContaining(["gk.host_call", "gk.log", "wasi_snapshot_preview1.fd_write"]));
    });

    it("passes a route GoatFlow's flat arguments: params, query, JSON body keys, _method, _path, _user_*", async () => {
      const res = await plugin.call("hello", {
        kind: "route",
        method: "POST",
        path: "/api/plugins/hello-c/hello/world",
        params: { name: "world" },
        query: { lang: "de", name: "query-loses" },
        body: JSON.stringify({ note: "from the body" }),
        user: AGENT,
      });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(json(res.body)).toEqual({
        greeting: "hello from C",
        args: {
          name: "query-loses",
          lang: "de",
          note: "from the body",
          _method: "POST",
          _path: "/api/plugins/hello-c/hello/world",
          _user_id: 7,
          _user_email: "smith@example.com",
          _user_login: "agent.smith",
          _user_role: "agent",
          _is_admin: false,
        },
      });
    });

    it("serves an object with html as a page", async () => {
      const res = await plugin.call("page", { kind: "route", method: "GET", path: "/page" });
      expect(res).toMatchObject({ status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: "<h1>Hello from C</h1>" });
    });

    it("unwraps a widget's {html}, called with {} as GoatFlow does", async () => {
      const res = await plugin.call("widget", { kind: "widget" });
      expect(res).toMatchObject({ status: 200, body: '<div class="hello-c">widget args {}</div>' });
    });

    it("answers db_query through host_call under the plugin's grants", async () => {
      const res = await plugin.call("tickets", { kind: "route", method: "GET", path: "/tickets" });
      expect(json(res.body)).toEqual({ rows: [{ n: 12 }] });
    });

    it("answers cache_set and cache_get with GoatFlow's JSON and base64 values", async () => {
      const res = await plugin.call("cache", { kind: "route", method: "GET", path: "/cache" });
      expect(json(res.body)).toEqual({ set: { ok: true }, get: { value: Buffer.from("hi there").toString("base64"), found: true } });
    });

    it("answers 0 for a denied or unknown host_call, and logs why with the function's name", async () => {
      const res = await plugin.call("denied", { kind: "route", method: "GET", path: "/denied" });
      expect(json(res.body)).toEqual({ db_exec: null, unknown: null });
      const errors = host.logs.list("hello-c", "error").map((e) => e.message);
      expect(errors.some((m) => m.startsWith("host_call db_exec failed: ") && /db:write/.test(m))).toBe(true);
      expect(errors.some((m) => m.startsWith('host_call no_such_function failed: there is no host function "no_such_function"'))).toBe(true);
    });

    // hc_<name> passes its own flat arguments (here: the JSON body's keys) to host_call(<name>).
    const hostCall = async (fn: string, request: Record<string, unknown>) =>
      json((await plugin.call(`hc_${fn}`, { kind: "route", method: "POST", path: "/hc", body: JSON.stringify(request) })).body).result;
    const lastError = () => host.logs.list("hello-c", "error").at(-1)?.message;

    it("answers config_get from the plugin's configuration", async () => {
      expect(await hostCall("config_get", { key: "greeting" })).toEqual({ value: "hi" });
      expect(await hostCall("config_get", { key: "app.secret" })).toBeNull();
      expect(lastError()).toBe(`host_call config_get failed: the plugin's configuration has no "app.secret"`);
    });

    it("answers translate from the plugin's i18n folder, else with the key", async () => {
      expect(await hostCall("translate", { key: "hello", args: ["Bob"] })).toEqual({ value: "Hello, Bob!" });
      expect(await hostCall("translate", { key: "not.translated" })).toEqual({ value: "not.translated" });
    });

    it("sends email through send_email when granted", async () => {
      expect(await hostCall("send_email", { to: "someone@example.com", subject: "From C", body: "Hi", html: false })).toEqual({ ok: true });
      expect(host.mailbox!.list("hello-c")).toMatchObject([{ to: ["someone@example.com"], subject: "From C" }]);
    });

    it("refuses http_request without http:external and plugin_call without plugin:call:<target>, and says why", async () => {
      expect(await hostCall("http_request", { method: "GET", url: "https://example.com/" })).toBeNull();
      expect(lastError()).toMatch(/^host_call http_request failed: .*http:external/);
      expect(await hostCall("plugin_call", { plugin: "other", function: "f", args: {} })).toBeNull();
      expect(lastError()).toMatch(/^host_call plugin_call failed: permission denied: plugin_call to "other" needs "plugin:call:other"/);
    });

    it("answers publish_event with {status: ok}", async () => {
      expect(await hostCall("publish_event", { event_type: "x", data: {} })).toEqual({ status: "ok" });
    });

    it("sends gk.log and stdout to the plugin's log", async () => {
      await plugin.call("log", { kind: "route", method: "GET", path: "/log" });
      const entries = host.logs.list("hello-c").map((e) => [e.level, e.message]);
      expect(entries).toContainEqual(["warn", "a warning from C"]);
      expect(entries).toContainEqual(["info", "printed to stdout"]);
    });

    it("runs a job and discards its result", async () => {
      const res = await plugin.call("count_job", { kind: "job" });
      expect(res.status).toBe(204);
      expect(host.logs.list("hello-c", "info").map((e) => e.message)).toContain('count_job counted [{"n":12}]');
    });
  });
}

describe.skipIf(!haveC)("a GoatFlow-ABI plugin over HTTP", () => {
  let host: Host;
  let manager: PluginManager;
  let server: RunningServer;
  let dir: string;
  const get = (path: string, token = AGENT_TOKEN) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatflow-c-http-"));
    await copyFile(C_WASM, join(dir, "hello-c.wasm"));
    host = await createHost({ database: { demo: { tickets: 3 } } });
    manager = await PluginManager.create({ host });
    await manager.adopt(await host.load(join(dir, "hello-c.wasm")));
    server = await startServer({ manager, port: 0, tokens: TOKENS, scheduler: false });
  });
  afterAll(async () => {
    await server?.close();
    await manager?.close();
    await host?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves a route with flat arguments", async () => {
    const res = await get("/api/plugins/hello-c/hello/goat?lang=en");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { args: Record<string, unknown> };
    expect(body.args).toMatchObject({ name: "goat", lang: "en", _method: "GET", _user_login: "agent.smith", _is_admin: false });
  });

  it("serves the widget's HTML", async () => {
    const res = await get("/api/plugins/hello-c/widgets/hello_widget", ADMIN_TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<div class="hello-c">widget args {}</div>');
  });
});

// The same ABI in WebAssembly text, compiled at test time: the runner's time-outs and memory
// caps apply to GoatFlow-ABI plugins as to any other (GoatFlow itself enforces neither).
describe("a GoatFlow-ABI plugin in WAT", () => {
  let host: Host;
  let plugin: Plugin;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatflow-wat-"));
    await writeFile(join(dir, "wat-goat.wasm"), await watFile("goatflow/wat-goat.wat"));
    host = await createHost();
    plugin = await host.load(join(dir, "wat-goat.wasm"), { limits: { timeout_ms: 300, memory_mb: 16 } });
  });
  afterAll(async () => {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("echoes its flat arguments and logs through gk.log", async () => {
    expect(plugin.binding).toBe("goatflow");
    const res = await plugin.call("echo", { kind: "route", method: "GET", path: "/echo", query: { q: "1" } });
    expect(json(res.body)).toEqual({ q: "1", _method: "GET", _path: "/echo" });
    expect(host.logs.list("wat-goat", "info").map((e) => e.message)).toContain("wat says hello");
  });

  it("is stopped at the plugin's time-out, and the next call is served", async () => {
    const res = await plugin.call("loop", { kind: "route", method: "GET", path: "/loop" });
    expect(res).toMatchObject({ status: 504, error: { code: "E_TIMEOUT" } });
    expect((await plugin.call("echo", { kind: "route", method: "GET", path: "/echo" })).status).toBe(200);
  });

  it("cannot grow its memory past the plugin's cap", async () => {
    const res = await plugin.call("grow", { kind: "route", method: "GET", path: "/grow" });
    expect(json(res.body)).toEqual({ ok: false });
  });

  it("reads the real clock and a real random source through WASI", async () => {
    const res = await plugin.call("clock", { kind: "route", method: "GET", path: "/clock" });
    expect(json(res.body)).toEqual({ ok: true });
  });

  it("fails a widget that does not answer {html}, as GoatFlow does", async () => {
    const res = await plugin.call("widget", { kind: "widget" });
    expect(res).toMatchObject({ status: 500, error: { code: "E_BAD_RESULT" } });
    expect(res.error?.message).toMatch(/widget handler "widget" must answer \{"html": "\.\.\."\}/);
  });
});
