import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, generateDemoData, type Host } from "../src/index.js";
import { pluginDir, watFile } from "./support/plugin-dir.js";

// The tutorial's plugin, with exactly its imports, exports and manifest, must run unchanged.
const manifest = JSON.parse(await readFile(new URL("./fixtures/wat/ticket-counter.manifest.json", import.meta.url), "utf8"));
const wasm = await watFile("ticket-counter.wat");
const demo = { anchorDay: "2026-06-30", seed: 7, tickets: 500 };

/**
 * The same figures, counted from the generated rows without SQL or the plugin: GoatFlow's
 * `ticket` and `ticket_state`, which the tutorial's SQL reads through its `tickets` and
 * `ticket_states` views.
 */
function expectedCounts(): { state: string; count: number }[] {
  const tables = generateDemoData(demo);
  const stateTable = tables.find((t) => t.table === "ticket_state")!;
  const states = new Map(stateTable.rows.map((r) => [r[stateTable.columns.indexOf("id")], String(r[stateTable.columns.indexOf("name")])]));
  const ticket = tables.find((t) => t.table === "ticket")!;
  const counts = new Map<string, number>();
  for (const row of ticket.rows) {
    const state = states.get(row[ticket.columns.indexOf("ticket_state_id")])!;
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return [...counts].map(([state, count]) => ({ state, count })).sort((a, b) => b.count - a.count);
}

describe("the tutorial's ticket-counter plugin (hand-written WAT, TinyGo-style gk_alloc)", () => {
  let host: Host;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    host = await createHost({ database: { demo } });
  });
  afterEach(async () => {
    await host.close();
    await cleanup?.();
  });

  it("answers get_counts with the ticket counts by state from the demo database", async () => {
    const dir = await pluginDir(manifest, wasm);
    cleanup = dir.cleanup;
    const plugin = await host.load(dir.dir);
    expect(plugin.name).toBe("ticket-counter");
    const res = await host.call("ticket-counter", "get_counts", { kind: "route", method: "GET", path: "/api/plugins/ticket-counter/counts" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    const counts = JSON.parse(String(res.body));
    expect(counts.map((c: { state: string; count: number }) => c.count)).toEqual(expectedCounts().map((c) => c.count));
    expect(new Set(counts.map((c: { state: string }) => c.state))).toEqual(new Set(expectedCounts().map((c) => c.state)));
  });

  it("serves the second call from its cache for 60 seconds", async () => {
    let now = Date.parse("2026-07-01T09:00:00Z");
    await host.close();
    host = await createHost({ database: { demo }, now: () => now });
    const dir = await pluginDir(manifest, wasm);
    cleanup = dir.cleanup;
    await host.load(dir.dir);
    const first = await host.call("ticket-counter", "get_counts");
    await host.services.db.exec("DELETE FROM ticket WHERE ticket_state_id = ?", [1]);
    const cached = await host.call("ticket-counter", "get_counts");
    expect(cached.body).toBe(first.body);
    now += 61_000;
    const fresh = await host.call("ticket-counter", "get_counts");
    expect(JSON.parse(String(fresh.body)).some((c: { state: string }) => c.state === "new")).toBe(false);
  });

  it("renders its widget as HTML", async () => {
    const dir = await pluginDir(manifest, wasm);
    cleanup = dir.cleanup;
    await host.load(dir.dir);
    const res = await host.call("ticket-counter", "render_widget", { kind: "widget" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(String(res.body)).toMatch(/^<div class="grid grid-cols-2 gap-4" data-counts='\[\{"state":".+","count":\d+\}.*\]'><\/div>$/);
  });

  it("gets the error envelope when db:read is not granted, and the denial is logged", async () => {
    const dir = await pluginDir({ ...manifest, permissions: ["cache:read", "cache:write"] }, wasm);
    cleanup = dir.cleanup;
    await host.load(dir.dir);
    const res = await host.call("ticket-counter", "get_counts");
    expect(res.status).toBe(500);
    expect(JSON.parse(String(res.body))).toEqual({ error: "query failed", code: "PLUGIN_ERROR" });
    const lines = host.logs.list("ticket-counter");
    expect(lines.find((l) => l.level === "warn")?.message).toBe('permission denied: db_query needs "db:read"; add it to manifest.permissions');
    const logged = lines.find((l) => l.message === "Query failed");
    expect(logged?.level).toBe("error");
    expect(logged?.fields).toEqual({ error: 'permission denied: db_query needs "db:read"; add it to manifest.permissions', code: "E_PERMISSION_DENIED" });
  });
});
