import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { pluginsDir, writePlugin } from "../platform/support/platform.js";
import { CLUSTER_PLUGIN, EVERY_SECOND_JOB, clusterPluginManifest, clusterPluginWasm } from "./support/cluster-plugin.js";
import { TEST_URLS, clusterServersMissing, createPostgresSchema, redisKeySpace } from "./support/cluster-servers.js";
import { pluginRoleName } from "../../src/services/postgres/postgres-plugin-identity.js";
import { hostProcessEntry } from "./support/host-entry.js";
import { killHost, spawnHost, type HostLine, type HostProcess } from "./support/host-processes.js";

const skip = clusterServersMissing("the two-host cluster test");

/** How long both hosts run the every-second job, in all; one is killed at KILL_AT_MS. */
const RUN_MS = 60_000;
const KILL_AT_MS = 40_000;
const LEASE_TTL_MS = 3000;
const HEARTBEAT_MS = 1000;
/** The job's work (a pg_sleep) before it records its row. */
const WORK_MS = 250;
/** The first attempt of the due time chosen to be killed works this long: time to kill it mid-run, however loaded the machine. */
const VICTIM_WORK_S = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const isRun = (status: string) => (line: HostLine) => line.event === "run" && line.job === EVERY_SECOND_JOB && line.status === status;

