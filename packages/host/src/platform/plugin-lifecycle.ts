import { messageOf } from "../errors.js";
import { unsignedRefusal } from "../host.js";
import { Plugin, type LoadOptions } from "../plugin/plugin.js";
import { limitCeilingsOf, type PluginLimits } from "../plugin/limit-ceilings.js";
import { PluginCallError } from "../runtime/plugin-call-error.js";
import { syncManifestJobs } from "../jobs/manifest-jobs.js";
import type { UnloadReason } from "./manager-events.js";
import { defaultMemoryEstimate, estimatePluginMemory } from "./memory-estimate.js";
import { MANAGER_LOG, type PlatformContext } from "./platform-context.js";
import { PluginManagerError } from "./plugin-manager-error.js";
import type { PluginEntry } from "./plugin-registry.js";
import type { DiscoveredPlugin } from "./plugin-source.js";
import { InFlightCalls } from "./in-flight-calls.js";

/**
 * Load, reload, unload and drain: how an instance comes into the registry and leaves it. A
 * replaced or unloaded instance closes once its running calls finish, so no call is dropped.
 * Every method ending in `Locked` runs under the plugin's lock.
 */
export class PluginLifecycle {
  /** Every call from its start (including a lazy load) to its end, for shutdown. */
  readonly calls = new InFlightCalls<object>();
  readonly #retiring = new Set<Promise<void>>();
  readonly #limitCeilings: Readonly<PluginLimits>;

  constructor(
    private readonly ctx: PlatformContext,
    /** Run after each load on demand: the memory budget evicts others here. */
    private readonly afterLoad: (entry: PluginEntry) => Promise<void>,
  ) {
    this.#limitCeilings = limitCeilingsOf({ ...ctx.host.limitCeilings, ...ctx.options.limitCeilings });
  }

