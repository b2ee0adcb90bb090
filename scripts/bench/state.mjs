// The platform state's cost (docs/state.md), each against the same work without it, and the
// PostgreSQL session reset against the same transaction without it. Run by run.mjs, or alone:
// `node scripts/bench/state.mjs` (GOATKIT_TEST_POSTGRES_URL adds the PostgreSQL rows;
// `--plugin-role` runs only db_query as a plugin's role against the host's connection).
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobScheduler, PluginManager, PostgresDatabase, createHost } from "../../packages/host/dist/index.js";
import { benchPluginDir } from "./fixtures.mjs";

function quantiles(samples) {
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** ns per `fn` call, sampled `count` times after a warm-up. */
async function sample(fn, count) {
  for (let i = 0; i < Math.min(100, count); i++) await fn();
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn();
    samples.push((performance.now() - start) * 1e6);
  }
  return quantiles(samples);
}

export async function benchState(record) {
  const dir = await mkdtemp(join(tmpdir(), "goatkit-bench-state-"));
  const plugin = await benchPluginDir("bench-state");
  // The bench module's `ok` as a job, run on demand.
  const { writeFile, readFile } = await import("node:fs/promises");
  const manifest = JSON.parse(await readFile(join(plugin, "manifest.json"), "utf8"));
  await writeFile(join(plugin, "manifest.json"), JSON.stringify({ ...manifest, jobs: [{ id: "nightly", schedule: "0 3 * * *", handler: "ok" }] }));
  try {
    const hosts = {
      off: await createHost({ database: { file: join(dir, "off.db"), demo: false }, platformState: false }),
      on: await createHost({ database: { file: join(dir, "on.db"), demo: false } }),
    };
    // A plugin log line, written in batches of 1000 and flushed to the database after each.
    const lines = {};
    for (const [mode, host] of Object.entries(hosts)) {
      const perLine = [];
      for (let batch = 0; batch < 40; batch++) {
        const start = performance.now();
        for (let i = 0; i < 1000; i++) host.logs.write("bench-state", "info", `line ${i} of batch ${batch}`, { batch, i });
        await host.state?.flush();
        perLine.push(((performance.now() - start) * 1e6) / 1000);
      }
      lines[mode] = quantiles(perLine);
    }
    const linesOff = record("state", "log line, memory only (platformState: false)", lines.off);
    record("state", "log line, stored (batched, SQLite file)", lines.on, linesOff);

    // A job run through the scheduler: with the platform state it is stored at its start and end.
    const runs = {};
    for (const [mode, host] of Object.entries(hosts)) {
      const manager = await PluginManager.create({ host, pluginsDir: [] , adoptHostPlugins: false });
      await host.load(plugin);
      await manager.adopt(host.plugin("bench-state"));
      const scheduler = new JobScheduler({ manager, tickMs: 0 });
      await scheduler.restore();
      runs[mode] = await sample(() => scheduler.runNow("bench-state", "nightly"), 500);
      await scheduler.stop();
      await manager.close();
    }
    const runsOff = record("state", "job run (runNow), memory only", runs.off);
    record("state", "job run (runNow), stored (SQLite file)", runs.on, runsOff);
    await Promise.all(Object.values(hosts).map((host) => host.close()));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(plugin, { recursive: true, force: true });
  }

  const url = process.env.GOATKIT_TEST_POSTGRES_URL;
  if (!url) {
    console.log("state      PostgreSQL session reset: set GOATKIT_TEST_POSTGRES_URL to measure it");
    return;
  }
  const pg = createRequire(new URL("../../packages/host/package.json", import.meta.url))("pg");
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const db = await PostgresDatabase.connect({ url, poolSize: 1 });
  try {
    // The adapter's read transaction without the DISCARD ALL that follows it.
    const bare = record("state", "PostgreSQL read, same transaction, no reset", await sample(async () => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN READ ONLY; SET LOCAL statement_timeout = 5000");
        await client.query({ text: "SELECT 1 AS n", values: [], queryMode: "extended" });
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    }, 2000));
    record("state", "PostgreSQL read through the adapter (DISCARD ALL)", await sample(() => db.query("SELECT 1 AS n", []), 2000), bare);
  } finally {
    await pool.end();
    await db.close();
  }
  await benchPluginRole(url, pg, record);
}

/**
 * db_query's statement as the plugin's own role (its pool, logged in as it) against the same
 * statement on the host's connection, in a schema of its own that is dropped afterwards.
 */
export async function benchPluginRole(url, pg, record) {
  const schema = `goatkit_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = await PostgresDatabase.connect({ url, schema, poolSize: 3 });
  try {
    await db.seedDemo({ tickets: 300 });
    const plugin = await db.forPlugin({ plugin: "bench-reader", readCore: true, writeCore: [] });
    const sql = "SELECT state_id, COUNT(*) AS n FROM tickets WHERE queue_id = ? GROUP BY state_id ORDER BY state_id";
    const host = record("state", "PostgreSQL db_query on the host's connection", await sample(() => db.query(sql, [2]), 2000));
    record("state", "PostgreSQL db_query as the plugin's role", await sample(() => plugin.query(sql, [2]), 2000), host);
  } finally {
    await db.close();
    const roles = await admin.query(
      `SELECT DISTINCT r.rolname FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN pg_roles r ON r.oid = a.grantee WHERE n.nspname = $1 AND r.rolname LIKE 'gk\\_%'`,
      [schema],
    );
    for (const { rolname } of roles.rows) await admin.query(`DROP OWNED BY "${rolname}" CASCADE; DROP ROLE "${rolname}"`);
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const us = (ns) => ns / 1000;
  // `--plugin-role`: only the PostgreSQL plugin role rows.
  const run = process.argv.includes("--plugin-role") && process.env.GOATKIT_TEST_POSTGRES_URL
    ? (record) => benchPluginRole(process.env.GOATKIT_TEST_POSTGRES_URL, createRequire(new URL("../../packages/host/package.json", import.meta.url))("pg"), record)
    : benchState;
  await run((group, name, stats, baseline) => {
    const ratio = baseline ? `${(stats.p50 / baseline.p50).toFixed(2)}x` : "baseline";
    console.log(`${group.padEnd(10)} ${name.padEnd(52)} p50 ${us(stats.p50).toFixed(1).padStart(9)} us  p99 ${us(stats.p99).toFixed(1).padStart(9)} us  ${ratio}`);
    return stats;
  });
  process.exit(0);
}