describe.skipIf(skip)("two host processes sharing PostgreSQL and Redis", () => {
  it(
    "run an every-second job once per due time for a minute, share the cache, and finish the schedule when one is killed mid-job",
    async () => {
      const entry = await hostProcessEntry();
      if (entry.from === "bundle") console.log("dist does not export runHostProcess yet: the hosts run a bundle of src/cluster/host-process.ts (workers from dist)");
      const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
      const keys = redisKeySpace();
      const dir = await pluginsDir();
      const hosts: HostProcess[] = [];
      try {
        await writePlugin(dir.dir, CLUSTER_PLUGIN, clusterPluginManifest(), clusterPluginWasm({ workMs: WORK_MS }));
        const env = {
          GOATKIT_DB_URL: TEST_URLS.postgres!,
          GOATKIT_DB_SCHEMA: schema,
          GOATKIT_REDIS_URL: TEST_URLS.redis!,
          GOATKIT_REDIS_KEY_PREFIX: `${keys.prefix}cache:`,
          GOATKIT_CLUSTER_KEY_PREFIX: `${keys.prefix}cluster:`,
          GOATKIT_CLUSTER_LEASE_TTL_MS: String(LEASE_TTL_MS),
          GOATKIT_CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS),
          GOATKIT_TEST_TICK_MS: "100",
          GOATKIT_PLUGINS_EAGER: "true",
        };
        // Started together and eager: both load the plugin, and apply its migration, at the same moment.
        hosts.push(spawnHost("a", entry.url, dir.dir, env), spawnHost("b", entry.url, dir.dir, env));
        const [readyA, readyB] = await Promise.all(hosts.map((h) => h.waitFor((l) => l.event === "ready", 30_000, "its ready line")));
        expect(readyA).toMatchObject({ cluster: true, database: "postgres", plugins: [{ name: CLUSTER_PLUGIN, status: "loaded" }] });
        expect(readyB).toMatchObject({ cluster: true, database: "postgres", plugins: [{ name: CLUSTER_PLUGIN, status: "loaded" }] });
        const started = Date.now();

        // The cache: written through host a's plugin, read through host b's.
        const marker = `written-on-a-${randomBytes(6).toString("hex")}`;
        const write = await fetch(`${readyA!.url}/api/plugins/${CLUSTER_PLUGIN}/shared`, { method: "POST", body: marker });
        expect(await write.text()).toBe("stored");
        const read = await fetch(`${readyB!.url}/api/plugins/${CLUSTER_PLUGIN}/shared`);
        expect(read.status).toBe(200);
        expect(await read.text()).toContain(marker);

        // KILL_AT_MS in, one due time's first attempt is made long; its host is killed mid-run.
        await sleep(started + KILL_AT_MS - Date.now());
        const victimTick = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000).toISOString();
        await query("INSERT INTO cluster_ticks_work (scheduled_at, work_seconds) VALUES ($1, $2)", [victimTick, VICTIM_WORK_S], schema);
        const victimRun = await Promise.any(hosts.map((h) => h.waitFor((l) => isRun("running")(l) && l.tick === victimTick, 10_000, `the run due at ${victimTick} to start`)));
        const victim = hosts.find((h) => h.id === victimRun.host)!;
        const survivor = hosts.find((h) => h !== victim)!;
        killHost(victim);
        const killedAt = Date.now();
        await victim.exited;
        const takenOver = await survivor.waitFor((l) => isRun("succeeded")(l) && l.tick === victimRun.tick, LEASE_TTL_MS + 5000, `the run due at ${victimRun.tick} to be taken over`);
        const takeoverStart = survivor.lines.find((l) => isRun("running")(l) && l.tick === victimRun.tick)!;
        const takeover = survivor.lines.find((l) => l.event === "cluster" && l.type === "takeover" && l.scheduledAt === victimRun.tick);

        await sleep(started + RUN_MS - Date.now());
        survivor.child.kill("SIGTERM");
        const exit = await survivor.exited;
        expect(exit).toEqual({ code: 0, signal: null });
        expect(survivor.lines.at(-1)).toMatchObject({ event: "stopped", reason: "SIGTERM" });

        const rows = await query<{ scheduled_at: string; attempt: number }>("SELECT scheduled_at, attempt FROM cluster_ticks_runs ORDER BY scheduled_at, id", [], schema);
        const migrations = (await query("SELECT id FROM goatkit_migrations WHERE plugin = $1", [CLUSTER_PLUGIN], schema)).length;
        const ticks = rows.map((r) => Date.parse(r.scheduled_at));
        const first = Math.min(...ticks);
        const last = Math.max(...ticks);
        const expected = (last - first) / 1000 + 1;
        const unique = new Set(ticks).size;
        const missingTicks = Array.from({ length: expected }, (_, i) => first + i * 1000).filter((t) => !ticks.includes(t)).map((t) => new Date(t).toISOString());
        const succeeded = hosts.flatMap((h) => h.lines.filter(isRun("succeeded")));
        const byHost = Object.fromEntries(hosts.map((h) => [h.id, h.lines.filter(isRun("succeeded")).length]));
        const afterKill = succeeded.filter((l) => Date.parse(l.tick as string) > Date.parse(victimRun.tick as string));

        console.log(
          [
            `two hosts, ${Math.round((Date.now() - started) / 1000)} s: ${rows.length} rows for ${expected} due times (${unique} distinct, ${rows.length - unique} duplicates, ${missingTicks.length} missing)`,
            `runs by host: ${JSON.stringify(byHost)}; host ${victim.id} killed (SIGKILL) ${Math.round((killedAt - started) / 1000)} s in, mid-run of the due time ${victimRun.tick}`,
            `host ${survivor.id} re-ran it as attempt ${takenOver.attempt} ${takeoverStart.receivedAt - killedAt} ms after the kill (lease TTL ${LEASE_TTL_MS} ms, heartbeat ${HEARTBEAT_MS} ms), and ran the ${afterKill.length} due times after it`,
          ].join("\n"),
        );

        // The victim died mid-run, not after it.
        expect(victim.lines.some((l) => isRun("succeeded")(l) && l.tick === victimTick)).toBe(false);
        expect(migrations).toBe(1);
        expect(missingTicks).toEqual([]);
        expect(rows.length - unique).toBe(0);
        expect(expected).toBeGreaterThanOrEqual(Math.floor(RUN_MS / 1000) - 2);
        // The interrupted run left no row; the survivor's second attempt did.
        expect(rows.filter((r) => r.scheduled_at === victimRun.tick)).toEqual([{ scheduled_at: victimRun.tick, attempt: 2 }]);
        expect(takenOver).toMatchObject({ host: survivor.id, attempt: 2, trigger: "retry" });
        expect(takeover).toMatchObject({ type: "takeover", from: victim.id, attempt: 2 });
        // The shared run history: the victim's attempt, stored when it started, marked interrupted by the takeover.
        const history = await query<{ host_id: string; attempt: number; status: string; error_code: string | null }>(
          "SELECT host_id, attempt, status, error_code FROM goatkit_job_runs WHERE plugin = $1 AND job = $2 AND scheduled_at = $3 ORDER BY id",
          [CLUSTER_PLUGIN, EVERY_SECOND_JOB, victimRun.tick],
          schema,
        );
        expect(history).toEqual([
          { host_id: victim.id, attempt: 1, status: "interrupted", error_code: "E_INTERRUPTED" },
          { host_id: survivor.id, attempt: 2, status: "succeeded", error_code: null },
        ]);
        // Every row is a run a host reported as succeeded, once.
        expect(succeeded.map((l) => l.tick).sort()).toEqual(rows.map((r) => r.scheduled_at).sort());
        // After the kill only the survivor runs, and the schedule goes on to the end.
        expect(afterKill.every((l) => l.host === survivor.id)).toBe(true);
        expect(last).toBeGreaterThan(killedAt + 10_000);
      } finally {
        for (const h of hosts) killHost(h);
        await Promise.all(hosts.map((h) => h.exited));
        await drop();
        await keys.drop();
        await dir.remove();
      }
    },
    RUN_MS + 60_000,
  );
});

/** Reads the schema's tables and, before them, the plugin's own (in the schema of its role). */
async function query<T = Record<string, unknown>>(sql: string, values: unknown[], schema: string): Promise<T[]> {
  const database = decodeURIComponent(new URL(TEST_URLS.postgres!).pathname.slice(1));
  const client = new pg.Client({ connectionString: TEST_URLS.postgres!, options: `-c search_path=${pluginRoleName(database, schema, CLUSTER_PLUGIN)},${schema}` });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}
