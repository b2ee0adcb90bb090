import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHost, type Host } from "../../src/index.js";
import type { ClusterEvent } from "../../src/cluster/cluster-events.js";
import { RedisJobLease } from "../../src/cluster/redis-job-lease.js";
import { JobScheduler } from "../../src/jobs/job-scheduler.js";
import type { JobRun } from "../../src/jobs/job-run.js";
import { PluginManager } from "../../src/platform/plugin-manager.js";
import type { ScheduledJob } from "../../src/jobs/job-registry.js";
import { manifest, pluginsDir, writePlugin } from "../platform/support/platform.js";
import { watPlugin } from "../platform/support/wat-plugin.js";
import { TEST_URLS, clusterServersMissing, redisKeySpace } from "./support/cluster-servers.js";

const skip = clusterServersMissing("the cluster job lease tests", ["redis"]);

const JOB: ScheduledJob = { id: "nightly", plugin: "reports", schedule: "0 0 * * * *", handler: "run", payload: null, source: "manifest" };
const T = Date.parse("2026-03-10T12:00:00Z");

function runOf(status: JobRun["status"], fields: Partial<JobRun> = {}): JobRun {
  return { id: 1, plugin: JOB.plugin, job: JOB.id, trigger: "schedule", attempt: 1, scheduledAt: new Date(T).toISOString(), startedAt: "", endedAt: new Date(T + 50).toISOString(), durationMs: 50, status, result: null, error: null, retryAt: null, ...fields };
}

describe.skipIf(skip)("RedisJobLease", () => {
  let redis: Redis;
  let keys: ReturnType<typeof redisKeySpace>;
  const leases: RedisJobLease[] = [];
  let events: Array<ClusterEvent & { by: string }>;

  beforeAll(() => {
    redis = new Redis(TEST_URLS.redis!);
  });
  // Each test in a key space of its own.
  beforeEach(() => {
    keys = redisKeySpace();
    events = [];
  });
  afterAll(async () => {
    await redis?.quit();
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) lease.close();
    await keys.drop();
  });

  function lease(hostId: string, timing: { ttl?: number; heartbeat?: number; orphanCheck?: number } = {}): RedisJobLease {
    const created = new RedisJobLease({
      redis,
      hostId,
      keyPrefix: keys.prefix,
      leaseTtlMs: timing.ttl ?? 5000,
      heartbeatMs: timing.heartbeat ?? 1000,
      orphanCheckMs: timing.orphanCheck ?? 0,
      doneRetentionMs: 3_600_000,
      now: () => T + 1000,
      report: (event) => events.push({ ...event, by: hostId }),
    });
    leases.push(created);
    return created;
  }

  it("gives a due time to one host of several, once", async () => {
    const hosts = ["a", "b", "c", "d"].map((id) => lease(id));
    const claims = await Promise.all(hosts.map((h) => h.acquire(JOB, T)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(claims.find(Boolean)!.attempt).toBe(1);
    await claims.find(Boolean)!.release(runOf("succeeded"));
    // A host that comes late to the same due time (its clock behind) finds it done.
    expect(await lease("late").acquire(JOB, T)).toBeNull();
    // The next due time is a new claim.
    expect(await hosts[3]!.acquire(JOB, T + 3_600_000)).not.toBeNull();
    expect(events).toEqual([]);
  });

  it("keeps a long run's lease with its heartbeat, past the TTL", async () => {
    const a = lease("a", { ttl: 300, heartbeat: 100 });
    const held = await a.acquire(JOB, T);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = lease("b", { ttl: 300, heartbeat: 100 });
    expect(await b.orphans()).toEqual([]);
    expect(await b.acquire(JOB, T)).toBeNull();
    await held!.release(runOf("succeeded"));
    expect(await b.acquire(JOB, T)).toBeNull();
    expect(events).toEqual([]);
  });

  it("lets another host take over a run whose host stopped renewing, as the next attempt", async () => {
    const a = lease("a", { ttl: 300, heartbeat: 100 });
    const dying = await a.acquire(JOB, T);
    expect(dying!.attempt).toBe(1);
    a.close(); // its heartbeat stops, as when the process dies
    const b = lease("b", { ttl: 300, heartbeat: 100 });
    expect(await b.orphans()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await b.orphans()).toEqual([{ plugin: JOB.plugin, job: JOB.id, scheduledAt: T }]);
    const survivor = await b.acquire(JOB, T);
    expect(survivor!.attempt).toBe(2);
    expect(events).toEqual([{ type: "takeover", plugin: "reports", job: "nightly", scheduledAt: "2026-03-10T12:00:00.000Z", attempt: 2, from: "a", by: "b" }]);
    // A third host finds it claimed again; the first, back from the dead, cannot record its end.
    expect(await lease("c").orphans()).toEqual([]);
    await dying!.release(runOf("succeeded"));
    expect(events.at(-1)).toMatchObject({ type: "lease-lost", reason: "taken", by: "a" });
    await survivor!.release(runOf("succeeded", { attempt: 2 }));
    expect(await lease("c").orphans()).toEqual([]);
    expect(await lease("c").acquire(JOB, T)).toBeNull();
  });

  it("records the end of a run whose lease expired unnoticed, so it is not run again", async () => {
    const a = lease("a", { ttl: 200, heartbeat: 100 });
    const held = await a.acquire(JOB, T);
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 350));
    await held!.release(runOf("failed"));
    const b = lease("b");
    expect(await b.orphans()).toEqual([]);
    expect(await b.acquire(JOB, T)).toBeNull();
  });

  it("keeps a failed attempt's claim for its own retry; another host runs the retry if the first dies", async () => {
    const a = lease("a", { ttl: 300, heartbeat: 100 });
    const b = lease("b", { ttl: 300, heartbeat: 100 });
    const first = await a.acquire(JOB, T);
    await first!.release(runOf("failed", { retryAt: new Date(T + 50 + 200).toISOString() }));
    expect(await b.acquire(JOB, T)).toBeNull();
    const retry = await a.acquire(JOB, T);
    expect(retry!.attempt).toBe(2);
    expect(events).toEqual([]);
    await retry!.release(runOf("failed", { attempt: 2, retryAt: new Date(T + 50 + 200).toISOString() }));
    // Host a dies before its second retry: the hold lapses (retry delay + TTL) and b runs it.
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 650));
    expect(await b.orphans()).toEqual([{ plugin: JOB.plugin, job: JOB.id, scheduledAt: T }]);
    expect((await b.acquire(JOB, T))!.attempt).toBe(3);
    expect(events).toEqual([{ type: "takeover", plugin: "reports", job: "nightly", scheduledAt: "2026-03-10T12:00:00.000Z", attempt: 3, from: "a", by: "b" }]);
  });
});

