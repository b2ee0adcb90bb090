import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { FileWatch } from "./file-watch.js";
import type { PlatformContext } from "./platform-context.js";
import type { PluginEntry } from "./plugin-registry.js";
import type { PluginSource } from "./plugin-source.js";

/** Asks discovery to scan again; `changed` names plugins whose files changed. */
type Rescan = (changed: Set<string>) => unknown;

/**
 * Watches each plugin's files (module, manifest, package) and the sources' folders, and asks
 * for a rescan when they change: a changed plugin reloads, a new folder is discovered. Does
 * nothing unless the platform was created with `watch`.
 */
export class PluginWatcher {
  readonly #watches = new Map<string, { watch: FileWatch; key: string }>();
  #rootWatch: FileWatch | null = null;
  #rootWatchKey = "";

  constructor(
    private readonly ctx: PlatformContext,
    private readonly rescan: Rescan,
  ) {}

  get #enabled(): boolean {
    return !!this.ctx.options.watch && !this.ctx.closing;
  }

  get #debounceMs(): number {
    return this.ctx.options.reloadDebounceMs ?? 100;
  }

  /** Watches the files of the entry's plugin, or of its problem (a fix there is picked up). */
  watchEntry(entry: PluginEntry): void {
    if (!this.#enabled) return;
    const paths = entry.problem?.watchPaths ?? entry.discovered?.watchPaths ?? [];
    // A folder that does not exist yet (build/) is watched through its parent until it does.
    const key = paths.map((path) => (existsSync(dirname(path)) ? path : `${path}?`)).join("\n");
    const current = this.#watches.get(entry.name);
    if (current && current.key === key) return;
    current?.watch.close();
    const name = entry.name;
    this.#watches.set(name, { key, watch: new FileWatch(paths, [], () => void this.#filesChanged(name), this.#debounceMs) });
  }

  /** Watches the sources' folders; the set changes as folders appear (a new one without a manifest yet). */
  watchRoots(sources: readonly PluginSource[]): void {
    if (!this.#enabled) return;
    const roots = sources.flatMap((source) => source.watchRoots);
    const key = roots.join("\n");
    if (key === this.#rootWatchKey) return;
    this.#rootWatch?.close();
    this.#rootWatchKey = key;
    this.#rootWatch = roots.length > 0 ? new FileWatch([], roots, () => void this.rescan(new Set()), this.#debounceMs) : null;
  }

  unwatch(name: string): void {
    this.#watches.get(name)?.watch.close();
    this.#watches.delete(name);
  }

  close(): void {
    this.#rootWatch?.close();
    for (const { watch } of this.#watches.values()) watch.close();
    this.#watches.clear();
  }

  async #filesChanged(name: string): Promise<void> {
    if (!this.ctx.registry.has(name) || this.ctx.closing) return;
    await this.rescan(new Set([name]));
  }
}
