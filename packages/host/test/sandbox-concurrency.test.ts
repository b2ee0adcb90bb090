import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../src/index.js";

const fixtureDir = new URL("../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;

describe("concurrency (worker pool of 3)", () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 50 } }, poolSize: 3 });
    await host.load(fixtureDir);
  });
  afterAll(() => host.close());

  it("answers 300 concurrent calls, each with its own request", async () => {
    const responses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => host.call("kitchen-sink", "echo", { query: { page: String(i + 1) }, params: { id: `call-${i}` } })),
    );
    responses.forEach((res, i) => {
      expect(res.status).toBe(200);
      const echoed = JSON.parse(String(res.body));
      expect(echoed.page).toBe(i + 1);
      expect(echoed.params).toEqual({ id: `call-${i}` });
    });
  });

  it("keeps every write of concurrent calls", async () => {
    const sql = JSON.stringify({ sql: "INSERT INTO kitchen_sink_notes (body) VALUES (?)", args: ["n"] });
    const results = await Promise.all(Array.from({ length: 200 }, () => host.call("kitchen-sink", "exec", { method: "POST", body: sql })));
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(await host.services.db.query("SELECT COUNT(*) AS n FROM kitchen_sink_notes", [])).toEqual([{ n: 200 }]);
  });

  it("a trap in one call does not disturb the calls running beside it", async () => {
    const calls = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? host.call("kitchen-sink", "trap") : host.call("kitchen-sink", "echo", { query: { page: String(i) } })));
    const results = await Promise.all(calls);
    results.forEach((res, i) => {
      if (i % 3 === 0) expect(res.error?.code).toBe("E_TRAP");
      else expect(JSON.parse(String(res.body)).page).toBe(i);
    });
  });
});
