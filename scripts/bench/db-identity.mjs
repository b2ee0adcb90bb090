// db_query as the plugin (its own database account, docs/services.md "Plugin identities") against
// the same query on the host's own connection, same run. Run by run.mjs, or alone:
// `GOATKIT_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test node scripts/bench/db-identity.mjs`.
import { createRequire } from "node:module";
import { MysqlDatabase } from "../../packages/host/dist/index.js";

function quantiles(samples) {
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** The two interleaved, call by call, so a busy moment of a shared machine weighs on both alike. */
export async function samplePair(a, b, count) {
  for (let i = 0; i < 200; i++) await a(), await b();
  const samples = [[], []];
  for (let i = 0; i < count; i++) {
    for (const [n, fn] of [a, b].entries()) {
      const start = performance.now();
      await fn();
      samples[n].push((performance.now() - start) * 1e6);
    }
  }
  return samples.map(quantiles);
}

const SQL = "SELECT id, title, queue_id FROM tickets WHERE id = ?";

export async function benchDbIdentity(record) {
  const url = process.env.GOATKIT_TEST_MYSQL_URL;
  if (!url) return;
  const mysql = createRequire(new URL("../../packages/host/package.json", import.meta.url))("mysql2/promise");
  const database = `goatkit_bench_${Date.now().toString(36)}`;
  const admin = await mysql.createConnection(url);
  await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
  const own = new URL(url);
  own.pathname = `/${database}`;
  const db = await MysqlDatabase.connect({ url: own.toString(), poolSize: 3, pluginPoolSize: 3 });
  try {
    await db.seedDemo({ tickets: 200 });
    const plugin = await db.forPlugin({ plugin: "bench-identity", readCore: true, writeCore: [] });
    let i = 0;
    const [host, asPlugin] = await samplePair(() => db.query(SQL, [(i++ % 200) + 1]), () => plugin.query(SQL, [(i++ % 200) + 1]), 3000);
    record("db", "MySQL db_query, host's connection", host);
    record("db", "MySQL db_query, plugin's account (INVOKER view)", asPlugin, host, "target <= 1.3x");
  } finally {
    await db.close();
    const [accounts] = await admin.query("SELECT DISTINCT User AS user, Host AS host FROM mysql.db WHERE REPLACE(Db, '\\\\', '') LIKE ?", [`${database}\\_\\_%`]);
    for (const { user, host } of accounts) await admin.query("DROP USER IF EXISTS ?@?", [user, host]);
    const [schemas] = await admin.query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", [`${database}%`]);
    for (const { name } of schemas) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const us = (ns) => ns / 1000;
  await benchDbIdentity((group, name, stats, baseline, note = "") => {
    const ratio = baseline ? `${(stats.p50 / baseline.p50).toFixed(2)}x` : "baseline";
    console.log(`${group.padEnd(10)} ${name.padEnd(52)} p50 ${us(stats.p50).toFixed(1).padStart(9)} us  p99 ${us(stats.p99).toFixed(1).padStart(9)} us  ${ratio}  ${note}`);
    return stats;
  });
  process.exit(0);
}
