import { fileURLToPath } from "node:url";
import { buildPlugin } from "@goatkit/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";
import { alive, eventually } from "./support/fault-plugin.js";

// The SDK's process binding accepts async handlers (a returned Promise is awaited, a
// rejection is answered like a throw) and Node's modules. Built here with the SDK's build API (esbuild only).
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

  it("has Node's modules (node:os here), which WebAssembly plugins do not", async () => {
    const { hostname } = await import("node:os");
    expect(JSON.parse(String((await host.call("ts-async", "node")).body))).toEqual({ hostname: hostname() });
  });

  it("stops on its own when its host dies without stopping it", async () => {
    const { spawn } = await import("node:child_process");
    const script = `import { createHost } from ${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)};
const host = await createHost({ database: { demo: { tickets: 5 } } });
const plugin = await host.load(${JSON.stringify(dir)});
console.log("pid " + plugin.pid);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      const pid = await eventually(() => Number(/pid (\d+)/.exec(out)?.[1] ?? 0), 30_000);
      expect(alive(pid)).toBe(true);
      child.kill("SIGKILL");
      await eventually(() => !alive(pid), 5000);
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);

  it("answers a rejected Promise like a thrown PluginError", async () => {
    const res = await host.call("ts-async", "rejects");
    expect(res.status).toBe(409);
    expect(res.error).toEqual({ code: "LATER", message: "not today" });
  });
});
