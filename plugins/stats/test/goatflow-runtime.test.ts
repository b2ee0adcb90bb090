import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkGoatflowModule } from "@goatkit/sdk/goatflow-runtime";
import { describe, expect, inject, it } from "vitest";

// The GoatFlow build, loaded as GoatFlow's own runtime loads it (the SDK's test runtime): its
// registration must decode as GoatFlow's Go types, every route answer JSON for the flat
// arguments GoatFlow builds, and the dashboard widget answer {"html"}. The database answers
// nothing here (GoatFlow's data is not ours to have); the suite in stats.test.ts runs the same
// build against real data through this project's host.
const hostCalls = {
  db_query: () => [],
  cache_get: () => ({ value: null, found: false }),
  cache_set: () => ({ ok: true }),
};

describe.runIf(process.env.STATS_TARGET === "goatflow")("stats on GoatFlow's runtime", () => {
  it("registers, answers every route with JSON and its dashboard widget with html", async () => {
    const bytes = new Uint8Array(await readFile(join(inject("statsGoatflowDir"), "build/plugin.wasm")));
    const report = await checkGoatflowModule(bytes, { hostCalls, callTimeoutMs: 30_000 });
    expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.registration?.name).toBe("stats");
    const routes = report.calls.filter((c) => c.kind === "route");
    expect(routes.map((c) => c.handler).sort()).toEqual(["admin_summary", "agent_performance", "flush_cache", "open_tickets", "resolution_time", "sla_compliance", "ticket_counts", "ticket_volume"]);
    for (const call of routes) expect(() => JSON.parse(call.answer ?? "null"), call.where).not.toThrow();
    const widget = report.calls.find((c) => c.kind === "widget" && c.handler === "render_agent_home");
    expect(JSON.parse(widget!.answer!).html).toContain("<");
    // What GoatFlow would not show is named, not hidden: the admin widget is not on its dashboard.
    expect(report.problems).toContainEqual(expect.objectContaining({ severity: "warning", where: expect.stringContaining("admin-summary") }));
  }, 120_000);
});
