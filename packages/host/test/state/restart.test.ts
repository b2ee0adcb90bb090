import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost } from "../../src/host.js";
import type { JobRun } from "../../src/jobs/job-run.js";
import { JobScheduler } from "../../src/jobs/job-scheduler.js";
import { PluginManager } from "../../src/platform/plugin-manager.js";
import type { PluginInfo } from "../../src/platform/plugin-info.js";
import type { AuditEntry } from "../../src/state/platform-store.js";
import type { LogEntry } from "../../src/services/log-store.js";
import { hostProcessEntry } from "../cluster/support/host-entry.js";
import { killHost, spawnHost, type HostProcess } from "../cluster/support/host-processes.js";
import { manifest, startPlatform, writePlugin, type Platform } from "../platform/support/platform.js";
import { watPlugin } from "../platform/support/wat-plugin.js";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "goatkit-restart-"));
});
afterEach(() => rm(work, { recursive: true, force: true }));

async function writePlugins(dir: string): Promise<void> {
  await writePlugin(dir, "ticker", manifest("ticker", { jobs: [{ id: "tick", schedule: "0 0 * * *", handler: "tick" }] }), watPlugin("ticker", "1.0.0", { tick: { text: "tock" } }));
  await writePlugin(dir, "other", manifest("other"), watPlugin("other", "1.0.0", { hello: { text: "hi" } }));
}

describe("platform state across a restart", () => {
  it("keeps what administrators did, the job runs and the plugin logs: the restarted host shows them", async () => {
    const plugins = join(work, "plugins");
    await writePlugins(plugins);
    const file = join(work, "host.db");
    const open = () => startPlatform({ hostOptions: { database: { file, demo: false } }, managerOptions: { pluginsDir: plugins } });
    let platform: Platform = await open();
    let run: JobRun;
    try {
      expect((await platform.json("/api/v1/plugins/other/disable", { method: "POST" })).status).toBe(200);
      expect((await platform.json("/api/v1/plugins/ticker/reload", { method: "POST" })).status).toBe(200);
      run = (await platform.json<JobRun>("/api/v1/plugins/ticker/jobs/tick/run", { method: "POST" })).body;
      expect(run).toMatchObject({ status: "succeeded", result: "tock" });
    } finally {
      await platform.close();
    }

    platform = await open();
    try {
      expect((await platform.json<PluginInfo>("/api/v1/plugins/other")).body).toMatchObject({ enabled: false, status: "disabled" });
      expect((await platform.json<PluginInfo>("/api/v1/plugins/ticker")).body).toMatchObject({ enabled: true });
      expect((await platform.json<JobRun[]>("/api/v1/plugins/ticker/jobs/tick/runs")).body).toEqual([run]);
      const audit = (await platform.json<AuditEntry[]>("/api/v1/audit")).body;
      expect(audit.map((e) => [e.actor, e.action, e.plugin, e.target, e.outcome])).toEqual([
        ["root", "run-job", "ticker", "tick", "ok"],
        ["root", "reload", "ticker", null, "ok"],
        ["root", "disable", "other", null, "ok"],
      ]);
      expect(audit[0]!.time).toBe("2026-03-10T12:00:00.000Z");
      const logs = (await platform.json<LogEntry[]>("/api/v1/plugins/other/logs")).body.map((e) => e.message);
      // The first run's lines come back from the database, followed by this run's.
      expect(logs.filter((m) => m === "disabled")).toHaveLength(1);
      expect(logs.filter((m) => m.startsWith("discovered version 1.0.0"))).toHaveLength(2);
      // The stored state wins over the next run's settings until an administrator changes it.
      expect((await platform.json<PluginInfo>("/api/v1/plugins/other/enable", { method: "POST" })).body).toMatchObject({ enabled: true, status: "discovered" });
    } finally {
      await platform.close();
    }
  });

  it("applies the log retention: the newest lines per plugin up to the count, none older than the age", async () => {
    const file = join(work, "host.db");
    let now = Date.parse("2026-03-10T12:00:00.000Z");
    const host = await createHost({ database: { file, demo: false }, now: () => now, platformState: { logLinesPerPlugin: 5, logMaxAgeDays: 1 } });
    try {
      for (let i = 0; i < 20; i++) host.logs.write("chatty", "info", `line ${i}`);
      host.logs.write("quiet", "warn", "only line");
      await host.state!.flush();
      await host.state!.prune();
      const stored = await host.services.db.query("SELECT plugin, message FROM goatkit_plugin_logs ORDER BY id", []);
      expect(stored).toEqual([...[15, 16, 17, 18, 19].map((i) => ({ plugin: "chatty", message: `line ${i}` })), { plugin: "quiet", message: "only line" }]);
      now += 2 * 24 * 60 * 60 * 1000;
      host.logs.write("quiet", "info", "two days later");
      await host.state!.flush();
      await host.state!.prune();
      expect(await host.services.db.query("SELECT plugin, message FROM goatkit_plugin_logs ORDER BY id", [])).toEqual([{ plugin: "quiet", message: "two days later" }]);
    } finally {
      await host.close();
    }
  });

  it("still disables a plugin when its state cannot be stored, and says in the log that a restart forgets it", async () => {
    const plugins = join(work, "plugins");
    await writePlugins(plugins);
    const host = await createHost({ database: { demo: false } });
    const manager = await PluginManager.create({ host, pluginsDir: plugins });
    try {
      await host.services.db.exec("DROP TABLE goatkit_plugin_state", []);
      expect(await manager.disable("other", { actor: "root" })).toMatchObject({ enabled: false, status: "disabled" });
      const line = host.logs.list("other", "error").at(-1)!;
      expect(line.message).toMatch(/^disabled on this host, but the state could not be stored, so a restart forgets it; repeat the command once the database answers: .*goatkit_plugin_state/);
      expect((await host.state!.store.audit()).map((e) => [e.actor, e.action, e.outcome])).toEqual([["root", "disable", "ok"]]);
    } finally {
      await manager.close();
      await host.close();
    }
  });

  it("rejects retention settings that cannot work, naming the setting", async () => {
    await expect(createHost({ platformState: { logLinesPerPlugin: 0 } })).rejects.toThrow("platformState.logLinesPerPlugin must be a whole number above 0, got 0");
  });

  it("keeps it all in memory with platformState: false (no goatkit_ tables)", async () => {
    const host = await createHost({ platformState: false, database: { demo: false } });
    try {
      expect(host.state).toBeNull();
      expect(await host.services.db.query("SELECT name FROM sqlite_master WHERE name LIKE 'goatkit_%'", [])).toEqual([]);
    } finally {
      await host.close();
    }
  });
});

