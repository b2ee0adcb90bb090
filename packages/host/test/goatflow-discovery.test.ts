import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";
import type { PluginEvent } from "../src/host-functions/plugin-bus.js";
import { startServer, type RunningServer } from "../src/http/server.js";
import { PackageSource } from "../src/platform/package-sources.js";
import { PluginManager } from "../src/platform/plugin-manager.js";
import { writeZip } from "../src/packaging/zip-writer.js";
import { goatflowResources } from "../src/platform/goatflow-yaml.js";
import { AGENT_TOKEN, TOKENS } from "./platform/support/platform.js";

// GoatFlow's plugins found as GoatFlow finds them, with the C plugin of fixtures/goatflow-c
// (built with clang and wasi-libc against GoatFlow's real ABI; the built module is committed).
const C_WASM = new URL("../../../fixtures/goatflow-c/plugin.wasm", import.meta.url).pathname;
const haveC = existsSync(C_WASM);
if (!haveC) console.warn(`goatflow-discovery: ${C_WASM} is missing; run pnpm --filter @goatkit/fixture-goatflow-c build (needs clang, lld, wasi-libc). These tests are skipped.`);

const json = (body: string | Uint8Array) => JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8")) as Record<string, any>;
const route = (body: unknown) => ({ kind: "route" as const, method: "POST", path: "/hc", body: JSON.stringify(body) });

/** A key pair; `sig(file)` writes GoatFlow's `<file>.sig`: hex(Ed25519(SHA-256(file))). */
function signer() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  return {
    hex: raw.toString("hex"),
    async sig(file: string) {
      const digest = createHash("sha256").update(await readFile(file)).digest();
      await writeFile(`${file}.sig`, sign(null, digest, privateKey).toString("hex"));
    },
  };
}

