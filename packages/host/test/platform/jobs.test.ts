import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../src/jobs/job-scheduler.js";
import type { JobRun } from "../../src/jobs/job-run.js";
import { AGENT_TOKEN, copyKitchenSink, eventually, manifest, pluginsDir, startPlatform, writePlugin, type Platform } from "./support/platform.js";
import { watPlugin } from "./support/wat-plugin.js";

// The job scheduler, driven by the host clock (tick) and over the admin API.
const JOBS = [
  { id: "echo-job", schedule: "*/5 * * * *", handler: "echo", description: "Returns its envelope" },
  { id: "flaky", schedule: "0 * * * *", handler: "flaky", retries: 2 },
  { id: "doomed", schedule: "0 0 * * *", handler: "doomed", retries: 1 },
  { id: "slow", schedule: "0 0 1 * *", handler: "slow" },
];

let platform: Platform;
let plugins: Awaited<ReturnType<typeof pluginsDir>>;
const at = (iso: string) => {
  platform.clock.now = Date.parse(iso);
};
const runsOf = async (job: string) => (await platform.json<JobRun[]>(`/api/v1/plugins/jobber/jobs/${job}/runs`)).body;

beforeAll(async () => {
  plugins = await pluginsDir();
  await copyKitchenSink(plugins.dir);
  await writePlugin(
    plugins.dir,
    "jobber",
    manifest("jobber", { jobs: JOBS }),
    watPlugin("jobber", "1.0.0", { echo: { echo: true }, flaky: { failFirst: 2, text: "finally" }, doomed: { failFirst: 1000, text: "never" }, slow: { spin: 700_000_000, text: "slept" } }),
  );
  platform = await startPlatform({ managerOptions: { pluginsDir: plugins.dir, isolation: "worker" }, scheduler: { tickMs: 0, retryBaseMs: 1000 } });
});

afterAll(async () => {
  await platform?.close();
  await plugins?.remove();
});