describe.skipIf(skip)("two JobSchedulers sharing a RedisJobLease", () => {
  it("run an every-second job once per due time between them, and retries stay with the host that failed", async () => {
    const keys = redisKeySpace();
    const dir = await pluginsDir();
    const clock = { now: Date.parse("2026-03-10T12:00:00.500Z") };
    const redis = new Redis(TEST_URLS.redis!);
    const hosts: Array<{ host: Host; manager: PluginManager; scheduler: JobScheduler; lease: RedisJobLease; runs: JobRun[] }> = [];
    try {
      await writePlugin(
        dir.dir,
        "ticker",
        manifest("ticker", { jobs: [{ id: "tick", schedule: "* * * * * *", handler: "tick" }, { id: "flaky", schedule: "0 0 * * * *", handler: "flaky", retries: 1 }] }),
        watPlugin("ticker", "1.0.0", { tick: { text: "tock" }, flaky: { failFirst: 1, text: "ok at last" } }),
      );
      for (const id of ["a", "b"]) {
        const host = await createHost({ now: () => clock.now, isolation: "in-process", database: { demo: false } });
        const manager = await PluginManager.create({ host, pluginsDir: dir.dir });
        const lease = new RedisJobLease({ redis, hostId: id, keyPrefix: keys.prefix, leaseTtlMs: 5000, heartbeatMs: 1000, orphanCheckMs: 0, doneRetentionMs: 3_600_000, now: () => clock.now, report: () => {} });
        const scheduler = new JobScheduler({ manager, tickMs: 0, lease, retryBaseMs: 1000 });
        const runs: JobRun[] = [];
        scheduler.onRun((run) => {
          if (run.status !== "running") runs.push(run);
        });
        hosts.push({ host, manager, scheduler, lease, runs });
      }
      await Promise.all(hosts.map((h) => h.scheduler.tick()));
      for (let second = 1; second <= 20; second++) {
        clock.now += 1000;
        await Promise.all(hosts.map((h) => h.scheduler.tick()));
      }
      const ticks = hosts.flatMap((h) => h.runs.filter((r) => r.job === "tick").map((r) => r.scheduledAt));
      expect(ticks).toHaveLength(20);
      expect(new Set(ticks).size).toBe(20);

      // The hourly flaky job: due at 13:00, fails, retried by the same host a second later.
      clock.now = Date.parse("2026-03-10T13:00:00.200Z");
      await Promise.all(hosts.map((h) => h.scheduler.tick()));
      clock.now += 1100;
      await Promise.all(hosts.map((h) => h.scheduler.tick()));
      const flaky = hosts.map((h) => h.runs.filter((r) => r.job === "flaky").map((r) => `${r.attempt}:${r.status}`));
      expect(flaky.find((runs) => runs.length > 0)).toEqual(["1:failed", "2:succeeded"]);
      expect(flaky.filter((runs) => runs.length > 0)).toHaveLength(1);
    } finally {
      for (const h of hosts) {
        await h.scheduler.stop();
        h.lease.close();
        await h.manager.close();
        await h.host.close();
      }
      await redis.quit();
      await dir.remove();
      await keys.drop();
    }
  });
});