describe.skipIf(!haveC)("GoatFlow plugins in the plugins directory", () => {
  let host: Host;
  let manager: PluginManager;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatflow-discovery-"));
    // A bare module, named by its file stem (not by gk_register's "hello-c").
    await copyFile(C_WASM, join(dir, "greeter.wasm"));
    // A plugin.yaml folder: its own name, resources and permissions.
    await mkdir(join(dir, "yaml-plugin"));
    await copyFile(C_WASM, join(dir, "yaml-plugin", "hello.wasm"));
    await writeFile(
      join(dir, "yaml-plugin", "plugin.yaml"),
      [
        "name: yaml-hello",
        "version: 2.0.0",
        "runtime: wasm",
        "binary: hello.wasm",
        "description: from plugin.yaml",
        "resources:",
        "  memory_mb: 32",
        "  call_timeout: 20s",
        "  permissions:",
        "    - { type: db, access: readwrite, scope: [ticket] }",
        "    - { type: cache, access: read }",
        "    - { type: http, scope: [api.example.com] }",
        "    - { type: plugin_call, scope: [greeter] }",
      ].join("\n"),
    );
    // GoatFlow's go-plugin process plugin: named as one this host cannot run.
    await mkdir(join(dir, "rpc-plugin"));
    await writeFile(join(dir, "rpc-plugin", "plugin.yaml"), "name: rpc-thing\nversion: 1.0.0\nruntime: grpc\nbinary: rpc-thing\n");
    // A permission type this host does not know.
    await mkdir(join(dir, "odd-plugin"));
    await copyFile(C_WASM, join(dir, "odd-plugin", "odd.wasm"));
    await writeFile(join(dir, "odd-plugin", "plugin.yaml"), "name: odd\nruntime: wasm\nbinary: odd.wasm\nresources:\n  permissions:\n    - { type: secure_config, access: read }\n");
    // A v0.6.5 upload package, unpacked: GoatFlow's manifest.json (a GKRegistration) and the module.
    await mkdir(join(dir, "v065-plugin"));
    await copyFile(C_WASM, join(dir, "v065-plugin", "hello-c.wasm"));
    // GoatFlow's manifest.json repeats what gk_register returns (fixtures/goatflow-c/plugin.c).
    const get = (path: string, handler: string) => ({ method: "GET", path, handler });
    const registration = {
      name: "hello-c",
      version: "1.0.0",
      description: "GoatFlow ABI plugin in C",
      author: "GoatKit",
      routes: [{ ...get("/hello/:name", "hello"), middleware: ["auth"] }, { method: "POST", path: "/hello/:name", handler: "hello" }, get("/page", "page"), get("/tickets", "tickets"), get("/cache", "cache"), get("/denied", "denied"), get("/log", "log")],
      widgets: [{ id: "hello_widget", title: "Hello", handler: "widget", location: "dashboard", size: "small", refreshable: true, refresh_sec: 30 }],
      jobs: [{ id: "count_tickets", handler: "count_job", schedule: "0 3 * * *", enabled: true, timeout: "5m" }, { id: "never_runs", handler: "count_job", schedule: "0 4 * * *" }],
    };
    await writeFile(join(dir, "v065-plugin", "manifest.json"), JSON.stringify(registration));
    // Our manifest beside a module wins over a plugin.yaml.
    await mkdir(join(dir, "ours"));
    await copyFile(C_WASM, join(dir, "ours", "plugin.wasm"));
    await writeFile(join(dir, "ours", "plugin.yaml"), "name: not-used\nruntime: wasm\nbinary: plugin.wasm\n");
    await writeFile(join(dir, "ours", "manifest.json"), JSON.stringify({ name: "hello-c-ours", version: "1.0.0", routes: [{ method: "GET", path: "/page", handler: "page" }], permissions: ["db:read"] }));

    // The same v0.6.5 package as GoatFlow's upload takes it: a zip, in a packages folder.
    await mkdir(join(dir, "uploads"));
    const zip = writeZip(new Map([["manifest.json", Buffer.from(JSON.stringify({ ...registration, name: "zipped" }))], ["zipped.wasm", new Uint8Array(await readFile(C_WASM))]]));
    await writeFile(join(dir, "uploads", "zipped-1.0.0.zip"), zip);

    host = await createHost({ database: { demo: { tickets: 5 } } });
    manager = await PluginManager.create({ host, pluginsDir: dir, sources: [new PackageSource(join(dir, "uploads"))], plugins: { "hello-c-ours": { enabled: false } } });
  });
  afterAll(async () => {
    await manager?.close();
    await host?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists a bare .wasm by its file stem, described by gk_register and marked as having no manifest", () => {
    const info = manager.info("greeter");
    expect(info).toMatchObject({ status: "discovered", hasManifest: false, goatflow: "wasm", version: "1.0.0", permissions: ["db:read", "cache:read", "cache:write"] });
    expect(info.routes.map((r) => `${r.method} ${r.mountPath}`)).toContain("GET /api/plugins/greeter/hello/:name");
    expect(info.widgets).toMatchObject([{ id: "hello_widget", location: "agent_home" }]);
    expect(manager.info("hello-c-ours")).toMatchObject({ hasManifest: true, goatflow: null });
  });

  it("calls a bare .wasm under its stem", async () => {
    const res = await manager.call("greeter", "hello", { kind: "route", method: "GET", path: "/hello/x", params: { name: "x" } });
    expect(json(res.body)).toMatchObject({ greeting: "hello from C", args: { name: "x", _method: "GET" } });
  });

  it("maps plugin.yaml's resources onto grants, allowed hosts and limits", async () => {
    expect(manager.info("yaml-hello")).toMatchObject({ goatflow: "plugin.yaml", hasManifest: false, version: "2.0.0", description: "from plugin.yaml" });
    expect(manager.manifest("yaml-hello")).toMatchObject({
      permissions: ["db:read", "db:write:ticket", "cache:read", "http:external", "plugin:call:greeter"],
      http: { allowed_hosts: ["api.example.com"] },
      limits: { memory_mb: 32, timeout_ms: 20_000 },
    });
    // Loaded under those grants: cache:read without cache:write, so cache_set answers 0.
    const res = await manager.call("yaml-hello", "hc_cache_set", route({ key: "k", value: "dg==", ttl: 1 }));
    expect(json(res.body)).toEqual({ result: null });
    expect(host.logs.list("yaml-hello", "error").at(-1)?.message).toMatch(/^host_call cache_set failed: .*cache:write/);
  });

  it("names a plugin.yaml with runtime grpc as a go-plugin this host cannot run", () => {
    const info = manager.info("rpc-plugin");
    expect(info.status).toBe("error");
    expect(info.error).toMatch(/plugin "rpc-thing" is a GoatFlow gRPC plugin: a go-plugin net\/rpc process .* which this host cannot run/);
  });

  it("refuses a permission type it does not know, naming it", () => {
    expect(manager.info("odd-plugin").error).toMatch(/resources\.permissions\[0\] \(secure_config read\) is refused: this host knows the permission types db, cache, http, email, config and plugin_call/);
  });

  it("tells GoatFlow's manifest.json (a GKRegistration) from ours and loads the package", async () => {
    expect(manager.info("hello-c")).toMatchObject({ goatflow: "manifest.json", hasManifest: false, status: "discovered" });
    const res = await manager.call("hello-c", "hello", { kind: "route", method: "GET", path: "/hello/y", params: { name: "y" } });
    expect(json(res.body)).toMatchObject({ args: { name: "y" } });
  });

  it("extracts and loads a v0.6.5 upload zip (GoatFlow's manifest.json and the module)", async () => {
    expect(manager.info("zipped")).toMatchObject({ source: "zip", goatflow: "manifest.json", hasManifest: false, location: join(dir, "uploads", "zipped-1.0.0.zip") });
    const res = await manager.call("zipped", "page", { kind: "route", method: "GET", path: "/page" });
    expect(res.body).toBe("<h1>Hello from C</h1>");
  });

  it("lets our manifest win over a plugin.yaml beside it", () => {
    expect(manager.has("not-used")).toBe(false);
    expect(manager.info("hello-c-ours")).toMatchObject({ hasManifest: true, permissions: ["db:read"] });
  });
});

