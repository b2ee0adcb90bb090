import { DatabaseError } from "../services/database/database-error.js";
import type { LogLevel } from "@goatkit/sdk";
import type { JobRun } from "../jobs/job-run.js";
import { runMigrations } from "../plugin/migrations.js";
import type { LogEntry } from "../services/log-store.js";
import type { DatabaseService, Row, SqlValue } from "../services/types.js";
import { PLATFORM_MIGRATIONS } from "./platform-schema.js";
import type { AuditEntry, AuditQuery, PlatformStore, StoredJobRun, StoredPluginState } from "./platform-store.js";

// Rows per multi-row INSERT of log lines: 6 parameters each, far below every database's limit.
const LOG_BATCH = 200;
const RUN_COLUMNS = "id, host_id, plugin, job, run_trigger, attempt, scheduled_at, started_at, ended_at, duration_ms, status, result, error_message, error_code, retry_at";

/**
 * The platform store in the host's own database, in the tables of platform-schema.ts. Every
 * statement uses `?` placeholders and SQL the three databases share.
 */
export class SqlPlatformStore implements PlatformStore {
  private constructor(private readonly db: DatabaseService) {}

  /** Creates the tables when missing (once, under the migration lock) and returns the store. */
  static async open(db: DatabaseService, now: () => number): Promise<SqlPlatformStore> {
    await runMigrations(db, PLATFORM_MIGRATIONS, now);
    return new SqlPlatformStore(db);
  }

  async pluginStates(): Promise<StoredPluginState[]> {
    const rows = await this.db.query("SELECT plugin, enabled, updated_at, updated_by FROM goatkit_plugin_state ORDER BY plugin", []);
    return rows.map((r) => ({ plugin: String(r.plugin), enabled: Number(r.enabled) === 1, updatedAt: String(r.updated_at), updatedBy: String(r.updated_by) }));
  }

  async savePluginState(plugin: string, enabled: boolean, by: string, time: string): Promise<void> {
    const update = () => this.db.exec("UPDATE goatkit_plugin_state SET enabled = ?, updated_at = ?, updated_by = ? WHERE plugin = ?", [enabled ? 1 : 0, time, by, plugin]);
    if ((await update()).rows_affected > 0) return;
    try {
      await this.db.exec("INSERT INTO goatkit_plugin_state (plugin, enabled, updated_at, updated_by) VALUES (?, ?, ?, ?)", [plugin, enabled ? 1 : 0, time, by]);
    } catch (error) {
      // Another host inserted the row first: ours is the later word.
      if ((await update()).rows_affected === 0) throw error;
    }
  }

  async insertRun(run: Omit<JobRun, "id">, hostId: string): Promise<number> {
    const result = await this.db.exec(
      "INSERT INTO goatkit_job_runs (host_id, plugin, job, run_trigger, attempt, scheduled_at, started_at, ended_at, duration_ms, status, result, error_message, error_code, retry_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [hostId, run.plugin, run.job, run.trigger, run.attempt, run.scheduledAt, run.startedAt, run.endedAt, run.durationMs, run.status, run.result, run.error?.message ?? null, run.error?.code ?? null, run.retryAt],
    );
    if (result.last_insert_id === null) throw new DatabaseError("E_DATABASE", "the database returned no id for the job run it stored", { fix: "check that goatkit_job_runs.id is an auto-increment key" });
    return Number(result.last_insert_id);
  }

  async finishRun(run: JobRun): Promise<void> {
    await this.db.exec("UPDATE goatkit_job_runs SET ended_at = ?, duration_ms = ?, status = ?, result = ?, error_message = ?, error_code = ?, retry_at = ? WHERE id = ?", [
      run.endedAt,
      run.durationMs,
      run.status,
      run.result,
      run.error?.message ?? null,
      run.error?.code ?? null,
      run.retryAt,
      run.id,
    ]);
  }

  async interruptRuns(time: string, dueTime?: { plugin: string; job: string; scheduledAt: string }): Promise<number> {
    const set = "UPDATE goatkit_job_runs SET status = 'interrupted', ended_at = ?, error_message = ?, error_code = 'E_INTERRUPTED' WHERE status = 'running'";
    const message = "the host running this attempt stopped before it ended (killed, crashed or lost); its writes up to then stand";
    const result = dueTime
      ? await this.db.exec(`${set} AND plugin = ? AND job = ? AND scheduled_at = ?`, [time, message, dueTime.plugin, dueTime.job, dueTime.scheduledAt])
      : await this.db.exec(set, [time, message]);
    return result.rows_affected;
  }

