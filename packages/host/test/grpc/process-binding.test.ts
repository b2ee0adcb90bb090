import { fileURLToPath } from "node:url";
import { buildPlugin } from "@goatkit/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";

// The SDK's process binding accepts async handlers: a returned Promise is awaited, a
// rejection is answered like a throw. Built here with the SDK's build API (esbuild only).
const dir = fileURLToPath(new URL("./fixtures/ts-async", import.meta.url));

describe("the process binding: async handlers", () => {
  let host: Host;
  beforeAll(async () => {
    const result = await buildPlugin({ dir });
    expect(result.binding).toBe("process");
    host = await createHost({ database: { demo: { tickets: 42 } } });
    await host.load(dir);
  }, 60_000);
  afterAll(() => host?.close());

  it("awaits a handler's Promise, host calls included", async () => {
    const res = await host.call("ts-async", "later");
    expect(JSON.parse(String(res.body))).toEqual({ waited: true, tickets: 42 });
    expect(JSON.parse(String((await host.call("ts-async", "sync")).body))).toEqual({ tickets: 42 });
  });

  it("answers a rejected Promise like a thrown PluginError", async () => {
    const res = await host.call("ts-async", "rejects");
    expect(res.status).toBe(409);
    expect(res.error).toEqual({ code: "LATER", message: "not today" });
  });
});
