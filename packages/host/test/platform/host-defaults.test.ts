import { afterEach, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";
import { defaultMemoryEstimate, initialMemoryBytes, WORKER_BYTES } from "../../src/platform/memory-estimate.js";
import { PluginManager } from "../../src/platform/plugin-manager.js";
import { manifest, pluginsDir, writePlugin } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// The host's settings (isolation, pool size, limit ceilings) are the defaults of every plugin
// loaded on it, whether through host.load or through a plugin manager over the host.
let host: Host | undefined;
let manager: PluginManager | undefined;
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await manager?.close();
  await host?.close();
  manager = undefined;
  host = undefined;
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function managed(hostOptions: Parameters<typeof createHost>[0], managerOptions: Partial<Parameters<typeof PluginManager.create>[0]> = {}): Promise<{ wasm: Uint8Array; manager: PluginManager }> {
  const dir = await pluginsDir();
  cleanup.push(dir.remove);
  const wasm = watPlugin("alpha", "1.0.0", { answer: { text: "alpha-v1" } });
  await writePlugin(dir.dir, "alpha", manifest("alpha", { routes: [{ method: "GET", path: "/answer", handler: "answer" }] }), wasm);
  host = await createHost({ database: { demo: false }, platformState: false, ...hostOptions });
  manager = await PluginManager.create({ host, pluginsDir: dir.dir, ...managerOptions });
  return { wasm, manager };
}

describe("a plugin manager over a host", () => {
  it("runs plugins in-process when the host was created in-process", async () => {
    const { wasm, manager } = await managed({ isolation: "in-process" });
    const res = await manager.call("alpha", "answer");
    expect([res.status, res.body]).toEqual([200, "alpha-v1"]);
    // In-process: code and one instance's linear memory, no worker's heap.
    const expected = defaultMemoryEstimate({ name: "alpha", binding: "core", wasmBytes: wasm.byteLength, initialMemoryBytes: initialMemoryBytes(wasm), isolation: "in-process", instances: 1 });
    expect(manager.info("alpha").memoryBytes).toBe(expected);
    expect(manager.info("alpha").memoryBytes).toBeLessThan(WORKER_BYTES);
  });

  it("runs the host's pool of workers when the host isolates plugins", async () => {
    const { wasm, manager } = await managed({ isolation: "worker", poolSize: 2 });
    expect((await manager.call("alpha", "answer")).body).toBe("alpha-v1");
    const expected = defaultMemoryEstimate({ name: "alpha", binding: "core", wasmBytes: wasm.byteLength, initialMemoryBytes: initialMemoryBytes(wasm), isolation: "worker", instances: 2 });
    expect(manager.info("alpha").memoryBytes).toBe(expected);
  });

  it("lets the manager's own isolation override the host's", async () => {
    const { wasm, manager } = await managed({ isolation: "worker" }, { isolation: "in-process" });
    expect((await manager.call("alpha", "answer")).body).toBe("alpha-v1");
    const expected = defaultMemoryEstimate({ name: "alpha", binding: "core", wasmBytes: wasm.byteLength, initialMemoryBytes: initialMemoryBytes(wasm), isolation: "in-process", instances: 1 });
    expect(manager.info("alpha").memoryBytes).toBe(expected);
  });
});
