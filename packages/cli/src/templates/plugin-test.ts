/** The test every new plugin starts with: it runs the plugin in the real host on a demo help desk. */
export function pluginTest(name: string): string {
  return `import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "@goatkit/host";

// The plugin runs in the real host, on the embedded demo help desk.
describe("${name}", () => {
  let host: Host;
  beforeAll(async () => {
    host = await createHost({ database: { demo: { tickets: 200, anchorDay: "2026-01-31" } } });
    await host.load(new URL("..", import.meta.url).pathname);
  });
  afterAll(() => host.close());

  it("counts tickets by state", async () => {
    const res = await host.call("${name}", "get_counts");
    expect(res.status).toBe(200);
    const counts = JSON.parse(String(res.body)) as { state: string; count: number }[];
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(200);
  });

  it("stores a note", async () => {
    const res = await host.call("${name}", "add_note", { method: "POST", body: "hello" });
    expect(JSON.parse(String(res.body))).toEqual({ id: 1 });
  });

  it("refuses an empty note", async () => {
    const res = await host.call("${name}", "add_note", { method: "POST", body: "" });
    expect(res.status).toBe(400);
  });
});
`;
}