describe.skipIf(!haveC)("GoatFlow's <file>.sig signatures", () => {
  const dirs: string[] = [];
  const setUp = async (files: (dir: string) => Promise<void>, trustedKeys: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), "goatflow-sig-"));
    dirs.push(dir);
    await files(dir);
    const host = await createHost({ requireSignatures: { trustedKeys } });
    const manager = await PluginManager.create({ host, pluginsDir: dir });
    return { manager, close: async () => (await manager.close(), await host.close()) };
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("loads a module signed by a trusted key given in hex (GoatFlow's form), and refuses unsigned and changed ones", async () => {
    const key = signer();
    const { manager, close } = await setUp(async (dir) => {
      await copyFile(C_WASM, join(dir, "signed.wasm"));
      await key.sig(join(dir, "signed.wasm"));
      await copyFile(C_WASM, join(dir, "unsigned.wasm"));
      await copyFile(C_WASM, join(dir, "changed.wasm"));
      await key.sig(join(dir, "changed.wasm"));
      await writeFile(join(dir, "changed.wasm"), Buffer.concat([await readFile(C_WASM), Buffer.from([0])]));
    }, [key.hex]);
    try {
      expect(manager.info("signed").status).toBe("discovered");
      expect((await manager.call("signed", "page", { kind: "route", method: "GET", path: "/page" })).status).toBe(200);
      expect(manager.info("unsigned").error).toMatch(/unsigned\.wasm is not signed: there is no unsigned\.wasm\.sig beside it, and this host requires signatures/);
      expect(manager.info("changed").error).toMatch(/changed\.wasm\.sig was not made by any of this host's 1 trusted keys over this file/);
    } finally {
      await close();
    }
  });

  it("refuses a module signed by a key the host does not trust", async () => {
    const [trusted, other] = [signer(), signer()];
    const { manager, close } = await setUp(async (dir) => {
      await copyFile(C_WASM, join(dir, "stranger.wasm"));
      await other.sig(join(dir, "stranger.wasm"));
    }, [trusted.hex]);
    try {
      expect(manager.info("stranger").status).toBe("error");
      const res = await manager.call("stranger", "page", { kind: "route", method: "GET", path: "/page" });
      expect(res.error?.code).toBe("E_PLUGIN_BROKEN");
    } finally {
      await close();
    }
  });
});

