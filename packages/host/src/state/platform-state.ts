import { messageOf } from "../errors.js";
import type { LogEntry, LogStore } from "../services/log-store.js";
import type { DatabaseService } from "../services/types.js";
import type { AuditEntry, PlatformStore } from "./platform-store.js";
import { SqlPlatformStore } from "./sql-platform-store.js";

/** How much platform history the host keeps; docs/state.md. */
export interface PlatformStateOptions {
  /** Log lines kept per plugin in the database (default 10000). */
  logLinesPerPlugin?: number;
  /** Log lines older than this many days are removed (default 30; 0 keeps them until the count limit). */
  logMaxAgeDays?: number;
  /** Runs kept per job (default 1000). */
  runsPerJob?: number;
  /** How often buffered log lines are written, in ms (default 200): a kill loses at most this much. */
  logFlushMs?: number;
  /** How often the retention limits are applied, in ms (default 60000). */
  pruneEveryMs?: number;
}

export type ResolvedPlatformStateOptions = Required<PlatformStateOptions>;

const DEFAULTS: ResolvedPlatformStateOptions = { logLinesPerPlugin: 10_000, logMaxAgeDays: 30, runsPerJob: 1000, logFlushMs: 200, pruneEveryMs: 60_000 };
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The host's durable platform state: the store, the log lines on their way to it (buffered and
 * written in batches, so logging costs a plugin no database round trip), and the retention
 * limits, applied at start and then every `pruneEveryMs`.
 */
export class PlatformState {
  readonly options: ResolvedPlatformStateOptions;
  readonly #pending: LogEntry[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #flushTimer: NodeJS.Timeout | null = null;
  #pruneTimer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #closed = false;
  /** Reported once per outage, so a database that is away does not flood the log. */
  #failing = false;

  private constructor(
    readonly store: PlatformStore,
    options: PlatformStateOptions,
    private readonly now: () => number,
  ) {
    this.options = { ...DEFAULTS, ...definedOnly(options) };
    for (const [name, value] of Object.entries(this.options)) {
      if (!Number.isInteger(value) || value < 0 || (value === 0 && name !== "logMaxAgeDays")) {
        throw new TypeError(`platformState.${name} must be a whole number${name === "logMaxAgeDays" ? " of 0 or more" : " above 0"}, got ${JSON.stringify(value)}`);
      }
    }
  }

  /** Opens the store on `db` (creating its tables), loads the recent log lines into `logs` and starts keeping new ones. */
  static async open(db: DatabaseService, logs: LogStore, options: PlatformStateOptions, now: () => number): Promise<PlatformState> {
    const state = new PlatformState(await SqlPlatformStore.open(db, now), options, now);
    await state.prune();
    logs.restore(await state.store.recentLogs(logs.perPlugin));
    state.#unsubscribe = logs.subscribe((entry) => state.#queue(entry));
    state.#pruneTimer = setInterval(() => void state.prune().catch(() => undefined), state.options.pruneEveryMs);
    state.#pruneTimer.unref();
    return state;
  }

  /** Writes the buffered log lines now. */
  flush(): Promise<void> {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return this.#flushing;
    this.#flushing = this.#flushing.then(async () => {
      try {
        await this.store.appendLogs(batch);
        this.#failing = false;
      } catch (error) {
        if (!this.#failing) {
          this.#failing = true;
          process.emitWarning(`plugin log lines could not be stored (${batch.length} dropped): ${messageOf(error)}`);
        }
      }
    });
    return this.#flushing;
  }

  /** Applies the retention limits to logs and job runs. */
  async prune(): Promise<void> {
    const age = this.options.logMaxAgeDays;
    const before = age === 0 ? "" : new Date(this.now() - age * DAY_MS).toISOString();
    await this.store.pruneLogs(this.options.logLinesPerPlugin, before);
    await this.store.pruneRuns(this.options.runsPerJob);
  }

  /** Records an audit entry; a failure to store it is reported, never thrown at the action. */
  async audit(entry: Omit<AuditEntry, "id" | "time">): Promise<void> {
    await this.store.recordAudit({ ...entry, time: new Date(this.now()).toISOString() }).catch((error: unknown) => {
      process.emitWarning(`the audit entry "${entry.actor} ${entry.action} ${entry.plugin ?? ""}" could not be stored: ${messageOf(error)}`);
    });
  }

  /** Stops the timers and writes what is buffered; the database closes after this. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    await this.flush();
  }

  #queue(entry: LogEntry): void {
    if (this.#closed) return;
    this.#pending.push(entry);
    this.#flushTimer ??= setTimeout(() => void this.flush(), this.options.logFlushMs);
    this.#flushTimer.unref?.();
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
