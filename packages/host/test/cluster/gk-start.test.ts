import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { PostgresDatabase } from "../../src/services/postgres/postgres-database.js";
import { writePlugin } from "../platform/support/platform.js";
import { CLUSTER_PLUGIN, EVERY_SECOND_JOB, clusterPluginManifest, clusterPluginWasm } from "./support/cluster-plugin.js";
import { TEST_URLS, clusterServersMissing, createPostgresSchema, redisKeySpace } from "./support/cluster-servers.js";

// The `gk` command as an operator runs it: the built CLI (`pnpm build` builds it before the tests).
const gk = new URL("../../../cli/dist/cli.js", import.meta.url).pathname;

const skip = clusterServersMissing("the two-`gk start` cluster test");
const RUN_MS = 12_000;

interface Line {
  event: string;
  host: string;
  [field: string]: unknown;
}

/** `gk start --config FILE --json`, as an operator runs it on each machine of a cluster. */
function gkStart(hostId: string, pluginsDir: string, config: string): { child: ChildProcess; lines: Line[]; output: () => string; exited: Promise<number | null> } {
  const child = spawn("node", ["--no-warnings", gk, "start", "--plugins-dir", pluginsDir, "--config", config, "--host-id", hostId, "--port", "0", "--json", "--token", "cluster-test-token"], {
    // Only what the config file says: no GOATKIT_* variables from the test's environment.
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GOATKIT_"))),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Line[] = [];
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  createInterface({ input: child.stdout! }).on("line", (text) => {
    output += `${text}\n`;
    try {
      lines.push(JSON.parse(text) as Line);
    } catch {
      // a line that is not an event
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, output: () => output, exited };
}

async function until(check: () => boolean, timeoutMs: number, what: string, output: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(skip)("two `gk start` hosts from one config file, on PostgreSQL and Redis", () => {
  it("join one cluster and run an every-second cron job once per due time", async () => {
    if (!existsSync(gk)) throw new Error(`${gk} is missing; build the CLI first: pnpm --filter @goatkit/cli build`);
    const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
    const keys = redisKeySpace();
    const work = await mkdtemp(join(tmpdir(), "goatkit-gk-cluster-"));
    const hosts: ReturnType<typeof gkStart>[] = [];
    try {
      const plugins = join(work, "plugins");
      await writePlugin(plugins, CLUSTER_PLUGIN, clusterPluginManifest(), clusterPluginWasm({ workMs: 100 }));
      const config = join(work, "goatkit.yaml");
      await writeFile(
        config,
        [
          "database:",
          `  url: ${TEST_URLS.postgres}`,
          `  schema: ${schema}`,
          "cache:",
          `  url: ${TEST_URLS.redis}`,
          `  key_prefix: "${keys.prefix}cache:"`,
          "cluster:",
          `  key_prefix: "${keys.prefix}cluster:"`,
          "  lease_ttl_ms: 3000",
          "  heartbeat_ms: 1000",
          // Loaded before ready, so every due time from the first one runs on a loaded plugin.
          "plugins:",
          "  eager: true",
          "",
        ].join("\n"),
      );
      hosts.push(gkStart("gk-a", plugins, config), gkStart("gk-b", plugins, config));
      const all = () => hosts.map((h) => h.output()).join("\n---\n");
      await until(() => hosts.every((h) => h.lines.some((l) => l.event === "ready")), 60_000, "both hosts to be ready", all);
      for (const host of hosts) {
        expect(host.lines.find((l) => l.event === "ready")).toMatchObject({ cluster: true, database: "postgres", plugins: [{ name: CLUSTER_PLUGIN, status: "loaded" }] });
      }
      await new Promise((resolve) => setTimeout(resolve, RUN_MS));
      for (const host of hosts) host.child.kill("SIGTERM");
      expect(await Promise.all(hosts.map((h) => h.exited))).toEqual([0, 0]);

      const succeeded = hosts.flatMap((h) => h.lines.filter((l) => l.event === "run" && l.job === EVERY_SECOND_JOB && l.status === "succeeded"));
      const ticks = succeeded.map((l) => String(l.tick));
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(ticks.length).toBeGreaterThanOrEqual(RUN_MS / 1000 - 3);
      console.log(`due times run per host: ${hosts.map((h) => `${h.lines[0]?.host}=${succeeded.filter((l) => l.host === h.lines[0]?.host).length}`).join(", ")}`);
      // The plugin's own table: one row per due time, whichever host ran it, no gap.
      const db = await PostgresDatabase.connect({ url: TEST_URLS.postgres!, schema, poolSize: 1 });
      try {
        const rows = (await db.query(`SELECT scheduled_at FROM ${db.pluginTable(CLUSTER_PLUGIN, "cluster_ticks_runs")} ORDER BY scheduled_at`, [])).map((r) => String(r.scheduled_at));
        expect(rows).toEqual([...ticks].sort());
        const seconds = rows.map((t) => Date.parse(t) / 1000);
        expect(seconds.at(-1)! - seconds[0]! + 1).toBe(rows.length);
        // Both hosts stored their runs in the shared platform state, each under its host id.
        const stored = await db.query("SELECT host_id, COUNT(*) AS n FROM goatkit_job_runs WHERE status = ? GROUP BY host_id ORDER BY host_id", ["succeeded"]);
        expect(stored.reduce((sum, r) => sum + Number(r.n), 0)).toBe(rows.length);
        expect(stored.every((r) => ["gk-a", "gk-b"].includes(String(r.host_id)))).toBe(true);
      } finally {
        await db.close();
      }
    } finally {
      for (const host of hosts) if (host.child.exitCode === null) host.child.kill("SIGKILL");
      await rm(work, { recursive: true, force: true });
      await keys.drop();
      await drop();
    }
  }, 120_000);
});