describe("a host killed with SIGKILL in the middle of a job", () => {
  let host: HostProcess | undefined;
  afterEach(() => {
    if (host) killHost(host);
  });

  it("leaves the enabled states, the audit trail, the finished runs, the logs and the record of the killed run; the next start marks that run interrupted", async () => {
    const plugins = join(work, "plugins");
    await writePlugins(plugins);
    // A job due every second that busy-loops for a while: the host is killed while it runs.
    await writePlugin(
      plugins,
      "slowpoke",
      manifest("slowpoke", { jobs: [{ id: "grind", schedule: "* * * * * *", handler: "grind", timeout_ms: 60_000 }] }),
      watPlugin("slowpoke", "1.0.0", { grind: { spin: 2_000_000_000, text: "ground" } }),
    );
    const file = join(work, "host.db");
    const entry = await hostProcessEntry();
    host = spawnHost("doomed", entry.url, plugins, { GOATKIT_DB_URL: `sqlite:${file}`, GOATKIT_DB_DEMO: "false", GOATKIT_CLUSTER: "off", GOATKIT_TOKEN: "kill-test-token", GOATKIT_REDIS_URL: "" });
    const ready = await host.waitFor((l) => l.event === "ready", 20_000, "ready");
    const url = String(ready.url);
    const admin = { method: "POST", headers: { authorization: "Bearer kill-test-token" } };
    expect((await fetch(`${url}/api/v1/plugins/other/disable`, admin)).status).toBe(200);
    const manual = (await (await fetch(`${url}/api/v1/plugins/ticker/jobs/tick/run`, admin)).json()) as JobRun;
    expect(manual).toMatchObject({ status: "succeeded" });
    const killed = await host.waitFor((l) => l.event === "run" && l.plugin === "slowpoke" && l.status === "running", 10_000, "the slow job starting");
    // The log lines of the last fraction of a second may still be buffered; these are older.
    await new Promise((resolve) => setTimeout(resolve, 400));
    host.child.kill("SIGKILL");
    expect(await host.exited).toMatchObject({ signal: "SIGKILL" });
    expect(host.lines.some((l) => l.event === "run" && l.plugin === "slowpoke" && l.tick === killed.tick && l.status !== "running")).toBe(false);

    const restarted = await createHost({ database: { file, demo: false } });
    try {
      const manager = await PluginManager.create({ host: restarted, pluginsDir: plugins });
      const scheduler = new JobScheduler({ manager, tickMs: 0 });
      try {
        expect(manager.info("other")).toMatchObject({ enabled: false, status: "disabled" });
        expect((await restarted.state!.store.audit()).map((e) => [e.actor, e.action, e.plugin, e.target, e.outcome, e.hostId])).toEqual([
          ["admin", "run-job", "ticker", "tick", "ok", "doomed"],
          ["admin", "disable", "other", null, "ok", "doomed"],
        ]);
        await scheduler.restore();
        expect(scheduler.history("ticker", "tick")).toEqual([manual]);
        const grind = scheduler.history("slowpoke", "grind");
        expect(grind.at(-1)).toMatchObject({ scheduledAt: killed.tick, attempt: 1, status: "interrupted", error: { code: "E_INTERRUPTED" } });
        expect(grind.at(-1)!.endedAt).not.toBeNull();
        expect(restarted.logs.list("other").map((e) => e.message)).toContain("disabled");
        expect(restarted.logs.list("slowpoke").some((e) => e.message.startsWith("loaded version 1.0.0"))).toBe(true);
      } finally {
        await scheduler.stop();
        await manager.close();
      }
    } finally {
      await restarted.close();
    }
  }, 60_000);
});