describe("job scheduler", () => {
  it("lists manifest jobs at discovery, before the plugin loads, with their next run", async () => {
    const res = await platform.json<JobView[]>("/api/v1/jobs");
    expect(res.status).toBe(200);
    const echo = res.body.find((j) => j.plugin === "jobber" && j.id === "echo-job")!;
    expect(echo).toMatchObject({ handler: "echo", schedule: "*/5 * * * *", source: "manifest", description: "Returns its envelope", nextRunAt: "2026-03-10T12:05:00.000Z", running: false, paused: false, lastRun: null });
    expect(res.body.find((j) => j.id === "flaky")).toMatchObject({ retries: 2 });
    expect(res.body.find((j) => j.plugin === "kitchen-sink")).toMatchObject({ id: "on-job", nextRunAt: "2026-03-10T12:05:00.000Z" });
    expect((await platform.json<{ loaded: boolean }>("/api/v1/plugins/jobber")).body.loaded).toBe(false);
  });

  it("runs a job when it is due by the host clock, with kind job and the job field", async () => {
    at("2026-03-10T12:04:59Z");
    expect(await platform.server.scheduler!.tick()).toEqual([]);
    at("2026-03-10T12:05:00Z");
    const runs = await platform.server.scheduler!.tick();
    const run = runs.find((r) => r.plugin === "jobber" && r.job === "echo-job")!;
    expect(run).toMatchObject({ trigger: "schedule", attempt: 1, status: "succeeded", scheduledAt: "2026-03-10T12:05:00.000Z", startedAt: "2026-03-10T12:05:00.000Z", error: null });
    expect(JSON.parse(run.result!)).toMatchObject({
      kind: "job",
      handler: "echo",
      job: { id: "echo-job", schedule: "*/5 * * * *", scheduled_at: "2026-03-10T12:05:00.000Z", attempt: 1, payload: null },
    });
    const history = await runsOf("echo-job");
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ id: run.id, status: "succeeded", endedAt: "2026-03-10T12:05:00.000Z" });
    expect((await platform.json<JobView>("/api/v1/plugins/jobber/jobs/echo-job")).body).toMatchObject({ nextRunAt: "2026-03-10T12:10:00.000Z", lastRun: { id: run.id } });
  });

  it("retries a failed run with exponential backoff until it succeeds", async () => {
    at("2026-03-10T13:00:00Z");
    const first = (await platform.server.scheduler!.tick()).find((r) => r.job === "flaky")!;
    expect(first).toMatchObject({ attempt: 1, status: "failed", error: { code: "FLAKY", message: "flaky failed on purpose" }, retryAt: "2026-03-10T13:00:01.000Z" });

    at("2026-03-10T13:00:00.999Z");
    expect((await platform.server.scheduler!.tick()).filter((r) => r.job === "flaky")).toEqual([]);
    at("2026-03-10T13:00:01Z");
    const second = (await platform.server.scheduler!.tick()).find((r) => r.job === "flaky")!;
    expect(second).toMatchObject({ trigger: "retry", attempt: 2, status: "failed", scheduledAt: "2026-03-10T13:00:00.000Z", retryAt: "2026-03-10T13:00:03.000Z" });
    at("2026-03-10T13:00:03Z");
    const third = (await platform.server.scheduler!.tick()).find((r) => r.job === "flaky")!;
    expect(third).toMatchObject({ trigger: "retry", attempt: 3, status: "succeeded", result: "finally", retryAt: null });
    expect((await runsOf("flaky")).map((r) => [r.attempt, r.status])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "succeeded"],
    ]);
  });

  it("stops retrying after jobs[].retries", async () => {
    at("2026-03-11T00:00:00Z");
    await platform.server.scheduler!.tick();
    at("2026-03-11T00:00:01Z");
    const last = (await platform.server.scheduler!.tick()).find((r) => r.job === "doomed")!;
    expect(last).toMatchObject({ attempt: 2, status: "failed", retryAt: null });
    at("2026-03-11T01:00:00Z");
    expect((await platform.server.scheduler!.tick()).filter((r) => r.job === "doomed")).toEqual([]);
    expect((await runsOf("doomed")).map((r) => r.status)).toEqual(["failed", "failed"]);
  });

  it("runs a job now over the admin API and refuses a second run while the first is going", async () => {
    const first = platform.json<JobRun>("/api/v1/plugins/jobber/jobs/slow/run", { method: "POST" });
    await eventually(async () => (await platform.json<JobView>("/api/v1/plugins/jobber/jobs/slow")).body.running, 5000, "the slow job running");
    const second = await platform.json<{ error: string; code: string }>("/api/v1/plugins/jobber/jobs/slow/run", { method: "POST" });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe("E_JOB_RUNNING");
    expect(second.body.error).toMatch(/^job "slow" of plugin "jobber" is already running \(since .*\); runs of one job never overlap, so wait for it to finish$/);
    const done = await first;
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ trigger: "manual", attempt: 1, status: "succeeded", result: "slept" });
    expect((await platform.json<JobView>("/api/v1/plugins/jobber/jobs/slow")).body.running).toBe(false);
  });

  it("records a due time that passes while the job still runs as skipped, never overlapping", async () => {
    const scheduler = platform.server.scheduler!;
    const running = scheduler.runNow("jobber", "slow");
    at("2026-04-01T00:00:00Z");
    const started = await scheduler.tick();
    expect(started.filter((r) => r.job === "slow")).toEqual([]);
    await running;
    const runs = await runsOf("slow");
    expect(runs.at(-1)).toMatchObject({ status: "skipped", scheduledAt: "2026-04-01T00:00:00.000Z", error: { code: "E_JOB_RUNNING" } });
    expect(runs.filter((r) => r.status === "running")).toEqual([]);
  });

  it("runs jobs a plugin scheduled with schedule_job, with their payload", async () => {
    at("2026-03-12T08:00:00Z");
    const scheduled = await platform.json<{ id: string; next_run: string }>("/api/plugins/kitchen-sink/schedule", { method: "POST", body: JSON.stringify({ cron: "30 8 * * *", handler: "on_job", payload: { report: "daily" } }) });
    expect(scheduled.status).toBe(200);
    const job = (await platform.json<JobView[]>("/api/v1/jobs?plugin=kitchen-sink")).body.find((j) => j.id === scheduled.body.id)!;
    expect(job).toMatchObject({ source: "schedule_job", schedule: "30 8 * * *", payload: { report: "daily" }, nextRunAt: "2026-03-12T08:30:00.000Z" });
    at("2026-03-12T08:30:00Z");
    const run = (await platform.server.scheduler!.tick()).find((r) => r.job === scheduled.body.id)!;
    expect(run.status).toBe("succeeded");
    expect(JSON.parse(run.result!)).toEqual({ kind: "job", job: { id: scheduled.body.id, schedule: "30 8 * * *", scheduled_at: "2026-03-12T08:30:00.000Z", attempt: 1, payload: { report: "daily" } } });
  });

  it("pauses the jobs of a disabled plugin", async () => {
    await platform.fetch("/api/v1/plugins/jobber/disable", { method: "POST" });
    try {
      expect((await platform.json<JobView>("/api/v1/plugins/jobber/jobs/echo-job")).body.paused).toBe(true);
      const before = (await runsOf("echo-job")).length;
      at("2026-03-20T10:00:00Z");
      await platform.server.scheduler!.tick();
      expect(await runsOf("echo-job")).toHaveLength(before);
      const refused = await platform.json<{ code: string; error: string }>("/api/v1/plugins/jobber/jobs/echo-job/run", { method: "POST" });
      expect(refused).toMatchObject({ status: 503, body: { code: "E_PLUGIN_DISABLED" } });
    } finally {
      await platform.fetch("/api/v1/plugins/jobber/enable", { method: "POST" });
    }
  });

  it("answers 404 for an unknown job and 403 for a non-administrator", async () => {
    const unknown = await platform.json<{ error: string }>("/api/v1/plugins/jobber/jobs/nope/run", { method: "POST" });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'plugin "jobber" has no job "nope"; its jobs: doomed, echo-job, flaky, slow', code: "E_UNKNOWN_JOB" } });
    expect((await platform.fetch("/api/v1/jobs", { token: AGENT_TOKEN })).status).toBe(403);
  });
});

describe("job scheduler on its timer", () => {
  it("runs an every-second job by itself on real time", async () => {
    const dir = await pluginsDir();
    await writePlugin(dir.dir, "ticker", manifest("ticker", { jobs: [{ id: "tick", schedule: "* * * * * *", handler: "tick" }] }), watPlugin("ticker", "1.0.0", { tick: { text: "tock" } }));
    const p = await startPlatform({ hostOptions: { now: Date.now }, managerOptions: { pluginsDir: dir.dir, isolation: "in-process" }, scheduler: { tickMs: 50 } });
    try {
      const runs = await eventually(async () => {
        const body = (await p.json<JobRun[]>("/api/v1/plugins/ticker/jobs/tick/runs")).body;
        return body.filter((r) => r.status === "succeeded").length >= 2 ? body : null;
      }, 5000, "two runs of the every-second job");
      expect(runs[0]).toMatchObject({ trigger: "schedule", result: "tock" });
    } finally {
      await p.close();
      await dir.remove();
    }
  });
});
