import { afterAll, describe, expect, it } from "vitest";
import type { Manifest } from "@goatkit/sdk";
import { runMigrations } from "../../src/plugin/migrations.js";
import { MysqlDatabase } from "../../src/services/mysql/mysql-database.js";
import { PostgresDatabase } from "../../src/services/postgres/postgres-database.js";
import type { DatabaseService } from "../../src/services/types.js";
import { TEST_URLS, clusterServersMissing, createMysqlDatabase, createPostgresSchema } from "./support/cluster-servers.js";
import { missing } from "../services/support/test-servers.js";

const HOSTS = 6;
const manifest = {
  name: "ledger",
  version: "1.0.0",
  description: "Two migrations, applied by several hosts starting at once",
  migrations: [
    { id: "001_entries", up: "CREATE TABLE ledger_entries (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)" },
    { id: "002_seed", up: "INSERT INTO ledger_entries (id, amount) VALUES (1, 100)" },
  ],
} as unknown as Manifest;

/** Every host runs the plugin's migrations at the same moment, each through its own pool. */
async function startTogether(open: () => Promise<DatabaseService>): Promise<{ applied: string[][]; ledger: unknown[]; entries: unknown[] }> {
  const dbs = await Promise.all(Array.from({ length: HOSTS }, open));
  try {
    const applied = await Promise.all(dbs.map((db) => runMigrations(db, manifest, Date.now)));
    const ledger = await dbs[0]!.query("SELECT id FROM goatkit_migrations WHERE plugin = ? ORDER BY id", ["ledger"]);
    const entries = await dbs[0]!.query("SELECT id, amount FROM ledger_entries", []);
    return { applied, ledger, entries };
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
  }
}

function expectAppliedOnce(result: Awaited<ReturnType<typeof startTogether>>): void {
  expect(result.applied.flat().sort()).toEqual(["001_entries", "002_seed"]);
  expect(result.ledger).toEqual([{ id: "001_entries" }, { id: "002_seed" }]);
  // The data migration ran once: a second run would have failed on the primary key, or doubled it.
  expect(result.entries).toEqual([{ id: 1, amount: 100 }]);
}

describe("plugin migrations with several hosts starting at once", () => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it.skipIf(clusterServersMissing("the migration lock on PostgreSQL", ["postgres"]))(`are applied once on PostgreSQL (${HOSTS} hosts, pg_advisory_xact_lock)`, async () => {
    const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
    drops.push(drop);
    expectAppliedOnce(await startTogether(() => PostgresDatabase.connect({ url: TEST_URLS.postgres!, schema })));
  });

  it.skipIf(missing("mysql", "the migration lock on MySQL/MariaDB"))(`are applied once on MySQL/MariaDB (${HOSTS} hosts, GET_LOCK)`, async () => {
    const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
    drops.push(drop);
    expectAppliedOnce(await startTogether(() => MysqlDatabase.connect({ url })));
  });
});
