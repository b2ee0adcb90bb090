import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";

const dir = fileURLToPath(new URL("./fixtures/tutorial-node", import.meta.url));
const demo = { anchorDay: "2026-06-30", seed: 7, tickets: 300 };

describe("the gRPC tutorial's Node.js plugin (@grpc/grpc-js and plugin.proto only, no GoatKit SDK)", () => {
  let host: Host;
  beforeEach(async () => {
    host = await createHost({ database: { demo } });
  });
  afterEach(async () => {
    await host.close();
  });

  it("registers from its Register answer and serves list_reports", async () => {
    const plugin = await host.load(dir);
    expect(plugin.name).toBe("tutorial-node");
    expect(plugin.binding).toBe("grpc");
    const res = await host.call("tutorial-node", "list_reports", { kind: "route", method: "GET", path: "/api/plugins/tutorial-node/reports" });
    expect(res.status).toBe(200);
    expect(JSON.parse(String(res.body))).toEqual([{ id: "volume", name: "Ticket Volume" }]);
    // Its console output lands in the plugin's log view.
    expect(host.logs.list("tutorial-node").map((e) => e.message)).toContainEqual(expect.stringMatching(/^Plugin listening on .*plugin\.sock$/));
    // It serves no health service although its manifest asks for checks: the host says so.
    expect(host.logs.list("tutorial-node", "warn").map((e) => e.message)).toContainEqual(expect.stringContaining("does not serve grpc.health.v1.Health"));
  });

  it("reaches the host service it was given with SetHost, and the count is the database's", async () => {
    await host.load(dir);
    const res = await host.call("tutorial-node", "count_tickets", { kind: "route", method: "GET", path: "/api/plugins/tutorial-node/tickets" });
    const [{ n }] = (await host.services.db.query("SELECT COUNT(*) AS n FROM tickets", [])) as [{ n: number }];
    expect(JSON.parse(String(res.body))).toEqual({ path: "/api/plugins/tutorial-node/tickets", count: n });
  });

  it("answers an unknown function with the plugin's error, naming it", async () => {
    await host.load(dir);
    const res = await host.call("tutorial-node", "nope");
    expect(res.status).toBe(500);
    expect(res.error).toEqual({ code: "E_UNKNOWN_HANDLER", message: expect.stringContaining("Unknown function: nope") });
  });
});
