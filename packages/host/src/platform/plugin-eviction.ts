import type { PlatformContext } from "./platform-context.js";
import type { PluginLifecycle } from "./plugin-lifecycle.js";
import type { PluginEntry } from "./plugin-registry.js";

/**
 * Releases instances nobody needs: those idle for `idleTimeoutMs` (by the host clock), and the
 * least recently used ones while the loaded plugins' estimated memory exceeds the budget. An
 * instance with calls running or a load under way is never evicted.
 */
export class PluginEviction {
  #idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: PlatformContext,
    private readonly lifecycle: PluginLifecycle,
  ) {}

  /** Starts looking for idle plugins, when an idle time-out is set. */
  start(): void {
    const timeout = this.ctx.options.idleTimeoutMs;
    if (!timeout) return;
    const every = this.ctx.options.idleCheckMs ?? Math.min(Math.max(timeout / 2, 10), 30_000);
    this.#idleTimer = setInterval(() => void this.unloadIdle(), every);
    this.#idleTimer.unref();
  }

  stop(): void {
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.#idleTimer = null;
  }

  /** Unloads plugins unused for `idleTimeoutMs`; returns their names. */
  async unloadIdle(): Promise<string[]> {
    const timeout = this.ctx.options.idleTimeoutMs;
    if (!timeout || this.ctx.closing) return [];
    const unloaded: string[] = [];
    for (const entry of this.ctx.registry.entries()) {
      if (!this.#isIdle(entry, timeout)) continue;
      const done = await this.ctx.lock.run(entry.name, async () => this.#isIdle(entry, timeout) && this.lifecycle.unloadLocked(entry, "idle"));
      if (done) unloaded.push(entry.name);
    }
    return unloaded;
  }

  /** Evicts least recently used idle plugins while the estimate exceeds the budget. */
  async enforceBudget(keep: PluginEntry): Promise<void> {
    const { ctx } = this;
    const budget = ctx.options.memoryBudgetBytes;
    if (budget === undefined) return;
    const total = () => ctx.registry.entries().reduce((sum, e) => sum + (e.plugin ? e.memoryBytes : 0), 0);
    while (total() > budget) {
      const victim = ctx.registry
        .entries()
        .filter((e) => e !== keep && e.plugin && !e.loading && ctx.inFlight.count(e.plugin) === 0)
        .sort((a, b) => (a.lastUsed ?? 0) - (b.lastUsed ?? 0))[0];
      if (!victim) {
        if (keep.plugin && keep.memoryBytes > budget) {
          ctx.host.logs.write(keep.name, "warn", `estimated memory ${formatMiB(keep.memoryBytes)} exceeds the manager's budget of ${formatMiB(budget)}; it stays loaded. Raise memoryBudgetBytes, or shrink the plugin (its limits.memory_mb, its module size)`);
        }
        return;
      }
      await ctx.lock.run(victim.name, async () => (victim.plugin && ctx.inFlight.count(victim.plugin) === 0 ? this.lifecycle.unloadLocked(victim, "memory") : false));
    }
  }

  #isIdle(entry: PluginEntry, timeout: number): boolean {
    return !!entry.plugin && !entry.loading && this.ctx.inFlight.count(entry.plugin) === 0 && this.ctx.now() - (entry.lastUsed ?? 0) >= timeout;
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
