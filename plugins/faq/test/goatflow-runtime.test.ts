import { readFile } from "node:fs/promises";
import { checkGoatflowModule } from "@goatkit/sdk/goatflow-runtime";
import { describe, expect, it } from "vitest";

// The GoatFlow build (QuickJS inside), loaded as GoatFlow's own runtime loads it (the SDK's test
// runtime): its registration must decode as GoatFlow's Go types, every route answer JSON for the
// flat arguments GoatFlow builds, and the dashboard widget answer {"html"}. The database answers
// no rows here; the rest of this suite runs the same build against real data through the host.
const hostCalls = {
  db_query: () => [],
  db_exec: () => ({ affected: 0 }),
  cache_get: () => ({ value: null, found: false }),
  cache_set: () => ({ ok: true }),
  config_get: () => ({ value: null }),
};

describe.runIf(process.env.FAQ_TARGET === "goatflow")("faq on GoatFlow's runtime", () => {
  it("registers, answers every route with JSON and its dashboard widget with html", async () => {
    const bytes = new Uint8Array(await readFile(new URL("../build/goatflow/plugin.wasm", import.meta.url)));
    const report = await checkGoatflowModule(bytes, { hostCalls, callTimeoutMs: 30_000, paramValue: "1" });
    expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.registration?.name).toBe("faq");
    const routes = report.calls.filter((c) => c.kind === "route");
    expect(routes).toHaveLength(17);
    for (const call of routes) expect(() => JSON.parse(call.answer ?? "null"), call.where).not.toThrow();
    const widget = report.calls.find((c) => c.kind === "widget" && c.handler === "top_articles_widget");
    expect(typeof JSON.parse(widget!.answer!).html).toBe("string");
  }, 120_000);
});