  async recentRuns(perJob: number): Promise<StoredJobRun[]> {
    const rows = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM (SELECT ${RUN_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY plugin, job ORDER BY id DESC) AS newest FROM goatkit_job_runs) ranked WHERE newest <= ? ORDER BY id`,
      [perJob],
    );
    return rows.map(runOf);
  }

  async pruneRuns(perJob: number): Promise<number> {
    return this.#keepNewest("goatkit_job_runs", "plugin, job", perJob);
  }

  async appendLogs(entries: LogEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += LOG_BATCH) {
      const batch = entries.slice(start, start + LOG_BATCH);
      const args: SqlValue[] = batch.flatMap((e) => [e.time, e.plugin, e.level, e.message, fieldsText(e.fields)]);
      await this.db.exec(`INSERT INTO goatkit_plugin_logs (logged_at, plugin, level, message, fields) VALUES ${batch.map(() => "(?, ?, ?, ?, ?)").join(", ")}`, args);
    }
  }

  async recentLogs(perPlugin: number): Promise<LogEntry[]> {
    const rows = await this.db.query(
      "SELECT logged_at, plugin, level, message, fields FROM (SELECT id, logged_at, plugin, level, message, fields, ROW_NUMBER() OVER (PARTITION BY plugin ORDER BY id DESC) AS newest FROM goatkit_plugin_logs) ranked WHERE newest <= ? ORDER BY id",
      [perPlugin],
    );
    return rows.map((r) => ({ time: String(r.logged_at), plugin: String(r.plugin), level: String(r.level) as LogLevel, message: String(r.message), fields: parseFields(r.fields) }));
  }

  async pruneLogs(perPlugin: number, before: string): Promise<number> {
    const old = await this.db.exec("DELETE FROM goatkit_plugin_logs WHERE logged_at < ?", [before]);
    return old.rows_affected + (await this.#keepNewest("goatkit_plugin_logs", "plugin", perPlugin));
  }

  async recordAudit(entry: Omit<AuditEntry, "id">): Promise<void> {
    await this.db.exec("INSERT INTO goatkit_audit (acted_at, actor, action, plugin, target, outcome, detail, host_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      entry.time,
      entry.actor,
      entry.action,
      entry.plugin,
      entry.target,
      entry.outcome,
      entry.detail,
      entry.hostId,
    ]);
  }

  async audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.min(10_000, Math.floor(query.limit ?? 100)));
    const where = query.plugin === undefined ? "" : "WHERE plugin = ?";
    const args: SqlValue[] = query.plugin === undefined ? [limit] : [query.plugin, limit];
    const rows = await this.db.query(`SELECT id, acted_at, actor, action, plugin, target, outcome, detail, host_id FROM goatkit_audit ${where} ORDER BY id DESC LIMIT ?`, args);
    return rows.map((r) => ({
      id: Number(r.id),
      time: String(r.acted_at),
      actor: String(r.actor),
      action: String(r.action) as AuditEntry["action"],
      plugin: textOrNull(r.plugin),
      target: textOrNull(r.target),
      outcome: String(r.outcome) as AuditEntry["outcome"],
      detail: textOrNull(r.detail),
      hostId: String(r.host_id),
    }));
  }

  /**
   * Deletes all but the newest `keep` rows of each group. The cut-off id is looked up first:
   * MySQL refuses a DELETE whose subquery reads the same table.
   */
  async #keepNewest(table: string, groupBy: string, keep: number): Promise<number> {
    const columns = groupBy.split(", ");
    const cutoffs = await this.db.query(
      `SELECT ${groupBy}, id FROM (SELECT ${groupBy}, id, ROW_NUMBER() OVER (PARTITION BY ${groupBy} ORDER BY id DESC) AS newest FROM ${table}) ranked WHERE newest = ?`,
      [keep + 1],
    );
    let removed = 0;
    for (const cutoff of cutoffs) {
      const match = columns.map((c) => `${c} = ?`).join(" AND ");
      const result = await this.db.exec(`DELETE FROM ${table} WHERE ${match} AND id <= ?`, [...columns.map((c) => cutoff[c]!), cutoff.id!]);
      removed += result.rows_affected;
    }
    return removed;
  }
}

function runOf(r: Row): StoredJobRun {
  return {
    id: Number(r.id),
    hostId: String(r.host_id),
    plugin: String(r.plugin),
    job: String(r.job),
    trigger: String(r.run_trigger) as JobRun["trigger"],
    attempt: Number(r.attempt),
    scheduledAt: String(r.scheduled_at),
    startedAt: String(r.started_at),
    endedAt: textOrNull(r.ended_at),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    status: String(r.status) as JobRun["status"],
    result: textOrNull(r.result),
    error: r.error_message === null ? null : { message: String(r.error_message), code: String(r.error_code ?? "E_JOB") },
    retryAt: textOrNull(r.retry_at),
  };
}

function textOrNull(value: SqlValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

function fieldsText(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields) ?? "{}";
  } catch {
    return "{}";
  }
}

function parseFields(value: SqlValue | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(String(value));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
