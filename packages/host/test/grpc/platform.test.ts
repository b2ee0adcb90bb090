import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, pluginsDir, replaceFile, startPlatform, type Platform } from "../platform/support/platform.js";
import { alive } from "./support/fault-plugin.js";

// A gRPC plugin in a plugins directory, served over HTTP like any other: lazy start on first
// use, routes and widgets, the admin API, hot reload when the executable changes, unload.
const SERVER = fileURLToPath(new URL("./fixtures/fault-server.cjs", import.meta.url));
const executable = (version: string) => `require(${JSON.stringify(SERVER)})("normal", "versioned", { version: ${JSON.stringify(version)} });\n`;
const manifest = {
  name: "versioned",
  version: "1.0.0",
  runtime: "grpc",
  grpc: { binary: "plugin.cjs", health_check: true },
  routes: [{ method: "GET", path: "/version", handler: "echo" }],
  widgets: [{ id: "version", title: "Version", handler: "echo", location: "admin_home", size: "small" }],
};

let platform: Platform | undefined;
let remove: (() => Promise<void>) | undefined;
afterEach(async () => {
  await platform?.close();
  await remove?.();
  platform = remove = undefined;
});

interface Info {
  name: string;
  runtime: string;
  status: string;
  pid: number | null;
}

describe("gRPC plugins on the platform", () => {
  it("start on first use, serve routes and widgets, hot-reload a new executable and stop on unload", async () => {
    const dir = await pluginsDir();
    remove = dir.remove;
    const folder = join(dir.dir, "versioned");
    await mkdir(folder);
    await writeFile(join(folder, "manifest.json"), JSON.stringify(manifest));
    await writeFile(join(folder, "plugin.cjs"), executable("v1"));
    platform = await startPlatform({ managerOptions: { pluginsDir: dir.dir, watch: true, reloadDebounceMs: 50 } });
    const p = platform;
    const info = async () => (await p.json<Info>("/api/v1/plugins/versioned")).body;

    expect(await info()).toMatchObject({ runtime: "grpc", status: "discovered", pid: null });
    const first = await p.json<{ pid: number; version: string }>("/api/plugins/versioned/version");
    expect(first.status).toBe(200);
    expect(first.body.version).toBe("v1");
    expect(await info()).toMatchObject({ status: "loaded", pid: first.body.pid });
    const widget = await p.fetch("/api/plugins/versioned/widgets/version");
    expect(widget.status).toBe(200);

    await replaceFile(join(folder, "plugin.cjs"), executable("v2"));
    const second = await eventually(async () => {
      const res = await p.json<{ pid: number; version: string }>("/api/plugins/versioned/version");
      return res.body.version === "v2" ? res.body : null;
    });
    expect(second.pid).not.toBe(first.body.pid);
    await eventually(() => !alive(first.body.pid));

    const unloaded = await p.fetch("/api/v1/plugins/versioned/unload", { method: "POST" });
    expect(unloaded.status).toBe(200);
    expect(alive(second.pid)).toBe(false);
    expect(await info()).toMatchObject({ status: "discovered", pid: null });
  });
});
