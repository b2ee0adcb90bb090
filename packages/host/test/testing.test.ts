import { afterEach, describe, expect, it } from "vitest";
import { createTestHost, type TestHost } from "../src/testing/index.js";

const plugin = new URL("../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;
const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

describe("the testing API", () => {
  let t: TestHost;
  afterEach(() => t?.close());

  it("starts from cache fixtures and records the host calls made", async () => {
    t = await createTestHost({ plugin, cache: { ticket_counts: '[{"state":"open","count":3}]' } });
    expect(await t.json("count_tickets")).toEqual({ source: "cache", counts: [{ state: "open", count: 3 }] });
    t.expectHostCall("cache_get", { key: "ticket_counts" }, 1);
    t.expectNoHostCall("db_query");
  });

  it("inserts row fixtures after the plugin's migrations", async () => {
    t = await createTestHost({ plugin, rows: { kitchen_sink_notes: [{ id: 7, body: "fixture" }] } });
    expect(await t.json("query", post({ sql: "SELECT id, body FROM kitchen_sink_notes", args: [] }))).toEqual([{ id: 7, body: "fixture" }]);
    t.expectHostCall("db_query", { sql: /kitchen_sink_notes/ });
  });

  it("answers outbound HTTP from a local server, after the allowed-hosts check", async () => {
    t = await createTestHost({ plugin, http: { "GET http://127.0.0.1/weather": { body: '{"sunny":true}' } } });
    const res = await t.json<{ status: number; body: string }>("http", post({ method: "GET", url: "http://127.0.0.1/weather" }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ sunny: true });
    expect(t.httpRequests.map((r) => r.url)).toEqual(["http://127.0.0.1/weather"]);
    const denied = await t.call("http", post({ method: "GET", url: "http://example.com/" }));
    expect(denied.error?.code).toBe("E_PERMISSION_DENIED");
    t.expectHostCall("http_request", { url: "http://example.com/" });
  });

  it("moves the clock only when told: cache TTLs follow it", async () => {
    t = await createTestHost({ plugin, now: "2026-05-01T08:00:00Z" });
    await t.call("cache", post({ op: "set", key: "k", value: "v", ttl: 10 }));
    t.clock.advance(9_000);
    expect((await t.json<{ value: string | null }>("cache", post({ op: "get", key: "k" }))).value).toBe("v");
    t.clock.advance(2_000);
    expect((await t.json<{ value: string | null }>("cache", post({ op: "get", key: "k" }))).value).toBeNull();
  });

  it("shows emails sent and jobs scheduled", async () => {
    t = await createTestHost({ plugin });
    await t.call("email", post({ to: ["ops@example.com"], subject: "Hi", body: "Hello" }));
    await t.call("schedule", post({ cron: "0 7 * * *", handler: "on_job" }));
    expect(t.emails().map((m) => m.subject)).toEqual(["Hi"]);
    expect(t.jobs().map((j) => j.schedule).sort()).toEqual(["*/5 * * * *", "0 7 * * *"]);
  });

  it("explains a failed expectation with the calls that were made", async () => {
    t = await createTestHost({ plugin });
    await t.call("cache", post({ op: "get", key: "a" }));
    expect(() => t.expectHostCall("cache_get", { key: "b" })).toThrow('expected at least one cache_get call(s) matching key="b", found 0. Host calls made:\n  cache_get {"key":"a"}');
  });
});
