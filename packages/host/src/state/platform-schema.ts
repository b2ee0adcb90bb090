import type { Manifest } from "@goatkit/sdk";
import type { DatabaseService } from "../services/types.js";

type Dialect = DatabaseService["dialect"];

/** Generated ids and long text, the two things the three databases spell differently. */
const ID: Record<Dialect, string> = {
  sqlite: "id INTEGER PRIMARY KEY",
  postgres: "id BIGSERIAL PRIMARY KEY",
  mysql: "id BIGINT PRIMARY KEY AUTO_INCREMENT",
};
const LONG_TEXT: Record<Dialect, string> = { sqlite: "TEXT", postgres: "TEXT", mysql: "MEDIUMTEXT" };

/**
 * A table with its indexes. MySQL commits each DDL statement by itself, so there the indexes go
 * inside the CREATE TABLE and each migration is one statement that can run twice.
 */
function table(dialect: Dialect, name: string, columns: string[], indexes: Array<[string, string]>): string {
  const body = columns.map((c) => c.replace("<id>", ID[dialect]).replace("<long text>", LONG_TEXT[dialect]));
  if (dialect === "mysql") return `CREATE TABLE IF NOT EXISTS ${name} (${[...body, ...indexes.map(([index, cols]) => `INDEX ${index} (${cols})`)].join(", ")})`;
  return [`CREATE TABLE IF NOT EXISTS ${name} (${body.join(", ")})`, ...indexes.map(([index, cols]) => `CREATE INDEX IF NOT EXISTS ${index} ON ${name} (${cols})`)].join(";\n");
}

function migration(id: string, build: (dialect: Dialect) => string): NonNullable<Manifest["migrations"]>[number] {
  return { id, up: { sqlite: build("sqlite"), postgres: build("postgres"), mysql: build("mysql") } } as NonNullable<Manifest["migrations"]>[number];
}

/**
 * The host's own tables, applied through the same ledger and lock as plugin migrations (under
 * the name below), so several hosts starting on one database create them once. Times are ISO
 * 8601 text in UTC, which sorts and compares the same everywhere; booleans are 0/1.
 */
export const PLATFORM_MIGRATIONS: Manifest = {
  name: "@goatkit/host",
  version: "1.0.0",
  migrations: [
    migration("001_plugin_state", (d) =>
      table(d, "goatkit_plugin_state", ["plugin VARCHAR(190) NOT NULL PRIMARY KEY", "enabled INTEGER NOT NULL", "updated_at VARCHAR(32) NOT NULL", "updated_by VARCHAR(190) NOT NULL"], []),
    ),
    migration("002_job_runs", (d) =>
      table(
        d,
        "goatkit_job_runs",
        [
          "<id>",
          "host_id VARCHAR(190) NOT NULL",
          "plugin VARCHAR(190) NOT NULL",
          "job VARCHAR(190) NOT NULL",
          "run_trigger VARCHAR(16) NOT NULL",
          "attempt INTEGER NOT NULL",
          "scheduled_at VARCHAR(32) NOT NULL",
          "started_at VARCHAR(32) NOT NULL",
          "ended_at VARCHAR(32) NULL",
          "duration_ms DOUBLE PRECISION NULL",
          "status VARCHAR(16) NOT NULL",
          "result <long text> NULL",
          "error_message <long text> NULL",
          "error_code VARCHAR(64) NULL",
          "retry_at VARCHAR(32) NULL",
        ],
        [["goatkit_job_runs_job", "plugin, job, id"], ["goatkit_job_runs_status", "status"]],
      ),
    ),
    migration("003_plugin_logs", (d) =>
      table(
        d,
        "goatkit_plugin_logs",
        ["<id>", "logged_at VARCHAR(32) NOT NULL", "plugin VARCHAR(190) NOT NULL", "level VARCHAR(8) NOT NULL", "message <long text> NOT NULL", "fields <long text> NOT NULL"],
        [["goatkit_plugin_logs_plugin", "plugin, id"], ["goatkit_plugin_logs_time", "logged_at"]],
      ),
    ),
    migration("004_audit", (d) =>
      table(
        d,
        "goatkit_audit",
        [
          "<id>",
          "acted_at VARCHAR(32) NOT NULL",
          "actor VARCHAR(190) NOT NULL",
          "action VARCHAR(32) NOT NULL",
          "plugin VARCHAR(190) NULL",
          "target VARCHAR(190) NULL",
          "outcome VARCHAR(16) NOT NULL",
          "detail <long text> NULL",
          "host_id VARCHAR(190) NOT NULL",
        ],
        [["goatkit_audit_plugin", "plugin, id"]],
      ),
    ),
  ],
};

/** Tables the host keeps its platform state in (docs/state.md). */
export const PLATFORM_TABLES = ["goatkit_plugin_state", "goatkit_job_runs", "goatkit_plugin_logs", "goatkit_audit"] as const;
