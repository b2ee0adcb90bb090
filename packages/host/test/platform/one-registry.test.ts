import { afterEach, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";
import { PluginManager } from "../../src/platform/plugin-manager.js";
import { manifest, pluginsDir, writePlugin } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// The host and a plugin manager over it share one registry of plugins and one call path.
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

async function pluginFolder(name: string, text: string): Promise<{ dir: string; folder: string }> {
  const dir = await pluginsDir();
  cleanup.push(dir.remove);
  const folder = await writePlugin(dir.dir, name, manifest(name), watPlugin(name, "1.0.0", { answer: { text } }));
  return { dir: dir.dir, folder };
}

describe("one registry of plugins", () => {
  it("sends host.call through the manager: a discovered plugin loads on it, a disabled one is refused", async () => {
    const { dir } = await pluginFolder("alpha", "alpha-v1");
    host = await createHost({ database: { demo: false }, platformState: false, isolation: "in-process" });
    manager = await PluginManager.create({ host, pluginsDir: dir });
    expect(host.plugin("alpha")).toBeUndefined();
    expect((await host.call("alpha", "answer")).body).toBe("alpha-v1");
    expect(host.plugins.map((p) => p.name)).toEqual(["alpha"]);
    expect(manager.info("alpha").metrics.calls).toBe(1);

    await manager.disable("alpha");
    const refused = await host.call("alpha", "answer");
    expect(refused.error?.code).toBe("E_PLUGIN_DISABLED");
    expect(host.plugins).toEqual([]);
  });

  it("manages a plugin loaded with host.load as the same entry: unloading it through the manager unloads it from the host, and it stays the host's", async () => {
    const { folder } = await pluginFolder("beta", "beta-v1");
    host = await createHost({ database: { demo: false }, platformState: false, isolation: "in-process" });
    const loaded = await host.load(folder);
    manager = await PluginManager.create({ host });
    expect(manager.info("beta")).toMatchObject({ source: "host", status: "loaded" });
    expect(host.plugin("beta")).toBe(loaded);

    await manager.unload("beta");
    expect(host.plugin("beta")).toBeUndefined();
    // The next call loads it again from where the host loaded it.
    expect((await host.call("beta", "answer")).body).toBe("beta-v1");
    expect(manager.info("beta")).toMatchObject({ source: "host", status: "loaded" });
    // It stays the host's plugin: reloaded by the manager, it outlives the manager.
    await manager.reload("beta");
    await manager.close();
    expect((await host.call("beta", "answer")).body).toBe("beta-v1");
  });

  it("gives the host its own call path back when the manager closes: no more refusals of the manager", async () => {
    const { folder } = await pluginFolder("gamma", "gamma-v1");
    host = await createHost({ database: { demo: false }, platformState: false, isolation: "in-process" });
    await host.load(folder);
    manager = await PluginManager.create({ host });
    await manager.disable("gamma");
    expect((await host.call("gamma", "answer")).error?.code).toBe("E_PLUGIN_DISABLED");
    await manager.close();
    const res = await host.call("gamma", "answer");
    expect(res.error?.code).toBe("E_UNKNOWN_PLUGIN");
  });
});