  /** Loads the plugin unless it is loaded; concurrent callers share one load. */
  async ensureLoaded(entry: PluginEntry): Promise<void> {
    if (entry.plugin) return;
    entry.loading ??= this.ctx.lock.run(entry.name, () => this.#loadLocked(entry)).finally(() => {
      entry.loading = null;
    });
    await entry.loading;
    await this.afterLoad(entry);
  }

  async #loadLocked(entry: PluginEntry): Promise<void> {
    if (entry.plugin) return;
    const refused = this.ctx.refusal(entry);
    if (refused) throw refused;
    const started = performance.now();
    let plugin: Plugin;
    try {
      plugin = await this.#open(entry);
    } catch (error) {
      entry.loadError = messageOf(error);
      this.ctx.emit({ type: "error", plugin: entry.name, phase: "load", message: entry.loadError }, `load failed: ${entry.loadError}`, "error");
      throw error;
    }
    entry.plugin = plugin;
    entry.known = plugin.manifest;
    entry.loadError = null;
    entry.reloadError = null;
    entry.loadedAt = entry.lastUsed = this.ctx.now();
    entry.memoryBytes = await this.estimateMemory(plugin);
    syncManifestJobs(this.ctx.host.jobs, entry.name, plugin.manifest);
    const loadMs = Math.round(performance.now() - started);
    this.ctx.emit({ type: "loaded", plugin: entry.name, version: plugin.manifest.version, loadMs, memoryBytes: entry.memoryBytes }, `loaded version ${plugin.manifest.version} in ${loadMs} ms`);
  }

  /** Opens the plugin's current files and swaps them in; the old instance keeps serving when that fails. */
  async reloadLocked(entry: PluginEntry): Promise<void> {
    const old = entry.plugin;
    if (!old) {
      entry.loadError = null;
      return;
    }
    let next: Plugin;
    try {
      next = await this.#open(entry);
    } catch (error) {
      entry.reloadError = `reload failed, version ${old.manifest.version} keeps serving: ${messageOf(error)}`;
      this.ctx.emit({ type: "error", plugin: entry.name, phase: "reload", message: entry.reloadError }, entry.reloadError, "error");
      throw new PluginManagerError("E_RELOAD", `reloading "${entry.name}" failed; version ${old.manifest.version} keeps serving. ${messageOf(error)}`, { cause: error });
    }
    entry.plugin = next;
    entry.known = next.manifest;
    entry.reloadError = null;
    entry.loadError = null;
    entry.loadedAt = this.ctx.now();
    entry.memoryBytes = await this.estimateMemory(next);
    syncManifestJobs(this.ctx.host.jobs, entry.name, next.manifest);
    this.ctx.emit({ type: "reloaded", plugin: entry.name, version: next.manifest.version, previousVersion: old.manifest.version }, `reloaded: version ${old.manifest.version} → ${next.manifest.version}`);
    this.#retire(old);
  }

  async unloadLocked(entry: PluginEntry, reason: UnloadReason): Promise<boolean> {
    const old = entry.plugin;
    if (!old) return false;
    entry.plugin = null;
    entry.loadedAt = null;
    entry.memoryBytes = 0;
    this.ctx.emit({ type: "unloaded", plugin: entry.name, reason }, `unloaded (${reason})`);
    await this.#drainAndClose(old);
    return true;
  }

  /**
   * Graceful shutdown: running calls finish (up to `drainTimeoutMs`), then every instance this
   * platform's own plugins closes. The host's plugins (`host.load`) stay loaded: the host closes them.
   */
  async shutdown(owner: object): Promise<void> {
    const { ctx } = this;
    if (!(await this.calls.drained(owner, ctx.drainMs))) {
      ctx.host.logs.write(MANAGER_LOG, "warn", `shutting down with ${this.calls.count(owner)} calls still running after ${ctx.drainMs} ms`);
    }
    await Promise.all(this.#retiring);
    await Promise.all(ctx.registry.entries().map((entry) => ctx.lock.run(entry.name, async () => entry.owner === "platform" && this.unloadLocked(entry, "shutdown"))));
  }

  /** A loaded plugin's figure, from the isolation and pool it was loaded with. */
  estimateMemory(plugin: Plugin): Promise<number> {
    const { isolation } = plugin;
    const options = { isolation, instances: isolation === "worker" ? Math.max(1, plugin.poolSize) : 1, estimator: this.ctx.options.memoryEstimate ?? defaultMemoryEstimate };
    return estimatePluginMemory(plugin, options);
  }

  /** Closes a replaced instance in the background once its calls finish; shutdown waits for it. */
  #retire(plugin: Plugin): void {
    const retiring = this.#drainAndClose(plugin).finally(() => this.#retiring.delete(retiring));
    this.#retiring.add(retiring);
  }

  async #drainAndClose(plugin: Plugin): Promise<void> {
    const { ctx } = this;
    if (!(await ctx.inFlight.drained(plugin, ctx.drainMs))) {
      ctx.host.logs.write(plugin.name, "warn", `closing version ${plugin.manifest.version} with ${ctx.inFlight.count(plugin)} calls still running after ${ctx.drainMs} ms`);
    }
    await plugin.close().catch((error: unknown) => ctx.host.logs.write(plugin.name, "warn", `closing version ${plugin.manifest.version} failed: ${messageOf(error)}`));
  }

  async #open(entry: PluginEntry): Promise<Plugin> {
    const { options, host } = this.ctx;
    const discovered = entry.discovered!;
    const settings = options.plugins?.[entry.name] ?? {};
    this.#requireSigned(discovered);
    const load: LoadOptions = { grant: settings.grant, config: settings.config, limitCeilings: this.#limitCeilings, ...(discovered.goatflow ? { manifest: discovered.manifest } : {}) };
    if (options.isolation) load.isolation = options.isolation;
    if (options.poolSize) load.poolSize = options.poolSize;
    const plugin = await Plugin.load(discovered.loadPath, host.services, host.loadOptions(load));
    if (plugin.name !== entry.name) {
      await plugin.close();
      throw new PluginCallError("E_LOAD", `${discovered.loadPath} now holds plugin "${plugin.name}", not "${entry.name}"; a plugin's name cannot change while it is installed: restore the name, or add the plugin as a new folder`);
    }
    return plugin;
  }

  /** On a host that requires signatures, only a package verified with one of its keys loads. */
  #requireSigned(discovered: DiscoveredPlugin): void {
    const signers = this.ctx.host.requiredSigners;
    if (!signers) return;
    const signature = discovered.signature;
    if (signature?.status === "verified" && signers.has(signature.keyId)) return;
    const problem =
      signature === undefined || signature.status === "skipped"
        ? `${discovered.location} is not a signed package`
        : signature.status === "verified" || signature.status === "untrusted"
          ? `${discovered.location} is signed by key ${signature.keyId}, which is not one of this host's trusted keys`
          : `${discovered.location} is not signed`;
    throw new PluginCallError("E_LOAD", unsignedRefusal(problem));
  }
}