describe.skipIf(!haveC)("plugin_call and publish_event between GoatFlow plugins", () => {
  let host: Host;
  let manager: PluginManager;
  let dir: string;
  let server: RunningServer;
  const events: PluginEvent[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "goatflow-plugin-call-"));
    for (const name of ["beta", "gamma"]) await copyFile(C_WASM, join(dir, `${name}.wasm`));
    // alpha waits for whole chains of calls: its plugin.yaml gives it the time and the grants.
    await mkdir(join(dir, "alpha"));
    await copyFile(C_WASM, join(dir, "alpha", "alpha.wasm"));
    await writeFile(
      join(dir, "alpha", "plugin.yaml"),
      "name: alpha\nversion: 1.0.0\nruntime: wasm\nresources:\n  call_timeout: 60s\n  permissions:\n    - { type: plugin_call, scope: [alpha, beta] }\n    - { type: email, access: write }\n",
    );
    host = await createHost({ database: { demo: { tickets: 2 } } });
    host.services.plugins!.onEvent((event) => events.push(event));
    manager = await PluginManager.create({
      host,
      pluginsDir: dir,
      plugins: { beta: { grant: ["plugin:call:alpha"] } },
    });
    server = await startServer({ manager, port: 0, tokens: TOKENS, scheduler: false });
  });
  afterAll(async () => {
    await server?.close();
    await manager?.close();
    await host?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers the target's raw result", async () => {
    const res = await manager.call("alpha", "hc_plugin_call", route({ plugin: "beta", function: "hello", args: { from: "alpha" } }));
    expect(json(res.body)).toEqual({ result: { greeting: "hello from C", args: { from: "alpha" } } });
  });

  it("runs a plugin calling itself, and a call back along a chain, without waiting on its own instance", async () => {
    const self = await manager.call("alpha", "hc_plugin_call", route({ plugin: "alpha", function: "hello", args: { self: true } }));
    expect(json(self.body)).toEqual({ result: { greeting: "hello from C", args: { self: true } } });
    // alpha → beta → alpha: the inner alpha call runs while the outer one waits for beta.
    const chain = await manager.call("alpha", "hc_plugin_call", route({ plugin: "beta", function: "hc_plugin_call", args: { plugin: "alpha", function: "hello", args: { back: 1 } } }));
    expect(json(chain.body)).toEqual({ result: { result: { greeting: "hello from C", args: { back: 1 } } } });
  });

  it("stops chains deeper than 10 calls", async () => {
    // Each level asks alpha to plugin_call itself once more; the innermost says hello.
    const chain = (levels: number): Record<string, unknown> =>
      levels === 0 ? { plugin: "alpha", function: "hello", args: { deep: true } } : { plugin: "alpha", function: "hc_plugin_call", args: chain(levels - 1) };
    const unwrap = (value: any, levels: number) => {
      for (let i = 0; i < levels; i++) value = value.result;
      return value;
    };
    const ten = await manager.call("alpha", "hc_plugin_call", route(chain(9)));
    expect(unwrap(json(ten.body), 10)).toEqual({ greeting: "hello from C", args: { deep: true } });
    const eleven = await manager.call("alpha", "hc_plugin_call", route(chain(10)));
    expect(unwrap(json(eleven.body), 11)).toBeNull();
    expect(host.logs.list("alpha", "error").map((e) => e.message)).toContain("host_call plugin_call failed: plugin_call chains may be 10 calls deep; this one would be call 11");
  }, 120_000);

  it("refuses a call without plugin:call:<target>, naming the grant", async () => {
    const res = await manager.call("alpha", "hc_plugin_call", route({ plugin: "gamma", function: "hello", args: {} }));
    expect(json(res.body)).toEqual({ result: null });
    expect(host.logs.list("alpha", "error").at(-1)?.message).toMatch(/^host_call plugin_call failed: permission denied: plugin_call to "gamma" needs "plugin:call:gamma"/);
  });

  it("delivers publish_event to the host's listeners and answers {status: ok}", async () => {
    const res = await manager.call("beta", "hc_publish_event", route({ event_type: "ticket-updated", data: { id: 7 } }));
    expect(json(res.body)).toEqual({ result: { status: "ok" } });
    expect(events.at(-1)).toMatchObject({ plugin: "beta", event_type: "ticket-updated", data: { id: 7 } });
  });

  it("sends send_email's body as HTML when html is true, and as text when false", async () => {
    await manager.call("alpha", "hc_send_email", route({ to: "a@example.com", subject: "html", body: "<b>hi</b>", html: true }));
    await manager.call("alpha", "hc_send_email", route({ to: "a@example.com", subject: "text", body: "<b>hi</b>", html: false }));
    const sent = host.mailbox!.list("alpha");
    expect(sent.find((m) => m.subject === "html")).toMatchObject({ html: "<b>hi</b>" });
    expect(sent.find((m) => m.subject === "text")).toMatchObject({ text: "<b>hi</b>" });
    expect(sent.find((m) => m.subject === "text")?.html).toBeUndefined();
  });

  it("serves a bare .wasm's route over HTTP under its stem", async () => {
    const res = await fetch(`${server.url}/api/plugins/gamma/hello/goat?x=1`, { headers: { authorization: `Bearer ${AGENT_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { args: Record<string, unknown> }).args).toMatchObject({ name: "goat", x: "1", _method: "GET" });
  });
});

describe("plugin.yaml resources onto grants", () => {
  const map = (permissions: unknown[], extra: Record<string, unknown> = {}) => goatflowResources({ permissions, ...extra }, "plugin.yaml");

  it("maps each type and access onto the grant that allows the same host functions", () => {
    expect(map([{ type: "db", access: "write" }, { type: "cache", access: "readwrite" }, { type: "email" }, { type: "config", access: "read" }])).toEqual({
      permissions: ["db:write", "cache:read", "cache:write", "email:send"],
      allowedHosts: [],
      limits: {},
    });
    expect(goatflowResources({ memory_mb: 64, call_timeout: "1m30s" }, "plugin.yaml")).toEqual({ permissions: null, allowedHosts: [], limits: { memory_mb: 64, timeout_ms: 90_000 } });
  });

  it("refuses what it cannot enforce rather than widening it, naming the entry and the fix", () => {
    expect(() => map([{ type: "db", access: "read", scope: ["ticket"] }])).toThrow(/resources\.permissions\[0\] \(db read \["ticket"\]\) is refused: a table scope on reads cannot be enforced .*remove the scope to grant db:read/);
    expect(() => map([{ type: "db", access: "write", scope: ["fictus_*"] }])).toThrow(/"fictus_\*" is not a table name \(patterns are not supported\)/);
    expect(() => map([{ type: "email", scope: ["@example.com"] }])).toThrow(/recipient domain scopes cannot be enforced/);
    expect(() => map([{ type: "plugin_call" }])).toThrow(/name the plugins it may call in scope/);
    expect(() => map([{ type: "db", access: "all" }])).toThrow(/access "all" is not read, write or readwrite/);
    expect(() => goatflowResources({ call_timeout: "soon" }, "plugin.yaml")).toThrow(/resources\.call_timeout must be a duration such as "30s"/);
  });
});

describe.skipIf(!haveC)("plugin_call from an in-process plugin", () => {
  it("answers 0 and says the plugin must run isolated", async () => {
    const dir = await mkdtemp(join(tmpdir(), "goatflow-in-process-"));
    for (const name of ["near", "far"]) await copyFile(C_WASM, join(dir, `${name}.wasm`));
    const host = await createHost({ isolation: "in-process" });
    const manager = await PluginManager.create({ host, pluginsDir: dir, isolation: "in-process", plugins: { near: { grant: ["plugin:call:far"] } } });
    try {
      const res = await manager.call("near", "hc_plugin_call", route({ plugin: "far", function: "hello", args: {} }));
      expect(json(res.body)).toEqual({ result: null });
      expect(host.logs.list("near", "error").at(-1)?.message).toBe(
        "host_call plugin_call failed: plugin_call runs the target on an instance of its own, which an in-process plugin cannot wait for; run the plugin isolated (the default)",
      );
    } finally {
      await manager.close();
      await host.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
