import { GoatKitError, messageOf, type GoatKitErrorOptions } from "../errors.js";
import type { Manifest } from "@goatkit/sdk";
import { inspectStatement } from "../services/database/sql-statement.js";
import type { DatabaseService, PluginDatabase } from "../services/types.js";
import { PLATFORM_TABLES } from "../state/platform-schema.js";

const LEDGER = `CREATE TABLE IF NOT EXISTS goatkit_migrations (
  plugin VARCHAR(100) NOT NULL,
  id VARCHAR(200) NOT NULL,
  applied_at VARCHAR(30) NOT NULL,
  PRIMARY KEY (plugin, id)
)`;

const MIGRATION_LOCK = "goatkit:migrations";

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A plugin migration that has no SQL for this database, or that the database refused. */
export class MigrationError extends GoatKitError {
  constructor(message: string, options?: GoatKitErrorOptions) {
    super("E_MIGRATION", message, options);
    this.name = "MigrationError";
  }
}

/**
 * A friendly early refusal of a migration that names one of the host's tables (its platform
 * state or this ledger). The wall is the database: a plugin's migrations run as the plugin
 * (PluginDatabase.migrate), which has no privilege on those tables. Returns the refusal, or null.
 */
export function hostTableInMigrations(manifest: Manifest, dialect: DatabaseService["dialect"]): string | null {
  for (const migration of manifest.migrations ?? []) {
    const scripts = typeof migration.up === "string" ? [migration.up] : Object.values(migration.up ?? {});
    for (const sql of scripts) {
      const table = inspectStatement(String(sql), dialect).mentionedTable([...PLATFORM_TABLES, "goatkit_migrations"]);
      if (table) return `migration ${migration.id} of ${manifest.name} names table "${table}", which belongs to the host (docs/state.md); a plugin's migrations may create and change only its own tables`;
    }
  }
  return null;
}

/**
 * Applies the plugin's migrations that this database has not seen, in order, each in one
 * transaction together with its ledger row where the database allows, so a failed migration
 * leaves nothing behind. A plugin's migrations run as the plugin (`as`); the host's own
 * (platform state) with the host's privileges. Returns the ids applied now.
 */
export async function runMigrations(db: DatabaseService, manifest: Manifest, now: () => number, as?: PluginDatabase): Promise<string[]> {
  if ((manifest.migrations ?? []).length === 0) return [];
  // Hosts sharing the database may load the plugin at the same moment: check-and-apply (and the
  // ledger's CREATE, which races on PostgreSQL) runs under one lock for all of them.
  return db.withLock ? db.withLock(MIGRATION_LOCK, () => applyMigrations(db, manifest, now, as)) : applyMigrations(db, manifest, now, as);
}

async function applyMigrations(db: DatabaseService, manifest: Manifest, now: () => number, as: PluginDatabase | undefined): Promise<string[]> {
  const migrations = manifest.migrations ?? [];
  await db.migrate(LEDGER);
  const done = new Set((await db.query("SELECT id FROM goatkit_migrations WHERE plugin = ?", [manifest.name])).map((r) => String(r.id)));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    const up = typeof migration.up === "string" ? migration.up : (migration.up[db.dialect] ?? migration.up.default);
    if (up === undefined) throw new MigrationError(`migration ${migration.id} has no SQL for ${db.dialect} and no default; add up.${db.dialect} or up.default`, { fix: `add up.${db.dialect} or up.default to migration ${migration.id}` });
    const appliedAt = new Date(now()).toISOString();
    try {
      if (as) {
        await as.migrate(up, { sql: "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)", args: [manifest.name, migration.id, appliedAt] });
      } else {
        const ledger = `INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (${quote(manifest.name)}, ${quote(migration.id)}, ${quote(appliedAt)})`;
        await db.migrate(`${up.trim().replace(/;$/, "")};\n${ledger};`);
      }
    } catch (error) {
      throw new MigrationError(`migration ${migration.id} of ${manifest.name} failed: ${messageOf(error)}`, { fix: `correct migration ${migration.id}'s SQL (it did not apply, so the next load tries it again)`, cause: error });
    }
    applied.push(migration.id);
  }
  return applied;
}
