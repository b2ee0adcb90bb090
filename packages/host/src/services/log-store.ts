import type { LogLevel } from "@goatkit/sdk";

export interface LogEntry {
  time: string;
  plugin: string;
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

export type LogListener = (entry: LogEntry) => void;

/**
 * Per-plugin log lines, kept in a bounded ring per plugin so a log flood costs memory once, and
 * fanned out to listeners (the dashboard's live view, a console echo, the platform state that
 * stores them in the database).
 */
export class LogStore {
  readonly #byPlugin = new Map<string, LogEntry[]>();
  readonly #listeners = new Set<LogListener>();

  constructor(
    /** Lines kept in memory per plugin. */
    readonly perPlugin = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  write(plugin: string, level: LogLevel, message: string, fields: Record<string, unknown> = {}): LogEntry {
    const entry: LogEntry = { time: new Date(this.now()).toISOString(), plugin, level, message, fields };
    let lines = this.#byPlugin.get(plugin);
    if (!lines) this.#byPlugin.set(plugin, (lines = []));
    lines.push(entry);
    if (lines.length > this.perPlugin) lines.splice(0, lines.length - this.perPlugin);
    for (const listener of this.#listeners) listener(entry);
    return entry;
  }

  /** Puts back lines kept from before a restart (oldest first), without telling listeners. */
  restore(entries: LogEntry[]): void {
    for (const entry of entries) {
      let lines = this.#byPlugin.get(entry.plugin);
      if (!lines) this.#byPlugin.set(entry.plugin, (lines = []));
      lines.push(entry);
      if (lines.length > this.perPlugin) lines.splice(0, lines.length - this.perPlugin);
    }
  }

  /** Lines of one plugin (or all plugins), oldest first. */
  list(plugin?: string, minLevel: LogLevel = "debug"): LogEntry[] {
    const order: LogLevel[] = ["debug", "info", "warn", "error"];
    const floor = order.indexOf(minLevel);
    const all = plugin === undefined ? [...this.#byPlugin.values()].flat().sort((a, b) => a.time.localeCompare(b.time)) : (this.#byPlugin.get(plugin) ?? []);
    return all.filter((e) => order.indexOf(e.level) >= floor);
  }

  subscribe(listener: LogListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
