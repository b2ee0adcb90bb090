import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobRun } from "../../src/jobs/job-run.js";
import { MysqlDatabase } from "../../src/services/mysql/mysql-database.js";
import { PostgresDatabase } from "../../src/services/postgres/postgres-database.js";
import { SqliteDatabase } from "../../src/services/database/sqlite-database.js";
import type { DatabaseService } from "../../src/services/types.js";
import { SqlPlatformStore } from "../../src/state/sql-platform-store.js";
import { TEST_URLS, createMysqlDatabase, createPostgresSchema, missing } from "../services/support/test-servers.js";

interface Backend {
  name: string;
  skip: boolean;
  open(): Promise<{ db: DatabaseService; reopen(): Promise<DatabaseService>; tearDown(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "SQLite",
    skip: false,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "goatkit-state-"));
      const file = join(dir, "host.db");
      return { db: new SqliteDatabase(file), reopen: async () => new SqliteDatabase(file), tearDown: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "PostgreSQL",
    skip: missing("postgres", "the platform store on PostgreSQL"),
    async open() {
      const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
      const connect = () => PostgresDatabase.connect({ url: TEST_URLS.postgres!, schema, poolSize: 2 });
      return { db: await connect(), reopen: connect, tearDown: drop };
    },
  },
  {
    name: "MySQL/MariaDB",
    skip: missing("mysql", "the platform store on MySQL/MariaDB"),
    async open() {
      const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
      const connect = () => MysqlDatabase.connect({ url, poolSize: 2 });
      return { db: await connect(), reopen: connect, tearDown: drop };
    },
  },
];

const now = () => Date.parse("2026-03-10T12:00:00.000Z");
const run = (fields: Partial<JobRun>): Omit<JobRun, "id"> => ({
  plugin: "stats",
  job: "daily",
  trigger: "schedule",
  attempt: 1,
  scheduledAt: "2026-03-10T12:00:00.000Z",
  startedAt: "2026-03-10T12:00:00.010Z",
  endedAt: null,
  durationMs: null,
  status: "running",
  result: null,
  error: null,
  retryAt: null,
  ...fields,
});

