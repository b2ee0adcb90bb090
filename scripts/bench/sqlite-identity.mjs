// The embedded SQLite's plugin identity (docs/services.md "Plugin identities"): a plugin's read,
// checked against SQLite's compiled program, next to the same read on the host's own connection,
// in the same run. Run by run.mjs, or alone: `node scripts/bench/sqlite-identity.mjs`.
import { SqliteDatabase } from "../../packages/host/dist/index.js";
import { samplePair } from "./db-identity.mjs";

export async function benchSqliteIdentity(record) {
  const db = new SqliteDatabase(":memory:");
  db.seedDemo({ tickets: 3000 });
  const plugin = await db.forPlugin({ plugin: "bench", readCore: true, writeCore: [] });
  const reads = [
    ["one row by id", "SELECT id, title FROM tickets WHERE id = ?", [42]],
    ["tickets per state (3000 tickets)", "SELECT state_id, COUNT(*) AS n FROM tickets GROUP BY state_id", []],
  ];
  for (const [name, sql, args] of reads) {
    // Interleaved call by call, so a busy moment of a shared machine weighs on both sides alike.
    const [host, checked] = await samplePair(() => db.query(sql, args), () => plugin.query(sql, args), 3000);
    record("sqlite-id", `${name}: host connection`, host);
    record("sqlite-id", `${name}: as the plugin (checked)`, checked, host, "target <= 1.2x");
  }
  db.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchSqliteIdentity((group, name, stats, baseline, note = "") => {
    const ratio = baseline ? `${(stats.p50 / baseline.p50).toFixed(2)}x` : "baseline";
    console.log(`${group.padEnd(10)} ${name.padEnd(48)} p50 ${(stats.p50 / 1000).toFixed(1).padStart(8)} us  ${ratio} ${note}`);
    return stats;
  });
}
