import type { JobRun } from "../jobs/job-run.js";
import type { LogEntry } from "../services/log-store.js";

/** A plugin's enabled state as an administrator last set it. */
export interface StoredPluginState {
  plugin: string;
  enabled: boolean;
  updatedAt: string;
  /** Who set it: an administrator's login, `cluster:<host>` or `program`. */
  updatedBy: string;
}

/** What an administrator did. */
export type AuditAction = "enable" | "disable" | "reload" | "load" | "unload" | "run-job";

/** One line of the admin audit trail: who did what to which plugin, when, and how it ended. */
export interface AuditEntry {
  id: number;
  time: string;
  /** The administrator's login (the admin API's signed-in user), or `program` for code. */
  actor: string;
  action: AuditAction;
  plugin: string | null;
  /** What within the plugin, e.g. the job id of `run-job`. */
  target: string | null;
  outcome: "ok" | "failed";
  /** The error message of a failed action. */
  detail: string | null;
  /** The host that carried it out. */
  hostId: string;
}

export interface AuditQuery {
  plugin?: string;
  /** Newest entries kept (default 100, at most 10000). */
  limit?: number;
}

/** A job run as stored, with the host that ran it. */
export interface StoredJobRun extends JobRun {
  hostId: string;
}

/**
 * Where the host keeps what must survive a restart: plugins' enabled state, job run history,
 * plugin logs and the admin audit trail. One implementation (SqlPlatformStore) serves SQLite,
 * PostgreSQL and MySQL/MariaDB through the host's DatabaseService.
 */
export interface PlatformStore {
  pluginStates(): Promise<StoredPluginState[]>;
  savePluginState(plugin: string, enabled: boolean, by: string, time: string): Promise<void>;

  /** Records a run that starts (or, skipped, has already ended); returns its id. */
  insertRun(run: Omit<JobRun, "id">, hostId: string): Promise<number>;
  /** Records how a run ended. */
  finishRun(run: JobRun): Promise<void>;
  /**
   * Marks runs still recorded as running, whose host died, as `interrupted`: those of one due
   * time (a takeover), or all of them (a lone host starting: nothing else can be running them).
   */
  interruptRuns(time: string, dueTime?: { plugin: string; job: string; scheduledAt: string }): Promise<number>;
  /** The newest `perJob` runs of every job, oldest first. */
  recentRuns(perJob: number): Promise<StoredJobRun[]>;
  /** Keeps the newest `perJob` runs of each job. */
  pruneRuns(perJob: number): Promise<number>;

  appendLogs(entries: LogEntry[]): Promise<void>;
  /** The newest `perPlugin` lines of every plugin, oldest first. */
  recentLogs(perPlugin: number): Promise<LogEntry[]>;
  /** Removes lines older than `before` and all but the newest `perPlugin` of each plugin. */
  pruneLogs(perPlugin: number, before: string): Promise<number>;

  recordAudit(entry: Omit<AuditEntry, "id">): Promise<void>;
  /** Newest first. */
  audit(query?: AuditQuery): Promise<AuditEntry[]>;
}
