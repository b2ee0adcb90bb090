import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, servicesFromEnv, type Host } from "../../src/index.js";
import { canSwitchUsers, grpcProcessSettings, setpriv } from "../../src/runtime/grpc/process-user.js";
import { hostProcessEntry } from "../cluster/support/host-entry.js";
import { killHost, spawnHost, type HostProcess } from "../cluster/support/host-processes.js";
import { writeHostilePlugin, type ProbeResult } from "./support/hostile-plugin.js";

const TOKEN = "confine-admin-token-0123456789";
// Processes a plugin may find in its environment (docs/grpc.md, Lifecycle).
const PLUGIN_ENV = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "NODE_OPTIONS", "GOATFLOW_PLUGIN_SOCKET", "GOATKIT_PLUGIN_SOCKET"];

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "goatkit-confine-"));
  // Plugin folders in it are read by the plugins' own users.
  await chmod(work, 0o755);
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

describe.skipIf(!canSwitchUsers())("each plugin process as a user of its own (the host can switch users)", () => {
  let host: Host;
  const saved = { token: process.env.GOATKIT_TOKEN, db: process.env.GOATKIT_DB_URL };
  beforeEach(() => {
    // Secrets in the host's environment: the plugin processes must not get them.
    process.env.GOATKIT_TOKEN = TOKEN;
    process.env.GOATKIT_DB_URL = "postgres://goatkit:secret-db-password@db.invalid/goatflow";
  });
  afterEach(async () => {
    await host?.close();
    for (const [name, value] of [["GOATKIT_TOKEN", saved.token], ["GOATKIT_DB_URL", saved.db]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** Loads a victim and a hostile plugin and lets the hostile one try everything on the victim and the host. */
  async function attack(runAs: "separate-users" | "host-user"): Promise<{ probe: ProbeResult; victim: { pid: number; uid: number }; victimDir: string; sockets: string[] }> {
    host = await createHost({ database: { demo: { tickets: 5 } }, grpc: { runAs } });
    const plugins = join(work, "plugins");
    await host.load(await writeHostilePlugin(plugins, "victim"));
    await host.load(await writeHostilePlugin(plugins, "hostile"));
    const victim = JSON.parse(String((await host.call("victim", "echo")).body)) as { pid: number; uid: number };
    // The victim's SetHost: the address of its host service, beside its own socket.
    const { address } = JSON.parse(String((await host.call("victim", "whoami")).body)) as { address: string };
    const victimDir = dirname(address.replace(/^unix:\/\//, ""));
    const sockets = [join(victimDir, "plugin.sock"), join(victimDir, "host.sock")];
    const res = await host.call("hostile", "probe", { body: JSON.stringify({ pids: [victim.pid], hostPid: process.pid, sockets }) });
    expect(res.status).toBe(200);
    return { probe: JSON.parse(String(res.body)) as ProbeResult, victim, victimDir, sockets };
  }

  it("separate-users: the hostile plugin cannot read the other plugin's or the host's memory or environment, signal them, or enter the other's socket folder", async () => {
    const { probe, victim, victimDir, sockets } = await attack("separate-users");
    expect(probe.uid).not.toBe(0);
    expect(probe.uid).not.toBe(victim.uid);
    expect(probe.gid).toBe(probe.uid);
    // No supplementary groups (Node lists the effective gid among them).
    expect(probe.groups.filter((g) => g !== probe.gid)).toEqual([]);
    // setpriv (util-linux) adds no_new_privs; Node's own spawn, without it, cannot.
    expect(probe.noNewPrivs).toBe(setpriv() ? 1 : 0);
    const succeeded = Object.entries(probe.attempts).filter(([, outcome]) => outcome.ok);
    expect(succeeded).toEqual([]);
    for (const what of [`environ:${victim.pid}`, `mem:${victim.pid}`, `environ:${process.pid}`, `mem:${process.pid}`, ...sockets.map((s) => `connect:${s}`)]) {
      expect(probe.attempts[what]).toEqual({ ok: false, code: "EACCES" });
    }
    expect(probe.attempts[`signal:${victim.pid}`]).toEqual({ ok: false, code: "EPERM" });
    // The victim's folder: its own, closed to others.
    const folder = await stat(victimDir);
    expect([folder.uid, folder.mode & 0o777]).toEqual([victim.uid, 0o700]);
    // Its own environment holds only what docs/grpc.md lists.
    expect(Object.keys(probe.env).filter((name) => !PLUGIN_ENV.includes(name))).toEqual([]);
    expect(JSON.stringify(probe.env)).not.toMatch(/confine-admin-token|secret-db-password/);
    // And the victim still answers, with its host service.
    expect((await host.call("victim", "echo")).status).toBe(200);
  });

  it("host-user: the same attempts succeed (what docs/grpc.md says of this mode), and the environment is still minimal", async () => {
    const { probe, victim, sockets } = await attack("host-user");
    expect(probe.uid).toBe(process.getuid!());
    expect(probe.attempts[`environ:${victim.pid}`]).toMatchObject({ ok: true });
    expect(probe.attempts[`connect:${sockets[0]}`]).toMatchObject({ ok: true });
    expect(Object.keys(probe.env).filter((name) => !PLUGIN_ENV.includes(name))).toEqual([]);
    expect(JSON.stringify(probe.env)).not.toMatch(/confine-admin-token|secret-db-password/);
    // Chosen, not defaulted: no warning.
    expect(host.logs.list("hostile", "warn")).toEqual([]);
  });

  it("a plugin whose socket is a link to another plugin's socket is refused; the other plugin keeps its host service", async () => {
    host = await createHost({ database: { demo: { tickets: 5 } }, grpc: { runAs: "separate-users" } });
    const plugins = join(work, "plugins");
    await host.load(await writeHostilePlugin(plugins, "victim"));
    const before = JSON.parse(String((await host.call("victim", "whoami")).body)) as { address: string; token: string; plugin: string };
    const victimSocket = join(dirname(before.address.replace(/^unix:\/\//, "")), "plugin.sock");
    // The host connects as root: it must not follow the link into the victim's folder.
    const error = (await host.load(await writeHostilePlugin(plugins, "liar", { linkTo: victimSocket })).then(() => new Error("loaded"), (e: Error) => e)) as Error & { code?: string };
    expect(error).toMatchObject({ code: "E_LOAD", message: expect.stringMatching(/plugin\.sock is not a unix socket created by the plugin's user \(uid \d+\); the plugin must listen on GOATFLOW_PLUGIN_SOCKET itself$/) });
    expect(JSON.parse(String((await host.call("victim", "whoami")).body))).toEqual(before);
  });

  it("a plugin folder its user cannot enter fails the load, naming the folder and the fix", async () => {
    host = await createHost({ database: { demo: { tickets: 5 } }, grpc: { runAs: "separate-users" } });
    const closed = join(work, "closed");
    const dir = await writeHostilePlugin(closed, "shut-in");
    await chmod(closed, 0o700);
    const error = (await host.load(dir).then(() => new Error("loaded"), (e: Error) => e)) as Error & { code?: string };
    expect(error).toMatchObject({ code: "E_LOAD" });
    expect(error.message).toMatch(new RegExp(`the plugin runs as uid \\d+ \\(grpc run_as "separate-users"\\), which cannot enter ${closed} \\(mode 0700, owner 0:0\\): let other users read and enter`));
    expect(error.message).toContain("GOATKIT_GRPC_RUN_AS=host-user");
  });

  it("a plugin keeps its uid across loads, and two plugins never share one", async () => {
    host = await createHost({ database: { demo: { tickets: 5 } }, grpc: { runAs: "separate-users", uidBase: 300_000, uidCount: 2 } });
    const plugins = join(work, "plugins");
    const uid = async (name: string) => (JSON.parse(String((await host.call(name, "echo")).body)) as { uid: number }).uid;
    await host.load(await writeHostilePlugin(plugins, "first"));
    await host.load(await writeHostilePlugin(plugins, "second"));
    const [first, second] = [await uid("first"), await uid("second")];
    expect(new Set([first, second])).toEqual(new Set([300_000, 300_001]));
    await host.load(join(plugins, "first"));
    expect(await uid("first")).toBe(first);
  });
});

describe("choosing how plugin processes run", () => {
  it("a host that cannot switch users runs plugins as its own user and warns in the plugin's log", async () => {
    const host = await createHost({ database: { demo: { tickets: 5 } } });
    try {
      // What a host that is not root gets by default.
      host.services.grpc = grpcProcessSettings({}, false);
      const plugins = join(work, "plugins");
      await host.load(await writeHostilePlugin(plugins, "unconfined"));
      expect(JSON.parse(String((await host.call("unconfined", "echo")).body))).toMatchObject({ uid: process.getuid!() });
      expect(host.logs.list("unconfined", "warn").map((e) => e.message)).toEqual([
        'this plugin\'s process runs as the host\'s user because the host cannot switch users: it can read the memory and environment of the host and of the other plugin processes, and reach their sockets; run the host as root (or with CAP_SETUID, CAP_SETGID and CAP_CHOWN) to give each plugin a user of its own, or set grpc run_as to "host-user" (GOATKIT_GRPC_RUN_AS=host-user) to accept this (docs/grpc.md, Security)',
      ]);
    } finally {
      await host.close();
    }
  });

  it("separate-users on a host that cannot switch users is an error naming the fix", () => {
    expect(() => grpcProcessSettings({ runAs: "separate-users" }, false)).toThrow(/cannot start processes as other users: run it as root, or give it CAP_SETUID, CAP_SETGID and CAP_CHOWN; or set it to "host-user" \(GOATKIT_GRPC_RUN_AS=host-user\)/);
    expect(grpcProcessSettings({}, false)).toMatchObject({ runAs: "host-user", defaulted: true });
    expect(grpcProcessSettings({}, true)).toMatchObject({ runAs: "separate-users", defaulted: true, uidBase: 200_000 });
  });

  it("GOATKIT_GRPC_RUN_AS and grpc.run_as are read and checked", async () => {
    expect(await servicesFromEnv({ GOATKIT_GRPC_RUN_AS: "host-user", GOATKIT_GRPC_UID_BASE: "400000" })).toEqual({ grpc: { runAs: "host-user", uidBase: 400_000 } });
    await expect(servicesFromEnv({ GOATKIT_GRPC_RUN_AS: "nobody" })).rejects.toThrow('GOATKIT_GRPC_RUN_AS must be "separate-users" or "host-user", got "nobody"');
  });
});