for (const backend of backends) {
  describe.skipIf(backend.skip)(`${backend.name}: the platform store`, () => {
    let place: Awaited<ReturnType<Backend["open"]>>;
    let db: DatabaseService;
    let store: SqlPlatformStore;

    beforeAll(async () => {
      place = await backend.open();
      db = place.db;
      store = await SqlPlatformStore.open(db, now);
    });
    afterAll(async () => {
      await db?.close();
      await place?.tearDown();
    });

    it("creates its tables once: opening again applies nothing and keeps the rows", async () => {
      await store.savePluginState("faq", false, "root", "2026-03-10T12:00:00.000Z");
      const again = await SqlPlatformStore.open(db, now);
      expect(await again.pluginStates()).toEqual([{ plugin: "faq", enabled: false, updatedAt: "2026-03-10T12:00:00.000Z", updatedBy: "root" }]);
      expect(await db.query("SELECT id FROM goatkit_migrations WHERE plugin = ? ORDER BY id", ["@goatkit/host"])).toEqual([
        { id: "001_plugin_state" },
        { id: "002_job_runs" },
        { id: "003_plugin_logs" },
        { id: "004_audit" },
      ]);
    });

    it("keeps the last enabled state a plugin was given, and who gave it", async () => {
      await store.savePluginState("faq", true, "alice", "2026-03-10T12:01:00.000Z");
      await store.savePluginState("calendar", false, "bob", "2026-03-10T12:02:00.000Z");
      expect(await store.pluginStates()).toEqual([
        { plugin: "calendar", enabled: false, updatedAt: "2026-03-10T12:02:00.000Z", updatedBy: "bob" },
        { plugin: "faq", enabled: true, updatedAt: "2026-03-10T12:01:00.000Z", updatedBy: "alice" },
      ]);
    });

    it("records job runs as they start and end, marks the ones a dead host left running, and keeps the newest per job", async () => {
      const first = await store.insertRun(run({}), "web-1");
      await store.finishRun({ ...run({}), id: first, endedAt: "2026-03-10T12:00:01.000Z", durationMs: 990.5, status: "failed", error: { message: "boom", code: "E_TRAP" }, retryAt: "2026-03-10T12:00:02.000Z" });
      const second = await store.insertRun(run({ trigger: "retry", attempt: 2, startedAt: "2026-03-10T12:00:02.000Z" }), "web-1");
      const other = await store.insertRun(run({ job: "weekly" }), "web-2");
      expect(second).toBeGreaterThan(first);
      // A takeover of the due time marks web-1's second attempt; weekly's run is another due time.
      expect(await store.interruptRuns("2026-03-10T12:00:09.000Z", { plugin: "stats", job: "daily", scheduledAt: "2026-03-10T12:00:00.000Z" })).toBe(1);
      const runs = await store.recentRuns(10);
      expect(runs.map((r) => [r.id, r.hostId, r.job, r.attempt, r.status, r.error?.code ?? null])).toEqual([
        [first, "web-1", "daily", 1, "failed", "E_TRAP"],
        [second, "web-1", "daily", 2, "interrupted", "E_INTERRUPTED"],
        [other, "web-2", "weekly", 1, "running", null],
      ]);
      expect(runs[0]).toMatchObject({ durationMs: 990.5, error: { message: "boom" }, retryAt: "2026-03-10T12:00:02.000Z", endedAt: "2026-03-10T12:00:01.000Z" });
      expect(runs[1]!.error!.message).toMatch(/^the host running this attempt stopped before it ended/);
      // A host starting alone marks every run still running.
      expect(await store.interruptRuns("2026-03-10T12:00:10.000Z")).toBe(1);
      for (let i = 0; i < 4; i++) await store.insertRun(run({ status: "succeeded", endedAt: "2026-03-10T12:00:11.000Z", result: `run ${i}` }), "web-1");
      expect(await store.pruneRuns(2)).toBe(4);
      expect((await store.recentRuns(10)).map((r) => [r.job, r.result])).toEqual([
        ["weekly", null],
        ["daily", "run 2"],
        ["daily", "run 3"],
      ]);
      expect((await store.recentRuns(1)).map((r) => r.result)).toEqual([null, "run 3"]);
    });

    it("stores log lines in batches and applies the count and age limits per plugin", async () => {
      const line = (plugin: string, i: number, time: string) => ({ time, plugin, level: "info" as const, message: `line ${i} ✓ 'quoted' ?`, fields: { i, nested: { ok: true } } });
      await store.appendLogs([...Array.from({ length: 250 }, (_, i) => line("faq", i, "2026-03-10T11:00:00.000Z")), line("stats", 0, "2026-02-01T00:00:00.000Z"), line("stats", 1, "2026-03-10T11:30:00.000Z")]);
      const recent = await store.recentLogs(3);
      expect(recent.map((e) => [e.plugin, e.message])).toEqual([
        ["faq", "line 247 ✓ 'quoted' ?"],
        ["faq", "line 248 ✓ 'quoted' ?"],
        ["faq", "line 249 ✓ 'quoted' ?"],
        ["stats", "line 0 ✓ 'quoted' ?"],
        ["stats", "line 1 ✓ 'quoted' ?"],
      ]);
      expect(recent[0]).toEqual({ time: "2026-03-10T11:00:00.000Z", plugin: "faq", level: "info", message: "line 247 ✓ 'quoted' ?", fields: { i: 247, nested: { ok: true } } });
      // Older than 30 days goes (stats' first line); then all but the newest 100 of each plugin.
      expect(await store.pruneLogs(100, "2026-02-08T12:00:00.000Z")).toBe(1 + 150);
      expect((await store.recentLogs(1000)).length).toBe(101);
    });

    it("keeps the audit trail, newest first, per plugin, and across a reconnect", async () => {
      await store.recordAudit({ time: "2026-03-10T12:00:00.000Z", actor: "alice", action: "disable", plugin: "faq", target: null, outcome: "ok", detail: null, hostId: "web-1" });
      await store.recordAudit({ time: "2026-03-10T12:00:05.000Z", actor: "bob", action: "reload", plugin: "stats", target: null, outcome: "failed", detail: "bad manifest", hostId: "web-2" });
      await store.recordAudit({ time: "2026-03-10T12:00:09.000Z", actor: "alice", action: "run-job", plugin: "stats", target: "daily", outcome: "ok", detail: "run 7: succeeded", hostId: "web-1" });
      const reopened = await place.reopen();
      try {
        const trail = await (await SqlPlatformStore.open(reopened, now)).audit();
        expect(trail.map((e) => [e.actor, e.action, e.plugin, e.target, e.outcome, e.detail, e.hostId])).toEqual([
          ["alice", "run-job", "stats", "daily", "ok", "run 7: succeeded", "web-1"],
          ["bob", "reload", "stats", null, "failed", "bad manifest", "web-2"],
          ["alice", "disable", "faq", null, "ok", null, "web-1"],
        ]);
        expect((await store.audit({ plugin: "faq" })).map((e) => e.action)).toEqual(["disable"]);
        expect((await store.audit({ limit: 1 })).map((e) => e.action)).toEqual(["run-job"]);
      } finally {
        if (reopened !== db) await reopened.close();
      }
    });
  });
}
