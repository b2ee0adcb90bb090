import { syncManifestJobs } from "../jobs/manifest-jobs.js";
import { FolderSource } from "./folder-source.js";
import { MANAGER_LOG, type PlatformContext } from "./platform-context.js";
import type { PluginLifecycle } from "./plugin-lifecycle.js";
import type { PluginEntry } from "./plugin-registry.js";
import type { DiscoveredPlugin, DiscoveryProblem, PluginSource, PluginSourceKind } from "./plugin-source.js";
import { PluginWatcher } from "./plugin-watcher.js";

/**
 * Discovery over the platform's sources: plugins directories, packages, and the host's own
 * registry (the plugins given with `host.load`), all alike. A scan adds new plugins, reloads
 * changed ones, attaches problems, and removes what its sources no longer list. One scan runs
 * at a time.
 */
export class PluginDiscovery {
  readonly #sources: PluginSource[];
  readonly watcher: PluginWatcher;
  #running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: PlatformContext,
    private readonly lifecycle: PluginLifecycle,
  ) {
    const { options, host } = ctx;
    const dirs = options.pluginsDir === undefined ? [] : Array.isArray(options.pluginsDir) ? options.pluginsDir : [options.pluginsDir];
    this.#sources = [...dirs.map((dir) => new FolderSource(dir)), ...(options.sources ?? [])];
    const signers = [...(host.requiredSigners?.values() ?? [])];
    for (const source of this.#sources) source.attach?.({ services: host.services, trustedKeys: signers, requireSignatures: signers.length > 0 });
    if (options.adoptHostPlugins !== false) this.includeHostPlugins();
    this.watcher = new PluginWatcher(ctx, (changed) => this.rescan(changed));
  }

  /** Manages the plugins given to the host (`host.load`) like those of any source. */
  includeHostPlugins(): void {
    if (!this.#sources.includes(this.ctx.registry)) this.#sources.push(this.ctx.registry);
  }

  /** Starts watching files, when the platform watches. */
  watch(): void {
    this.watcher.watchRoots(this.#sources);
    for (const entry of this.ctx.registry.entries()) this.watcher.watchEntry(entry);
  }

  /**
   * Runs one discovery at a time. `force` names plugins whose files changed: loaded ones reload
   * even when their manifest did not change. Returns the failures by plugin name
   * (MANAGER_LOG for a source that could not be read).
   */
  rescan(force: Set<string>): Promise<Map<string, Error>> {
    const run = this.#running.then(() => this.#discoverNow(force));
    this.#running = run.catch(() => undefined);
    return run;
  }

  /** Whether one of this platform's sources is of this kind: only what its sources found, discovery removes. */
  #ours(kind: PluginSourceKind | undefined): boolean {
    return this.#sources.some((source) => source.kind === kind);
  }

  async #discoverNow(force: Set<string>): Promise<Map<string, Error>> {
    const { ctx } = this;
    const errors = new Map<string, Error>();
    if (ctx.closing) return errors;
    const found = new Map<string, DiscoveredPlugin>();
    const problems: DiscoveryProblem[] = [];
    let complete = true;
    for (const source of this.#sources) {
      try {
        const discovery = await source.discover();
        problems.push(...discovery.problems);
        for (const plugin of discovery.plugins) {
          const other = found.get(plugin.name);
          if (other) {
            problems.push({ ...plugin, message: `two plugins are named "${plugin.name}": ${other.location} and ${plugin.location}; rename one (the first one found is used)` });
          } else {
            found.set(plugin.name, plugin);
          }
        }
      } catch (error) {
        complete = false;
        const failure = error instanceof Error ? error : new Error(String(error));
        errors.set(MANAGER_LOG, failure);
        ctx.emit({ type: "error", plugin: null, phase: "discover", message: `${source.kind} source ${source.location}: ${failure.message}` }, "", "error");
      }
    }

    for (const plugin of found.values()) {
      const entry = ctx.entryFor(plugin.name);
      const isNew = entry.discovered === null;
      const changed = isNew || JSON.stringify(entry.discovered!.manifest) !== JSON.stringify(plugin.manifest) || entry.discovered!.loadPath !== plugin.loadPath;
      entry.discovered = plugin;
      entry.problem = null;
      if (isNew) ctx.emit({ type: "discovered", plugin: plugin.name, version: plugin.manifest.version }, `discovered version ${plugin.manifest.version} in ${plugin.location}`);
      if (entry.plugin && (changed || force.has(plugin.name))) {
        await ctx.lock.run(plugin.name, () => this.lifecycle.reloadLocked(entry)).catch((error: Error) => errors.set(plugin.name, error));
      } else if (!entry.plugin) {
        if (changed) entry.known = plugin.manifest;
        if (changed || force.has(plugin.name)) entry.loadError = null;
        syncManifestJobs(ctx.host.jobs, plugin.name, plugin.manifest);
      }
      this.watcher.watchEntry(entry);
    }

    const attached = new Set<PluginEntry>();
    for (const problem of problems) {
      // A plugin whose manifest broke keeps its entry (and its running version) and shows why.
      const owner = ctx.registry.entries().find((e) => e.discovered?.location === problem.location && !found.has(e.name) && this.#ours(e.discovered.source));
      // A problem never takes over the name of a healthy plugin (a duplicate, a broken folder
      // named like a working plugin): it gets its own entry, named after its location.
      const key = found.has(problem.name) ? `${problem.name}@${problem.location}` : problem.name;
      const entry = owner ?? ctx.entryFor(key);
      if (entry.problem?.message !== problem.message) ctx.emit({ type: "error", plugin: entry.name, phase: "discover", message: problem.message }, problem.message, "error");
      entry.problem = problem;
      attached.add(entry);
      this.watcher.watchEntry(entry);
    }

    if (complete) {
      for (const entry of ctx.registry.entries()) {
        if (found.has(entry.name) || attached.has(entry)) continue;
        if (entry.discovered && !this.#ours(entry.discovered.source)) continue;
        await this.#remove(entry);
      }
    }
    this.watcher.watchRoots(this.#sources);
    return errors;
  }

  async #remove(entry: PluginEntry): Promise<void> {
    this.watcher.unwatch(entry.name);
    await this.ctx.lock.run(entry.name, () => this.lifecycle.unloadLocked(entry, "removed"));
    this.ctx.registry.delete(entry.name);
    this.ctx.host.jobs.removePlugin(entry.name);
    this.ctx.emit({ type: "removed", plugin: entry.name }, `removed: no longer found in its source`);
  }
}
