import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ManagerEvent } from "../../src/platform/manager-events.js";
import { eventually, manifest, pluginsDir, replaceFile, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// Hot reload under load: plugins run in worker threads here, so calls are really in flight
// while the module is swapped; none may fail.
const ROUTES = [
  { method: "GET", path: "/version", handler: "version" },
  { method: "GET", path: "/slow", handler: "slow" },
];
const build = (answer: string, version = "1.0.0") => watPlugin("versioned", version, { version: { text: answer }, slow: { spin: 700_000_000, text: `slow-${answer}` } });

let platform: Platform | undefined;
let remove: (() => Promise<void>) | undefined;
afterEach(async () => {
  await platform?.close();
  await remove?.();
  platform = remove = undefined;
});

async function start(): Promise<{ folder: string; events: ManagerEvent[] }> {
  const dir = await pluginsDir();
  remove = dir.remove;
  const folder = await writePlugin(dir.dir, "versioned", manifest("versioned", { routes: ROUTES }), build("v1"));
  platform = await startPlatform({ managerOptions: { pluginsDir: dir.dir, watch: true, reloadDebounceMs: 50, isolation: "worker", poolSize: 2 } });
  const events: ManagerEvent[] = [];
  platform.server.manager.on("*", (event) => events.push(event));
  return { folder, events };
}

/** Requests /version from `loops` concurrent clients until stopped; every answer is kept, in the order they come, with when its request was sent. */
function hammer(p: Platform, loops: number): { results: Array<{ status: number; body: string; sentAt: number }>; stop: () => Promise<void> } {
  const results: Array<{ status: number; body: string; sentAt: number }> = [];
  let running = true;
  const tasks = Array.from({ length: loops }, async () => {
    while (running) {
      const sentAt = performance.now();
      try {
        const res = await p.fetch("/api/plugins/versioned/version");
        results.push({ status: res.status, body: await res.text(), sentAt });
      } catch (error) {
        results.push({ status: 0, body: String(error), sentAt });
      }
    }
  });
  return {
    results,
    stop: async () => {
      running = false;
      await Promise.all(tasks);
    },
  };
}

describe("hot reload", () => {
  it("swaps a module while requests run: zero failed requests, answers move from v1 to v2 to v3", async () => {
    const { folder, events } = await start();
    const p = platform!;
    expect(await (await p.fetch("/api/plugins/versioned/version")).text()).toBe("v1");

    const load = hammer(p, 4);
    // A slow call on the v1 instance: the swap must wait for it before closing v1.
    const slow = p.fetch("/api/plugins/versioned/slow").then(async (res) => ({ status: res.status, body: await res.text() }));
    await eventually(() => load.results.length > 20, 5000, "requests before the swap");

    await replaceFile(join(folder, "plugin.wasm"), build("v2"));
    await eventually(() => load.results.at(-1)?.body === "v2", 10_000, "answers from v2");

    // A build that writes the file in place (not by rename) is picked up too.
    await writeFile(join(folder, "plugin.wasm"), build("v3"));
    await eventually(() => load.results.at(-1)?.body === "v3", 10_000, "answers from v3");
    const v3Seen = performance.now();
    const count = load.results.length;
    await eventually(() => load.results.length > count + 20, 5000, "requests after the swaps");
    await load.stop();

    const failed = load.results.filter((r) => r.status !== 200 || !["v1", "v2", "v3"].includes(r.body));
    expect(failed).toEqual([]);
    expect(load.results.length).toBeGreaterThan(60);
    expect(await slow).toEqual({ status: 200, body: "slow-v1" });

    // Every request sent once v3 answered is answered by v3. (Answers come in the order they
    // finish: a request sent to v1 before the swaps may wait behind the slow call and come last.)
    const sentLater = load.results.filter((r) => r.sentAt > v3Seen).map((r) => r.body);
    expect(sentLater.length).toBeGreaterThanOrEqual(10);
    expect(sentLater).toEqual(Array(sentLater.length).fill("v3"));
    const reloads = events.filter((e) => e.type === "reloaded");
    expect(reloads.length).toBeGreaterThanOrEqual(2);
    expect(reloads[0]).toMatchObject({ plugin: "versioned", version: "1.0.0", previousVersion: "1.0.0" });
  });

  it("keeps the old version serving when the new module is broken, and reloads once it is fixed", async () => {
    const { folder, events } = await start();
    const p = platform!;
    expect(await (await p.fetch("/api/plugins/versioned/version")).text()).toBe("v1");
    const load = hammer(p, 2);

    await replaceFile(join(folder, "plugin.wasm"), new TextEncoder().encode("this is not wasm"));
    const failure = await eventually(() => events.find((e) => e.type === "error" && e.phase === "reload"), 5000, "a reload error");
    expect(failure).toMatchObject({ plugin: "versioned", phase: "reload" });
    expect((failure as { message: string }).message).toContain("reload failed, version 1.0.0 keeps serving");
    const info = await p.json<{ status: string; error: string }>("/api/v1/plugins/versioned");
    expect(info.body.status).toBe("loaded");
    expect(info.body.error).toContain("not a valid WebAssembly module");

    await replaceFile(join(folder, "plugin.wasm"), build("v2"));
    await eventually(() => load.results.at(-1)?.body === "v2", 10_000, "answers from the fixed v2");
    await load.stop();
    expect(load.results.filter((r) => r.status !== 200)).toEqual([]);
    expect((await p.json<{ error: string | null }>("/api/v1/plugins/versioned")).body.error).toBeNull();
  });

  it("reloads a new version when module and manifest change together", async () => {
    const { folder } = await start();
    const p = platform!;
    expect(await (await p.fetch("/api/plugins/versioned/version")).text()).toBe("v1");
    const load = hammer(p, 2);
    await replaceFile(join(folder, "plugin.wasm"), build("v4", "1.1.0"));
    await replaceFile(join(folder, "manifest.json"), JSON.stringify(manifest("versioned", { routes: ROUTES }, "1.1.0")));
    await eventually(async () => (await p.json<{ version: string }>("/api/v1/plugins/versioned")).body.version === "1.1.0", 10_000, "version 1.1.0");
    await eventually(() => load.results.at(-1)?.body === "v4", 10_000, "answers from 1.1.0");
    await load.stop();
    expect(load.results.filter((r) => r.status !== 200)).toEqual([]);
  });

  it("follows a module through a clean rebuild that deletes and recreates its output folder", async () => {
    const dir = await pluginsDir();
    remove = dir.remove;
    const folder = await writePlugin(dir.dir, "built", { ...manifest("built", { routes: ROUTES.map((r) => ({ ...r })) }), wasm: "build/plugin.wasm" }, new Uint8Array());
    await rm(join(folder, "plugin.wasm"));
    await mkdir(join(folder, "build"));
    const rebuilt = (answer: string) => watPlugin("built", "1.0.0", { version: { text: answer }, slow: { text: "" } });
    await writeFile(join(folder, "build", "plugin.wasm"), rebuilt("b1"));
    platform = await startPlatform({ managerOptions: { pluginsDir: dir.dir, watch: true, reloadDebounceMs: 30, isolation: "in-process" } });
    const p = platform;
    const answer = async () => (await p.fetch("/api/plugins/built/version")).text();
    expect(await answer()).toBe("b1");

    await rm(join(folder, "build"), { recursive: true });
    await eventually(async () => (await p.json<{ error: string | null }>("/api/v1/plugins/built")).body.error?.includes("no such file"), 5000, "the missing module noticed");
    expect(await answer()).toBe("b1");
    await mkdir(join(folder, "build"));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await writeFile(join(folder, "build", "plugin.wasm"), rebuilt("b2"));
    await eventually(async () => (await answer()) === "b2", 5000, "answers from the rebuilt module");
  });

  it("discovers a plugin folder that is filled in after it appears", async () => {
    const dir = await pluginsDir();
    remove = dir.remove;
    platform = await startPlatform({ managerOptions: { pluginsDir: dir.dir, watch: true, reloadDebounceMs: 30, isolation: "in-process" } });
    const p = platform;
    await mkdir(join(dir.dir, "late"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writePlugin(dir.dir, "late", manifest("late", { routes: ROUTES }), watPlugin("late", "1.0.0", { version: { text: "late-v1" }, slow: { text: "" } }));
    await eventually(async () => (await p.fetch("/api/plugins/late/version")).status === 200, 5000, "the late plugin served");
    expect(await (await p.fetch("/api/plugins/late/version")).text()).toBe("late-v1");
  });
});
