/** A plugin's call figures, as the admin API reports them. */
export interface PluginMetricsSnapshot {
  calls: number;
  errors: number;
  /** Latency percentiles over the most recent calls, in milliseconds; null before any call. */
  p50Ms: number | null;
  p99Ms: number | null;
  lastError: { message: string; code: string; handler: string; at: string } | null;
  lastCallAt: string | null;
}

/**
 * Counts calls and errors and keeps the latencies of the last `window` calls: percentiles over a
 * recent window follow a plugin that got slower, where all-time figures would hide it.
 */
export class PluginMetrics {
  #calls = 0;
  #errors = 0;
  // Times as the host's clock gives them (ms): formatted only when a snapshot is asked for.
  #lastError: { message: string; code: string; handler: string; at: number } | null = null;
  #lastCallAt: number | null = null;
  readonly #latencies: number[] = [];
  #next = 0;

  constructor(private readonly window = 1000) {}

  /** One call: its handler, latency, when it ended (the host's clock, ms) and its error. */
  record(handler: string, latencyMs: number, at: number, error?: { message: string; code: string }): void {
    this.#calls++;
    this.#lastCallAt = at;
    if (this.#latencies.length < this.window) this.#latencies.push(latencyMs);
    else this.#latencies[this.#next] = latencyMs;
    this.#next = (this.#next + 1) % this.window;
    if (error) {
      this.#errors++;
      this.#lastError = { message: error.message, code: error.code, handler, at };
    }
  }

  snapshot(): PluginMetricsSnapshot {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      calls: this.#calls,
      errors: this.#errors,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      lastError: this.#lastError && { ...this.#lastError, at: iso(this.#lastError.at) },
      lastCallAt: this.#lastCallAt === null ? null : iso(this.#lastCallAt),
    };
  }
}

/** Nearest-rank percentile, rounded to 0.01 ms. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return Math.round(value * 100) / 100;
}
