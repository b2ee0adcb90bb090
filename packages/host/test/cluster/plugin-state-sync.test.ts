import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";
import { ClusterCoordinator } from "../../src/cluster/cluster-coordinator.js";
import type { ClusterEvent } from "../../src/cluster/cluster-events.js";
import { PluginManager } from "../../src/platform/plugin-manager.js";
import { eventually, manifest, pluginsDir, writePlugin } from "../platform/support/platform.js";
import { watPlugin } from "../platform/support/wat-plugin.js";
import { TEST_URLS, clusterServersMissing, redisKeySpace } from "./support/cluster-servers.js";

const skip = clusterServersMissing("the cluster propagation tests", ["redis"]);

interface ClusterHost {
  id: string;
  host: Host;
  manager: PluginManager;
  coordinator: ClusterCoordinator;
  events: ClusterEvent[];
  dir: string;
}

/** Writes version `version` of the greeter plugin into a host's plugins folder. */
async function writeGreeter(dir: string, version: string): Promise<void> {
  await writePlugin(dir, "greeter", manifest("greeter", {}, version), watPlugin("greeter", version, { hello: { text: `hello from ${version}` } }));
}

describe.skipIf(skip)("enable, disable and reload between hosts sharing a Redis", () => {
  let keys: ReturnType<typeof redisKeySpace>;
  const hosts: ClusterHost[] = [];
  const dirs: Array<{ remove(): Promise<void> }> = [];

  beforeEach(() => {
    keys = redisKeySpace();
  });
  afterEach(async () => {
    for (const h of hosts.splice(0)) {
      await h.coordinator.close();
      await h.manager.close();
      await h.host.close();
    }
    for (const dir of dirs.splice(0)) await dir.remove();
    await keys.drop();
  });

  /** A host in this process with its own copy of the plugins folder, as each machine has. */
  async function startHost(id: string, version = "1.0.0"): Promise<ClusterHost> {
    const dir = await pluginsDir();
    dirs.push(dir);
    await writeGreeter(dir.dir, version);
    const host = await createHost({ isolation: "in-process", database: { demo: false } });
    const manager = await PluginManager.create({ host, pluginsDir: dir.dir });
    const coordinator = await ClusterCoordinator.connect({ redisUrl: TEST_URLS.redis!, hostId: id, keyPrefix: keys.prefix });
    const events: ClusterEvent[] = [];
    coordinator.onEvent(({ host: _host, time: _time, ...event }) => events.push(event as ClusterEvent));
    await coordinator.attach(manager);
    const started = { id, host, manager, coordinator, events, dir: dir.dir };
    hosts.push(started);
    return started;
  }

  it("disables and enables a plugin on every host, and a host starting later finds it disabled", async () => {
    const [a, b] = [await startHost("a"), await startHost("b")];
    expect((await b.manager.call("greeter", "hello")).body).toBe("hello from 1.0.0");

    await a.manager.disable("greeter");
    // Reported once host b's disable has returned (its instance drained and closed).
    await eventually(() => b.events.length > 0, 5000, "host b to apply the disable");
    expect(b.events).toEqual([expect.objectContaining({ type: "command-applied", command: "disable", plugin: "greeter", from: "a" })]);
    expect((await b.manager.call("greeter", "hello")).error?.code).toBe("E_PLUGIN_DISABLED");
    // The command is not sent back: host a applied nothing from the cluster.
    expect(a.events).toEqual([expect.objectContaining({ type: "command-sent", command: "disable", plugin: "greeter" })]);

    const c = await startHost("c");
    expect(c.manager.info("greeter").enabled).toBe(false);

    await b.manager.enable("greeter");
    await eventually(() => a.manager.isServing("greeter") && c.manager.isServing("greeter"), 5000, "hosts a and c to enable greeter");
    expect((await a.manager.call("greeter", "hello")).body).toBe("hello from 1.0.0");
    const applied = b.events.find((e) => e.type === "command-applied") as { latencyMs: number };
    console.log(`disable on host a was applied on host b ${applied.latencyMs} ms after a sent it (stored, published, received, b's plugin drained and unloaded)`);
  });

  it("reloads a plugin on every host that has it loaded", async () => {
    const [a, b] = [await startHost("a"), await startHost("b")];
    await a.manager.call("greeter", "hello");
    await b.manager.call("greeter", "hello");
    // A new version deployed to both machines, without file watching: the administrator reloads on one.
    await writeGreeter(a.dir, "2.0.0");
    await writeGreeter(b.dir, "2.0.0");
    await a.manager.reload("greeter");
    expect((await a.manager.call("greeter", "hello")).body).toBe("hello from 2.0.0");
    await eventually(() => b.events.some((e) => e.type === "command-applied" && e.command === "reload"), 5000, "host b to apply the reload");
    expect(b.events).toEqual([expect.objectContaining({ type: "command-applied", command: "reload", plugin: "greeter", from: "a" })]);
    expect(b.manager.info("greeter").version).toBe("2.0.0");
    expect((await b.manager.call("greeter", "hello")).body).toBe("hello from 2.0.0");
  });

  it("ends with every host in the state of the last command when two hosts disagree at once", async () => {
    const [a, b] = [await startHost("a"), await startHost("b")];
    await Promise.all([a.manager.disable("greeter"), b.manager.disable("greeter").then(() => b.manager.enable("greeter"))]);
    await a.coordinator.settled();
    await b.coordinator.settled();
    await eventually(async () => {
      await a.coordinator.settled();
      await b.coordinator.settled();
      return a.manager.info("greeter").enabled === b.manager.info("greeter").enabled;
    }, 5000, "both hosts to agree on greeter's state");
    const lastSent = [...a.events, ...b.events].filter((e) => e.type === "command-sent").sort((x, y) => (x as { seq: number }).seq - (y as { seq: number }).seq).at(-1) as { command: string };
    expect(a.manager.info("greeter").enabled).toBe(lastSent.command === "enable");
  });
});
