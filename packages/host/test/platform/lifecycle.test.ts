import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createHost } from "../../src/index.js";
import type { ManagerEvent } from "../../src/platform/manager-events.js";
import type { PluginInfo } from "../../src/platform/plugin-info.js";
import { PluginManager } from "../../src/platform/plugin-manager.js";
import { startServer } from "../../src/http/server.js";
import { ADMIN_TOKEN, AGENT_TOKEN, copyKitchenSink, eventually, KITCHEN_SINK, manifest, pluginsDir, replaceFile, startPlatform, TOKENS, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// The plugin lifecycle of seed 004 through the admin API: discover, lazy load, enable and
// disable, reload, idle unload, LRU eviction under a memory budget, graceful shutdown.
const simple = (name: string, answer: string, extra: Record<string, unknown> = {}) => ({
  manifest: manifest(name, { routes: [{ method: "GET", path: "/answer", handler: "answer" }, { method: "GET", path: "/fail", handler: "fail" }, { method: "GET", path: "/slow", handler: "slow" }], ...extra }),
  wasm: watPlugin(name, "1.0.0", { answer: { text: answer }, fail: { failFirst: 1_000_000, text: "" }, slow: { spin: 700_000_000, text: `slow-${answer}` } }),
});

let platform: Platform | undefined;
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await platform?.close();
  platform = undefined;
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(names: string[], managerOptions: Record<string, unknown> = {}): Promise<{ dir: string; events: ManagerEvent[] }> {
  const dir = await pluginsDir();
  cleanup.push(dir.remove);
  for (const name of names) {
    const p = simple(name, `${name}-v1`);
    await writePlugin(dir.dir, name, p.manifest, p.wasm);
  }
  platform = await startPlatform({ managerOptions: { pluginsDir: dir.dir, isolation: "in-process", ...managerOptions } });
  const events: ManagerEvent[] = [];
  platform.server.manager.on("*", (event) => events.push(event));
  return { dir: dir.dir, events };
}
const info = async (name: string) => (await platform!.json<PluginInfo>(`/api/v1/plugins/${name}`)).body;
const answer = async (name: string) => {
  const res = await platform!.fetch(`/api/plugins/${name}/answer`);
  return `${res.status} ${await res.text()}`;
};

describe("plugin lifecycle", () => {
  it("discovers plugins from their manifests and loads each on its first call", async () => {
    const { events } = await setup(["alpha", "beta"]);
    const list = await platform!.json<{ plugins: PluginInfo[] }>("/api/v1/plugins");
    expect(list.status).toBe(200);
    expect(list.body.plugins.map((p) => [p.name, p.status, p.loaded, p.source])).toEqual([
      ["alpha", "discovered", false, "folder"],
      ["beta", "discovered", false, "folder"],
    ]);
    expect(list.body.plugins[0]).toMatchObject({ version: "1.0.0", description: "Test plugin alpha", enabled: true, permissions: [], routes: [{ method: "GET", path: "/answer", mountPath: "/api/plugins/alpha/answer" }, {}, {}] });

    expect(await answer("alpha")).toBe("200 alpha-v1");
    expect(await info("alpha")).toMatchObject({ status: "loaded", loaded: true, loadedAt: "2026-03-10T12:00:00.000Z", metrics: { calls: 1, errors: 0 } });
    expect((await info("beta")).loaded).toBe(false);
    expect(events.filter((e) => e.type === "loaded")).toMatchObject([{ plugin: "alpha", version: "1.0.0" }]);
  });

  it("keeps per-plugin metrics: calls, errors, p50/p99 latency, last error", async () => {
    await setup(["alpha"]);
    for (let i = 0; i < 5; i++) await answer("alpha");
    const failed = await platform!.json("/api/plugins/alpha/fail");
    expect(failed.status).toBe(503);
    const { metrics } = await info("alpha");
    expect(metrics).toMatchObject({ calls: 6, errors: 1, lastError: { message: "fail failed on purpose", code: "FLAKY", handler: "fail", at: "2026-03-10T12:00:00.000Z" } });
    expect(metrics.p50Ms).toBeGreaterThan(0);
    expect(metrics.p99Ms).toBeGreaterThanOrEqual(metrics.p50Ms!);
  });

  it("disables and enables a plugin from the admin API", async () => {
    const { events } = await setup(["alpha"]);
    await answer("alpha");
    const disabled = await platform!.json<PluginInfo>("/api/v1/plugins/alpha/disable", { method: "POST" });
    expect(disabled).toMatchObject({ status: 200, body: { status: "disabled", enabled: false, loaded: false } });
    expect((await answer("alpha")).startsWith("503 ")).toBe(true);
    const enabled = await platform!.json<PluginInfo>("/api/v1/plugins/alpha/enable", { method: "POST" });
    expect(enabled.body).toMatchObject({ status: "discovered", enabled: true });
    expect(await answer("alpha")).toBe("200 alpha-v1");
    expect(events.map((e) => e.type)).toEqual(["loaded", "disabled", "unloaded", "enabled", "loaded"]);
    expect(events[2]).toMatchObject({ type: "unloaded", reason: "disabled" });
  });

  it("reloads a plugin from the admin API with its new files", async () => {
    const { dir, events } = await setup(["alpha"]);
    expect(await answer("alpha")).toBe("200 alpha-v1");
    await replaceFile(join(dir, "alpha", "plugin.wasm"), simple("alpha", "alpha-v2").wasm);
    expect(await answer("alpha")).toBe("200 alpha-v1");
    const reloaded = await platform!.json<PluginInfo>("/api/v1/plugins/alpha/reload", { method: "POST" });
    expect(reloaded.body).toMatchObject({ status: "loaded", error: null });
    expect(await answer("alpha")).toBe("200 alpha-v2");
    expect(events.find((e) => e.type === "reloaded")).toMatchObject({ plugin: "alpha", version: "1.0.0", previousVersion: "1.0.0" });
  });

  it("answers a failed reload with the reason while the old version keeps serving", async () => {
    const { dir } = await setup(["alpha"]);
    await answer("alpha");
    await replaceFile(join(dir, "alpha", "plugin.wasm"), "garbage");
    const res = await platform!.json<{ error: string; code: string }>("/api/v1/plugins/alpha/reload", { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe("E_RELOAD");
    expect(res.body.error).toMatch(/^reloading "alpha" failed; version 1\.0\.0 keeps serving\. .*not a valid WebAssembly module/);
    expect(await answer("alpha")).toBe("200 alpha-v1");
  });

  it("unloads a plugin unused for idleTimeoutMs, by the host clock, and loads it again on the next call", async () => {
    const { events } = await setup(["alpha", "beta"], { idleTimeoutMs: 60_000, idleCheckMs: 10 });
    await answer("alpha");
    platform!.clock.now += 30_000;
    await answer("beta");
    platform!.clock.now += 30_000;
    await eventually(async () => !(await info("alpha")).loaded, 2000, "alpha unloaded as idle");
    expect((await info("beta")).loaded).toBe(true);
    expect(events.find((e) => e.type === "unloaded")).toMatchObject({ plugin: "alpha", reason: "idle" });
    expect(await answer("alpha")).toBe("200 alpha-v1");
    expect((await info("alpha")).loaded).toBe(true);
  });

  it("evicts the least recently used plugin when loaded plugins exceed the memory budget", async () => {
    const MiB = 1024 * 1024;
    const { events } = await setup(["alpha", "beta", "gamma"], { memoryBudgetBytes: 25 * MiB, memoryEstimate: () => 10 * MiB });
    await answer("alpha");
    platform!.clock.now += 1000;
    await answer("beta");
    platform!.clock.now += 1000;
    await answer("gamma");
    const loaded = async () => (await platform!.json<{ plugins: PluginInfo[] }>("/api/v1/plugins")).body.plugins.filter((p) => p.loaded).map((p) => p.name);
    expect(await loaded()).toEqual(["beta", "gamma"]);
    expect(events.find((e) => e.type === "unloaded")).toMatchObject({ plugin: "alpha", reason: "memory" });
    expect((await info("gamma")).memoryBytes).toBe(10 * MiB);
    platform!.clock.now += 1000;
    expect(await answer("alpha")).toBe("200 alpha-v1");
    expect(await loaded()).toEqual(["alpha", "gamma"]);
  });

  it("estimates memory from the module size and its initial memory by default", async () => {
    await setup(["alpha"]);
    await answer("alpha");
    const wasmBytes = simple("alpha", "alpha-v1").wasm.byteLength;
    expect((await info("alpha")).memoryBytes).toBe(wasmBytes * 4 + 2 * 65536);
  });

  it("rescans the plugins directory when watching: new folders appear, removed ones go", async () => {
    const { dir, events } = await setup(["alpha"], { watch: true, reloadDebounceMs: 30 });
    const gamma = simple("gamma", "gamma-v1");
    await writePlugin(dir, "gamma", gamma.manifest, gamma.wasm);
    await eventually(async () => (await platform!.json<{ plugins: PluginInfo[] }>("/api/v1/plugins")).body.plugins.some((p) => p.name === "gamma"), 5000, "gamma discovered");
    expect(await answer("gamma")).toBe("200 gamma-v1");
    await rm(join(dir, "gamma"), { recursive: true });
    await eventually(async () => (await platform!.json<{ plugins: PluginInfo[] }>("/api/v1/plugins")).body.plugins.every((p) => p.name !== "gamma"), 5000, "gamma removed");
    expect(events.filter((e) => e.plugin === "gamma").map((e) => e.type)).toEqual(["discovered", "loaded", "unloaded", "removed"]);
    expect((await platform!.json("/api/plugins/gamma/answer")).status).toBe(404);
  });

  it("shows a plugin with a broken manifest as an error, with the fix", async () => {
    const { dir } = await setup(["alpha"], { watch: true, reloadDebounceMs: 30 });
    await mkdir(join(dir, "broken"));
    await writeFile(join(dir, "broken", "manifest.json"), JSON.stringify({ name: "broken", version: "1.0.0", permisions: [] }));
    const broken = await eventually(async () => (await platform!.json<{ plugins: PluginInfo[] }>("/api/v1/plugins")).body.plugins.find((p) => p.name === "broken"), 5000, "the broken plugin listed");
    expect(broken).toMatchObject({ status: "error", loaded: false });
    expect(broken.error).toContain('unknown field "permisions". Fix: did you mean "permissions"?');
    const load = await platform!.json<{ code: string }>("/api/v1/plugins/broken/load", { method: "POST" });
    expect(load).toMatchObject({ status: 503, body: { code: "E_PLUGIN_BROKEN" } });
  });

  it("refuses admin actions on unknown plugins with the list of plugins", async () => {
    await setup(["alpha"]);
    const res = await platform!.json("/api/v1/plugins/ghost/enable", { method: "POST" });
    expect(res).toMatchObject({ status: 404, body: { error: 'no plugin named "ghost"; known plugins: alpha', code: "E_UNKNOWN_PLUGIN" } });
  });

  it("keeps the admin API for administrators", async () => {
    await setup(["alpha"]);
    expect((await platform!.fetch("/api/v1/plugins", { token: null })).status).toBe(401);
    const agent = await platform!.json<{ code: string }>("/api/v1/plugins/alpha/disable", { method: "POST", token: AGENT_TOKEN });
    expect(agent).toMatchObject({ status: 403, body: { code: "E_FORBIDDEN" } });
    expect((await info("alpha")).enabled).toBe(true);
  });

  it("lists the plugins to any signed-in user in GoatFlow's shape, the administrators' details to administrators only", async () => {
    await setup(["alpha"]);
    const agent = await platform!.json<{ plugins: Array<Record<string, unknown>> }>("/api/v1/plugins", { token: AGENT_TOKEN });
    expect(agent.status).toBe(200);
    expect(agent.body.plugins.map((p) => Object.keys(p).sort())).toEqual([["author", "description", "enabled", "jobs", "license", "loaded", "menuItems", "name", "routes", "version", "widgets"]]);
    expect(agent.body.plugins[0]).toMatchObject({ name: "alpha", version: "1.0.0", enabled: true, loaded: false, routes: [{ method: "GET", path: "/answer", mountPath: "/api/plugins/alpha/answer" }, {}, {}] });
    const admin = await platform!.json<{ plugins: Array<Record<string, unknown>> }>("/api/v1/plugins");
    expect(admin.body.plugins[0]).toMatchObject({ name: "alpha", author: null, license: null, status: "discovered", source: "folder", permissions: [] });
    expect(admin.body.plugins[0]).toHaveProperty("location");
  });
});

describe("graceful shutdown", () => {
  it("lets running calls finish, refuses new ones, then closes every plugin", async () => {
    const dir = await pluginsDir();
    cleanup.push(dir.remove);
    const p = simple("alpha", "alpha-v1");
    await writePlugin(dir.dir, "alpha", p.manifest, p.wasm);
    const host = await createHost();
    cleanup.push(() => host.close());
    const manager = await PluginManager.create({ host, pluginsDir: dir.dir, isolation: "worker" });
    const events: ManagerEvent[] = [];
    manager.on("*", (e) => events.push(e));
    const server = await startServer({ manager, port: 0, tokens: TOKENS });

    const slow = fetch(`${server.url}/api/plugins/alpha/slow`).then(async (res) => `${res.status} ${await res.text()}`);
    await eventually(() => manager.info("alpha").inFlight === 1, 5000, "the slow call in flight");
    const closing = manager.close();
    expect(await manager.call("alpha", "answer")).toMatchObject({ status: 503, error: { code: "E_SHUTTING_DOWN" } });
    await closing;
    expect(await slow).toBe("200 slow-alpha-v1");
    expect(events.at(-1)).toMatchObject({ type: "unloaded", plugin: "alpha", reason: "shutdown" });
    await server.close();
  });

  it("closes the server after its running requests and the manager it created", async () => {
    const dir = await pluginsDir();
    cleanup.push(dir.remove);
    const p = simple("alpha", "alpha-v1");
    await writePlugin(dir.dir, "alpha", p.manifest, p.wasm);
    const host = await createHost();
    cleanup.push(() => host.close());
    const server = await startServer({ host, port: 0, tokens: TOKENS, managerOptions: { pluginsDir: dir.dir, isolation: "worker" } });
    const slow = fetch(`${server.url}/api/plugins/alpha/slow`).then(async (res) => `${res.status} ${await res.text()}`);
    await eventually(() => server.manager.info("alpha").inFlight === 1, 5000, "the slow call in flight");
    await server.close();
    expect(await slow).toBe("200 slow-alpha-v1");
    expect(server.manager.info("alpha").loaded).toBe(false);
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
  });
});

describe("plugins loaded into the host", () => {
  it("are adopted by the manager a server creates", async () => {
    const host = await createHost();
    cleanup.push(() => host.close());
    await host.load(KITCHEN_SINK, { isolation: "in-process" });
    const server = await startServer({ host, port: 0, tokens: TOKENS });
    cleanup.push(() => server.close());
    const res = await fetch(`${server.url}/api/v1/plugins`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const [plugin] = ((await res.json()) as { plugins: PluginInfo[] }).plugins;
    expect(plugin).toMatchObject({ name: "kitchen-sink", source: "host", status: "loaded", location: KITCHEN_SINK.replace(/\/$/, "") });
    const status = await fetch(`${server.url}/api/plugins/kitchen-sink/status`);
    expect(status.status).toBe(201);
    // The host's own instance stays the host's: closing the server leaves it working.
    await server.close();
    expect((await host.call("kitchen-sink", "status")).status).toBe(201);
  });

  it("a missing plugins directory is an error that says what to do", async () => {
    const host = await createHost();
    cleanup.push(() => host.close());
    await expect(PluginManager.create({ host, pluginsDir: "/nonexistent/plugins" })).rejects.toThrow(
      "the plugins directory /nonexistent/plugins does not exist; create it, or point pluginsDir at the folder that holds your plugin folders",
    );
  });

  it("startServer says what is missing when given neither a host nor a manager", async () => {
    await expect(startServer({})).rejects.toThrow("startServer needs a host or a manager: startServer({ host: await createHost() })");
  });

  it("copies of the kitchen-sink fixture load from a plugins directory", async () => {
    const dir = await pluginsDir();
    cleanup.push(dir.remove);
    await copyKitchenSink(dir.dir);
    platform = await startPlatform({ managerOptions: { pluginsDir: dir.dir, isolation: "in-process" } });
    expect((await platform.fetch("/api/plugins/kitchen-sink/nothing")).status).toBe(204);
  });
});
