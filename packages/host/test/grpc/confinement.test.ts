import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostProcessEntry } from "../cluster/support/host-entry.js";
import { killHost, spawnHost, type HostProcess } from "../cluster/support/host-processes.js";
import { writeHostilePlugin, type ProbeResult } from "./support/hostile-plugin.js";

const TOKEN = "confine-admin-token-0123456789";
// Processes a plugin may find in its environment (docs/grpc.md, Lifecycle).
const PLUGIN_ENV = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "NODE_OPTIONS", "GOATFLOW_PLUGIN_SOCKET", "GOATKIT_PLUGIN_SOCKET"];

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "goatkit-confine-"));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("the host's secrets stay out of the environments plugin processes can read", () => {
  let host: HostProcess | undefined;
  afterEach(() => {
    if (host) killHost(host);
  });

  it("gk start's host forgets GOATKIT_TOKEN and the database URL once read: not in /proc/<host pid>/environ, not in the plugin's environment; the token still works", async () => {
    const plugins = join(work, "plugins");
    await writeHostilePlugin(plugins, "hostile");
    const dbUrl = `sqlite:${join(work, "host-secret.db")}`;
    const entry = await hostProcessEntry();
    // The host user's mode: the plugin runs as the host's user and can read its /proc files.
    host = spawnHost("secrets", entry.url, plugins, { GOATKIT_DB_URL: dbUrl, GOATKIT_CLUSTER: "off", GOATKIT_TOKEN: TOKEN, GOATKIT_REDIS_URL: "", GOATKIT_GRPC_RUN_AS: "host-user" });
    const ready = await host.waitFor((l) => l.event === "ready", 20_000, "ready");
    const url = String(ready.url);
    const hostPid = Number(ready.pid);
    const auth = { authorization: `Bearer ${TOKEN}` };

    const environ = await readFile(`/proc/${hostPid}/environ`, "latin1");
    expect(environ).not.toContain(TOKEN);
    expect(environ).not.toContain(dbUrl);
    expect(environ).toContain("GOATKIT_CLUSTER=off");

    const res = await fetch(`${url}/api/plugins/hostile/probe`, { method: "POST", headers: auth, body: JSON.stringify({ hostPid }) });
    expect(res.status).toBe(200);
    const probe = (await res.json()) as ProbeResult;
    // Same user: the read succeeds, and finds nothing.
    const read = probe.attempts[`environ:${hostPid}`]!;
    expect(read.ok).toBe(true);
    expect(String((read as { value: unknown }).value)).not.toContain(TOKEN);
    expect(String((read as { value: unknown }).value)).not.toContain(dbUrl);
    expect(Object.keys(probe.env).filter((name) => !PLUGIN_ENV.includes(name))).toEqual([]);
    expect(JSON.stringify(probe.env)).not.toContain(TOKEN);

    expect((await fetch(`${url}/api/v1/plugins`, { headers: auth })).status).toBe(200);
  });
});
