import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { MANIFEST_FILES, type Manifest } from "@goatkit/sdk";
import { messageOf } from "../errors.js";
import { unsignedRefusal, type Host } from "../host.js";
import { Plugin, type LoadOptions } from "../plugin/plugin.js";
import { limitCeilingsOf, type PluginLimits } from "../plugin/limit-ceilings.js";
import type { RequestInput } from "../plugin/request.js";
import { errorResponse, errorResponseOf, type PluginResponse } from "../plugin/response.js";
import { PluginCallError } from "../runtime/plugin-call-error.js";
import type { Isolation } from "../runtime/plugin-runner.js";
import { FileWatch } from "./file-watch.js";
import { FolderSource, pluginFolderOf } from "./folder-source.js";
import { dispatchHook, type HookResult } from "./hook-dispatch.js";
import { InFlightCalls } from "./in-flight-calls.js";
import { KeyedLock } from "./keyed-lock.js";
import { ManagerEvents, type ManagerEventBody, type ManagerEventOf, type ManagerEventType, type UnloadReason } from "./manager-events.js";
import { defaultMemoryEstimate, estimatePluginMemory, type MemoryEstimator } from "./memory-estimate.js";
import { syncManifestJobs } from "../jobs/manifest-jobs.js";
import { pluginInfo, type PluginInfo, type PluginStatus } from "./plugin-info.js";
import { PluginManagerError } from "./plugin-manager-error.js";
import { PluginMetrics } from "./plugin-metrics.js";
import type { DiscoveredPlugin, DiscoveryProblem, PluginSource } from "./plugin-source.js";

/** Per-plugin settings an administrator gives: extra grants, config values, initial state. */
export interface PluginSettings extends Pick<LoadOptions, "grant" | "config"> {
  /** Start disabled with `false`; default true. */
  enabled?: boolean;
}

export interface PluginManagerOptions {
  host: Host;
  /** Plugins directories (folder sources); see FolderSource. */
  pluginsDir?: string | string[];
  /** More sources (zip and npm packages); searched after `pluginsDir`. */
  sources?: PluginSource[];
  /** Manage the plugins already loaded into the host (default true). */
  adoptHostPlugins?: boolean;
  /** Reload a plugin when its module or manifest changes, and rescan on new folders. */
  watch?: boolean;
  /** Quiet time after the last file change before reloading (default 100 ms). */
  reloadDebounceMs?: number;
  /** Unload a plugin unused for this long, by the host clock (default: never). */
  idleTimeoutMs?: number;
  /** How often idle plugins are looked for, in real time (default: idleTimeoutMs / 2, at most 30 s). */
  idleCheckMs?: number;
  /** Evict least recently used plugins while loaded plugins' estimated memory exceeds this. */
  memoryBudgetBytes?: number;
  /** A plugin's memory figure; see memory-estimate.ts for the default and its limits. */
  memoryEstimate?: MemoryEstimator;
  /** How long shutdown, unload and reload wait for running calls (default 10 s). */
  drainTimeoutMs?: number;
  /** Isolation of the plugins the manager loads (default: the host's, HostOptions.isolation). */
  isolation?: Isolation;
  poolSize?: number;
  plugins?: Record<string, PluginSettings>;
  /** This host's name in the audit trail (default `local`); runHostProcess passes its host id. */
  hostId?: string;
  /** Ceilings on the manifests' `limits`, over the host's (HostOptions.limitCeilings). */
  limitCeilings?: Partial<PluginLimits>;
}

interface Entry {
  name: string;
  discovered: DiscoveredPlugin | null;
  problem: DiscoveryProblem | null;
  enabled: boolean;
  plugin: Plugin | null;
  /** The last effective manifest (registration merged in), kept while unloaded. */
  known: Manifest | null;
  loading: Promise<void> | null;
  loadError: string | null;
  reloadError: string | null;
  lastUsed: number | null;
  loadedAt: number | null;
  memoryBytes: number;
  metrics: PluginMetrics;
  watch: FileWatch | null;
  watchKey: string;
}

/**
 * An enable, disable or reload asked of this manager (by an administrator, the admin API, a
 * program), not one it does itself; the cluster coordinator repeats these on the other hosts.
 */
export interface PluginCommand {
  command: "enable" | "disable" | "reload";
  plugin: string;
}

export interface PluginCommandOptions {
  /** Tell `onCommand` listeners (default true); false for a command repeated from another host. */
  announce?: boolean;
  /** Who asked, for the audit trail: an administrator's login (default `program`). */
  actor?: string;
}

/** Log lines about plugin management that concern no single plugin go here. */
export const MANAGER_LOG = "@manager";
const MAX_LOAD_ATTEMPTS = 3;

/**
 * The platform lifecycle of seed 004 over a Host: discover plugins (manifests only), load each
 * on first use, hot-reload on file change without dropping calls, unload on idle timeout or
 * under a memory budget (least recently used first), enable/disable, and shut down after
 * running calls finish. Every call goes through `call`, which counts it for the plugin's
 * metrics and in-flight tracking.
 *
 * The manager holds its own Plugin instances (loaded with `Plugin.load` on the host's
 * services) rather than the Host's map: `Host.load` closes the previous instance at once,
 * and a reload must let that instance finish its calls.
 *
 * @example
 * const host = await createHost();
 * const manager = await PluginManager.create({ host, pluginsDir: "./plugins", watch: true });
 * const res = await manager.call("ticket-counter", "get_counts");
 * await manager.close();
 */
export class PluginManager {
  readonly host: Host;
  readonly #entries = new Map<string, Entry>();
  readonly #sources: PluginSource[];
  readonly #events = new ManagerEvents();
  readonly #lock = new KeyedLock();
  readonly #inFlight = new InFlightCalls<Plugin>();
  /** Every call from its start (including a lazy load) to its end, for shutdown. */
  readonly #calls = new InFlightCalls<object>();
  readonly #retiring = new Set<Promise<void>>();
  readonly #commandListeners = new Set<(command: PluginCommand) => void>();
  #rootWatch: FileWatch | null = null;
  #rootWatchKey = "";
  #discovery: Promise<unknown> = Promise.resolve();
  #idleTimer: NodeJS.Timeout | null = null;
  #closing = false;
  #closed: Promise<void> | null = null;
  #generation = 0;
  /** Enabled states stored by the platform state before this manager started. */
  #stored = new Map<string, boolean>();

  readonly #limitCeilings: Readonly<PluginLimits>;

  private constructor(private readonly options: PluginManagerOptions) {
    this.host = options.host;
    this.#limitCeilings = limitCeilingsOf({ ...options.host.limitCeilings, ...options.limitCeilings });
    const dirs = options.pluginsDir === undefined ? [] : Array.isArray(options.pluginsDir) ? options.pluginsDir : [options.pluginsDir];
    this.#sources = [...dirs.map((dir) => new FolderSource(dir)), ...(options.sources ?? [])];
    const signers = [...(options.host.requiredSigners?.values() ?? [])];
    for (const source of this.#sources) source.attach?.({ services: options.host.services, trustedKeys: signers, requireSignatures: signers.length > 0 });
    options.host.services.plugins?.routeThrough((plugin, handler, input) => this.call(plugin, handler, input));
  }

  /** Creates a manager, adopts the host's plugins and discovers the sources' plugins. */
  static async create(options: PluginManagerOptions): Promise<PluginManager> {
    const manager = new PluginManager(options);
    // An administrator's last enable or disable outlives restarts: it overrides plugins[].enabled.
    for (const stored of (await options.host.state?.store.pluginStates()) ?? []) manager.#stored.set(stored.plugin, stored.enabled);
    if (options.adoptHostPlugins !== false) {
      for (const plugin of options.host.plugins) await manager.adopt(plugin);
    }
    await manager.discover();
    manager.#start();
    return manager;
  }

  /** Grows on every change of plugins or their state: caches of routes and widgets key on it. */
  get generation(): number {
    return this.#generation;
  }

  /** Subscribes to lifecycle events (`"*"` for all); returns the unsubscribe function. */
  on<T extends ManagerEventType>(type: T | "*", listener: (event: ManagerEventOf<T>) => void): () => void {
    return this.#events.on(type, listener);
  }

  /** Sees each enable, disable and reload that succeeded; returns the unsubscribe function. */
  onCommand(listener: (command: PluginCommand) => void): () => void {
    this.#commandListeners.add(listener);
    return () => this.#commandListeners.delete(listener);
  }

  /** Scans the sources again: new plugins appear, removed ones unload, changed manifests reload. */
  async discover(): Promise<PluginInfo[]> {
    const errors = await this.#rescan(new Set());
    const failure = errors.get(MANAGER_LOG);
    if (failure) throw failure;
    return this.list();
  }

  list(): PluginInfo[] {
    return [...this.#entries.values()].sort((a, b) => a.name.localeCompare(b.name)).map((entry) => this.#info(entry));
  }

  info(name: string): PluginInfo {
    return this.#info(this.#require(name));
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** The plugin's manifest: the effective one once loaded, else the one discovered. */
  manifest(name: string): Manifest | null {
    const entry = this.#entries.get(name);
    return entry ? this.#manifestOf(entry) : null;
  }

  /**
   * The folder the plugin's files (templates/, static/, i18n/) are read from: its own, the one
   * a package was extracted to, or the folder of a `.wasm` file loaded on its own.
   */
  filesFolder(name: string): string {
    const entry = this.#require(name);
    const path = entry.discovered?.loadPath ?? entry.problem?.location ?? "";
    return path.endsWith(".wasm") ? dirname(path) : path;
  }

  /** Whether calls to the plugin would be served (it exists, is enabled and not broken). */
  isServing(name: string): boolean {
    const entry = this.#entries.get(name);
    return !!entry && this.#refusal(entry) === null;
  }

  /**
   * Calls a handler, loading the plugin first when needed. Never throws: refusals (unknown,
   * disabled, shutting down) and failures come back as error responses.
   */
  async call(name: string, handler: string, input: RequestInput = {}): Promise<PluginResponse> {
    const entry = this.#entries.get(name);
    if (!entry) return refusalResponse(this.#unknown(name));
    const refused = this.#refusal(entry);
    if (refused) return refusalResponse(refused);
    const finished = this.#calls.begin(this);
    try {
      for (let attempt = 1; ; attempt++) {
        const plugin = entry.plugin;
        // Read and counted in one synchronous step: a reload that swaps after this point
        // waits for this call before closing the instance it runs on.
        if (plugin) return await this.#callInstance(entry, plugin, handler, input);
        if (attempt > MAX_LOAD_ATTEMPTS) {
          return errorResponse(`plugin "${name}" was unloaded ${MAX_LOAD_ATTEMPTS} times while this call waited for it; raise memoryBudgetBytes`, "E_LOAD", 503);
        }
        try {
          await this.#ensureLoaded(entry);
        } catch (error) {
          const response = loadFailureResponse(error);
          entry.metrics.record(handler, 0, this.#iso(), response.error);
          return response;
        }
        const refusedNow = this.#refusal(entry);
        if (refusedNow) return refusalResponse(refusedNow);
      }
    } finally {
      finished();
    }
  }

  /** Loads a plugin now instead of on first use. */
  async load(name: string, options: Pick<PluginCommandOptions, "actor"> = {}): Promise<PluginInfo> {
    return this.#audited("load", name, options, async () => {
      const entry = this.#require(name);
      const refused = this.#refusal(entry);
      if (refused) throw refused;
      await this.#ensureLoaded(entry);
      return this.#info(entry);
    });
  }

  /**
   * Loads the plugin's current files and swaps them in; the old instance closes once its
   * running calls finish. When the new version fails to load, the old one keeps serving and
   * this throws. A plugin that is not loaded only has its manifest read again.
   */
  async reload(name: string, options: PluginCommandOptions = {}): Promise<PluginInfo> {
    return this.#audited("reload", name, { actor: options.actor ?? "program", announce: options.announce }, () => this.#reload(name, options));
  }

  async #reload(name: string, options: PluginCommandOptions): Promise<PluginInfo> {
    const entry = this.#require(name);
    if (entry.discovered?.source === "host") {
      await this.#lock.run(name, () => this.#reloadLocked(entry));
    } else {
      const errors = await this.#rescan(new Set([name]));
      const failure = errors.get(name) ?? errors.get(MANAGER_LOG);
      if (failure) throw failure;
      const problem = this.#entries.get(name)?.problem;
      if (problem) throw new PluginManagerError("E_RELOAD", `reloading "${name}" failed: ${problem.message}`);
    }
    this.#announce({ command: "reload", plugin: name }, options);
    return this.#info(this.#require(name));
  }

  /** Releases a plugin's instance; it loads again on its next call. */
  async unload(name: string, reason: UnloadReason = "admin", options: Pick<PluginCommandOptions, "actor"> = {}): Promise<boolean> {
    return this.#audited("unload", name, options, () => {
      const entry = this.#require(name);
      return this.#lock.run(name, () => this.#unloadLocked(entry, reason));
    });
  }

  /** Enables a plugin; the state is stored (platform state), so it holds after a restart. */
  async enable(name: string, options: PluginCommandOptions = {}): Promise<PluginInfo> {
    return this.#audited("enable", name, { actor: options.actor ?? "program", announce: options.announce }, async () => {
      const entry = this.#require(name);
      await this.#lock.run(name, async () => {
        if (!entry.enabled) {
          entry.enabled = true;
          entry.loadError = null;
          this.#emit({ type: "enabled", plugin: name }, `enabled`);
        }
        await this.#saveState(name, true, options);
      });
      this.#announce({ command: "enable", plugin: name }, options);
      return this.#info(entry);
    });
  }

  /**
   * Disables a plugin: new calls are refused and its instance is released after running calls
   * finish. The state is stored (platform state), so it holds after a restart.
   */
  async disable(name: string, options: PluginCommandOptions = {}): Promise<PluginInfo> {
    return this.#audited("disable", name, { actor: options.actor ?? "program", announce: options.announce }, async () => {
      const entry = this.#require(name);
      await this.#lock.run(name, async () => {
        if (entry.enabled) {
          entry.enabled = false;
          this.#emit({ type: "disabled", plugin: name }, `disabled`);
          await this.#unloadLocked(entry, "disabled");
        }
        await this.#saveState(name, false, options);
      });
      this.#announce({ command: "disable", plugin: name }, options);
      return this.#info(entry);
    });
  }

  /**
   * Stores an enabled state; written before the command returns, so a crash right after keeps
   * it. While the database is away the command still applies here, and the log says it will not
   * outlive a restart.
   */
  async #saveState(name: string, enabled: boolean, options: PluginCommandOptions): Promise<void> {
    const store = this.host.state?.store;
    if (!store) return;
    this.#stored.set(name, enabled);
    try {
      await store.savePluginState(name, enabled, options.actor ?? (options.announce === false ? "cluster" : "program"), this.#iso());
    } catch (error) {
      this.host.logs.write(name, "error", `${enabled ? "enabled" : "disabled"} on this host, but the state could not be stored, so a restart forgets it; repeat the command once the database answers: ${messageOf(error)}`);
    }
  }

  /**
   * Runs an administrator's action and records it in the audit trail, with how it ended. Not for
   * a command repeated from another host (the host it was given on records it), nor for a load
   * or unload the host does by itself (no actor).
   */
  async #audited<T>(action: "enable" | "disable" | "reload" | "load" | "unload", plugin: string, options: PluginCommandOptions, body: () => Promise<T>): Promise<T> {
    const state = this.host.state;
    if (!state || options.actor === undefined || options.announce === false) return body();
    const hostId = this.options.hostId ?? "local";
    try {
      const result = await body();
      await state.audit({ actor: options.actor, action, plugin, target: null, outcome: "ok", detail: null, hostId });
      return result;
    } catch (error) {
      await state.audit({ actor: options.actor, action, plugin, target: null, outcome: "failed", detail: messageOf(error), hostId });
      throw error;
    }
  }

  /**
   * Fires a named event (`before_render`, `after_save`, or a `type:source:action` key) at every
   * enabled plugin that hooks it, with `kind: "hook"` and `hook: {event, data}`.
   */
  fireHook(event: string, data: unknown = null): Promise<HookResult[]> {
    const targets = [...this.#entries.values()]
      .filter((entry) => this.#refusal(entry) === null)
      .map((entry) => ({ name: entry.name, manifest: this.#manifestOf(entry)! }));
    return dispatchHook(targets, event, data, (plugin, handler, input) => this.call(plugin, handler, input));
  }

  /** Unloads plugins unused for `idleTimeoutMs` (by the host clock); returns their names. */
  async unloadIdle(): Promise<string[]> {
    const timeout = this.options.idleTimeoutMs;
    if (!timeout || this.#closing) return [];
    const unloaded: string[] = [];
    for (const entry of this.#entries.values()) {
      if (!this.#isIdle(entry, timeout)) continue;
      const done = await this.#lock.run(entry.name, async () => this.#isIdle(entry, timeout) && this.#unloadLocked(entry, "idle"));
      if (done) unloaded.push(entry.name);
    }
    return unloaded;
  }

  /** Takes over a plugin loaded into the host directly (`host.load`). */
  async adopt(plugin: Plugin): Promise<void> {
    const folder = await pluginFolderOf(plugin.wasmPath);
    const discovered: DiscoveredPlugin = {
      name: plugin.name,
      source: "host",
      location: folder ?? plugin.wasmPath,
      loadPath: folder ?? plugin.wasmPath,
      manifest: plugin.manifest,
      wasmPath: plugin.wasmPath,
      watchPaths: [plugin.wasmPath, ...(folder ? MANIFEST_FILES.map((f) => join(folder, f)) : [])],
    };
    const entry = this.#entryFor(plugin.name);
    entry.discovered = discovered;
    entry.plugin = plugin;
    entry.known = plugin.manifest;
    entry.loadedAt = entry.lastUsed = this.#now();
    entry.memoryBytes = await this.#estimateMemory(plugin);
    this.#emit({ type: "discovered", plugin: plugin.name, version: plugin.manifest.version }, `adopted version ${plugin.manifest.version} from the host`);
  }

  /**
   * Graceful shutdown: new calls are refused, running calls finish (up to `drainTimeoutMs`),
   * then every instance is closed. The host itself stays open: its owner closes it.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.#rootWatch?.close();
    for (const entry of this.#entries.values()) entry.watch?.close();
    const drainMs = this.options.drainTimeoutMs ?? 10_000;
    if (!(await this.#calls.drained(this, drainMs))) {
      this.host.logs.write(MANAGER_LOG, "warn", `shutting down with ${this.#calls.count(this)} calls still running after ${drainMs} ms`);
    }
    await Promise.all(this.#retiring);
    await Promise.all([...this.#entries.values()].map((entry) => this.#lock.run(entry.name, () => this.#unloadLocked(entry, "shutdown"))));
  }

  #start(): void {
    const timeout = this.options.idleTimeoutMs;
    if (timeout) {
      const every = this.options.idleCheckMs ?? Math.min(Math.max(timeout / 2, 10), 30_000);
      this.#idleTimer = setInterval(() => void this.unloadIdle(), every);
      this.#idleTimer.unref();
    }
    if (this.options.watch) {
      this.#watchRoots();
      for (const entry of this.#entries.values()) this.#watchEntry(entry);
    }
  }

  /** A loaded plugin's figure, from the isolation and pool it was loaded with. */
  #estimateMemory(plugin: Plugin): Promise<number> {
    const { isolation } = plugin;
    const options = { isolation, instances: isolation === "worker" ? Math.max(1, plugin.poolSize) : 1, estimator: this.options.memoryEstimate ?? defaultMemoryEstimate };
    return estimatePluginMemory(plugin, options);
  }

  get #debounceMs(): number {
    return this.options.reloadDebounceMs ?? 100;
  }

  /**
   * Runs one discovery at a time. `force` names plugins whose files changed: loaded ones reload
   * even when their manifest did not change. Returns the failures by plugin name
   * (MANAGER_LOG for a source that could not be read).
   */
  #rescan(force: Set<string>): Promise<Map<string, Error>> {
    const run = this.#discovery.then(() => this.#discoverNow(force));
    this.#discovery = run.catch(() => undefined);
    return run;
  }

  async #discoverNow(force: Set<string>): Promise<Map<string, Error>> {
    const errors = new Map<string, Error>();
    if (this.#closing) return errors;
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
        this.#emit({ type: "error", plugin: null, phase: "discover", message: `${source.kind} source ${source.location}: ${failure.message}` }, "", "error");
      }
    }

    for (const plugin of found.values()) {
      const entry = this.#entryFor(plugin.name);
      const isNew = entry.discovered === null;
      const changed = isNew || JSON.stringify(entry.discovered!.manifest) !== JSON.stringify(plugin.manifest) || entry.discovered!.loadPath !== plugin.loadPath;
      entry.discovered = plugin;
      entry.problem = null;
      if (isNew) this.#emit({ type: "discovered", plugin: plugin.name, version: plugin.manifest.version }, `discovered version ${plugin.manifest.version} in ${plugin.location}`);
      if (entry.plugin && (changed || force.has(plugin.name))) {
        await this.#lock.run(plugin.name, () => this.#reloadLocked(entry)).catch((error: Error) => errors.set(plugin.name, error));
      } else if (!entry.plugin) {
        if (changed) entry.known = plugin.manifest;
        if (changed || force.has(plugin.name)) entry.loadError = null;
        syncManifestJobs(this.host.jobs, plugin.name, plugin.manifest);
      }
      this.#watchEntry(entry);
    }

    const attached = new Set<Entry>();
    for (const problem of problems) {
      // A plugin whose manifest broke keeps its entry (and its running version) and shows why.
      const owner = [...this.#entries.values()].find((e) => e.discovered?.location === problem.location && !found.has(e.name) && e.discovered.source !== "host");
      // A problem never takes over the name of a healthy plugin (a duplicate, a broken folder
      // named like a working plugin): it gets its own entry, named after its location.
      const key = found.has(problem.name) ? `${problem.name}@${problem.location}` : problem.name;
      const entry = owner ?? this.#entryFor(key);
      if (entry.problem?.message !== problem.message) this.#emit({ type: "error", plugin: entry.name, phase: "discover", message: problem.message }, problem.message, "error");
      entry.problem = problem;
      attached.add(entry);
      this.#watchEntry(entry);
    }

    if (complete) {
      for (const entry of [...this.#entries.values()]) {
        if (found.has(entry.name) || attached.has(entry) || entry.discovered?.source === "host") continue;
        await this.#remove(entry);
      }
    }
    this.#watchRoots();
    return errors;
  }

  /** Watches the sources' folders; the set changes as folders appear (a new one without a manifest yet). */
  #watchRoots(): void {
    if (!this.options.watch || this.#closing) return;
    const roots = this.#sources.flatMap((source) => source.watchRoots);
    const key = roots.join("\n");
    if (key === this.#rootWatchKey) return;
    this.#rootWatch?.close();
    this.#rootWatchKey = key;
    this.#rootWatch = roots.length > 0 ? new FileWatch([], roots, () => void this.#rescan(new Set()), this.#debounceMs) : null;
  }

  async #remove(entry: Entry): Promise<void> {
    entry.watch?.close();
    await this.#lock.run(entry.name, () => this.#unloadLocked(entry, "removed"));
    this.#entries.delete(entry.name);
    this.host.jobs.removePlugin(entry.name);
    this.#emit({ type: "removed", plugin: entry.name }, `removed: no longer found in its source`);
  }

  async #ensureLoaded(entry: Entry): Promise<void> {
    if (entry.plugin) return;
    entry.loading ??= this.#lock.run(entry.name, () => this.#loadLocked(entry)).finally(() => {
      entry.loading = null;
    });
    await entry.loading;
    await this.#enforceBudget(entry);
  }

  async #loadLocked(entry: Entry): Promise<void> {
    if (entry.plugin) return;
    const refused = this.#refusal(entry);
    if (refused) throw refused;
    const started = performance.now();
    let plugin: Plugin;
    try {
      plugin = await this.#open(entry);
    } catch (error) {
      entry.loadError = messageOf(error);
      this.#emit({ type: "error", plugin: entry.name, phase: "load", message: entry.loadError }, `load failed: ${entry.loadError}`, "error");
      throw error;
    }
    entry.plugin = plugin;
    entry.known = plugin.manifest;
    entry.loadError = null;
    entry.reloadError = null;
    entry.loadedAt = entry.lastUsed = this.#now();
    entry.memoryBytes = await this.#estimateMemory(plugin);
    syncManifestJobs(this.host.jobs, entry.name, plugin.manifest);
    const loadMs = Math.round(performance.now() - started);
    this.#emit({ type: "loaded", plugin: entry.name, version: plugin.manifest.version, loadMs, memoryBytes: entry.memoryBytes }, `loaded version ${plugin.manifest.version} in ${loadMs} ms`);
  }

  async #reloadLocked(entry: Entry): Promise<void> {
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
      this.#emit({ type: "error", plugin: entry.name, phase: "reload", message: entry.reloadError }, entry.reloadError, "error");
      throw new PluginManagerError("E_RELOAD", `reloading "${entry.name}" failed; version ${old.manifest.version} keeps serving. ${messageOf(error)}`, { cause: error });
    }
    entry.plugin = next;
    entry.known = next.manifest;
    entry.reloadError = null;
    entry.loadError = null;
    entry.loadedAt = this.#now();
    entry.memoryBytes = await this.#estimateMemory(next);
    syncManifestJobs(this.host.jobs, entry.name, next.manifest);
    this.#emit({ type: "reloaded", plugin: entry.name, version: next.manifest.version, previousVersion: old.manifest.version }, `reloaded: version ${old.manifest.version} → ${next.manifest.version}`);
    this.#retire(old);
  }

  async #unloadLocked(entry: Entry, reason: UnloadReason): Promise<boolean> {
    const old = entry.plugin;
    if (!old) return false;
    entry.plugin = null;
    entry.loadedAt = null;
    entry.memoryBytes = 0;
    this.#emit({ type: "unloaded", plugin: entry.name, reason }, `unloaded (${reason})`);
    await this.#drainAndClose(old);
    return true;
  }

  /** Closes a replaced instance in the background once its calls finish; shutdown waits for it. */
  #retire(plugin: Plugin): void {
    const retiring = this.#drainAndClose(plugin).finally(() => this.#retiring.delete(retiring));
    this.#retiring.add(retiring);
  }

  async #drainAndClose(plugin: Plugin): Promise<void> {
    const drainMs = this.options.drainTimeoutMs ?? 10_000;
    if (!(await this.#inFlight.drained(plugin, drainMs))) {
      this.host.logs.write(plugin.name, "warn", `closing version ${plugin.manifest.version} with ${this.#inFlight.count(plugin)} calls still running after ${drainMs} ms`);
    }
    // An adopted instance the Host still lists belongs to the Host, which closes it.
    if (this.host.plugin(plugin.name) === plugin) return;
    await plugin.close().catch((error: unknown) => this.host.logs.write(plugin.name, "warn", `closing version ${plugin.manifest.version} failed: ${messageOf(error)}`));
  }

  async #open(entry: Entry): Promise<Plugin> {
    const discovered = entry.discovered!;
    const settings = this.options.plugins?.[entry.name] ?? {};
    this.#requireSigned(discovered);
    const options: LoadOptions = { grant: settings.grant, config: settings.config, limitCeilings: this.#limitCeilings, ...(discovered.goatflow ? { manifest: discovered.manifest } : {}) };
    if (this.options.isolation) options.isolation = this.options.isolation;
    if (this.options.poolSize) options.poolSize = this.options.poolSize;
    const plugin = await Plugin.load(discovered.loadPath, this.host.services, this.host.loadOptions(options));
    if (plugin.name !== entry.name) {
      await plugin.close();
      throw new PluginCallError("E_LOAD", `${discovered.loadPath} now holds plugin "${plugin.name}", not "${entry.name}"; a plugin's name cannot change while it is installed: restore the name, or add the plugin as a new folder`);
    }
    return plugin;
  }

  /** On a host that requires signatures, only a package verified with one of its keys loads. */
  #requireSigned(discovered: DiscoveredPlugin): void {
    const signers = this.host.requiredSigners;
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

  async #callInstance(entry: Entry, plugin: Plugin, handler: string, input: RequestInput): Promise<PluginResponse> {
    const finished = this.#inFlight.begin(plugin);
    entry.lastUsed = this.#now();
    const started = performance.now();
    let response: PluginResponse;
    try {
      response = await plugin.call(handler, input);
    } catch (error) {
      response = errorResponse(messageOf(error), "E_TRAP", 500);
    } finally {
      finished();
    }
    entry.lastUsed = this.#now();
    entry.metrics.record(handler, performance.now() - started, this.#iso(), response.error);
    return response;
  }

  /** Evicts least recently used idle plugins while the estimate exceeds the budget. */
  async #enforceBudget(keep: Entry): Promise<void> {
    const budget = this.options.memoryBudgetBytes;
    if (budget === undefined) return;
    const total = () => [...this.#entries.values()].reduce((sum, e) => sum + (e.plugin ? e.memoryBytes : 0), 0);
    while (total() > budget) {
      const victim = [...this.#entries.values()]
        .filter((e) => e !== keep && e.plugin && !e.loading && this.#inFlight.count(e.plugin) === 0)
        .sort((a, b) => (a.lastUsed ?? 0) - (b.lastUsed ?? 0))[0];
      if (!victim) {
        if (keep.plugin && keep.memoryBytes > budget) {
          this.host.logs.write(keep.name, "warn", `estimated memory ${formatMiB(keep.memoryBytes)} exceeds the manager's budget of ${formatMiB(budget)}; it stays loaded. Raise memoryBudgetBytes, or shrink the plugin (its limits.memory_mb, its module size)`);
        }
        return;
      }
      await this.#lock.run(victim.name, async () => (victim.plugin && this.#inFlight.count(victim.plugin) === 0 ? this.#unloadLocked(victim, "memory") : false));
    }
  }

  #watchEntry(entry: Entry): void {
    if (!this.options.watch || this.#closing) return;
    const paths = entry.problem?.watchPaths ?? entry.discovered?.watchPaths ?? [];
    // A folder that does not exist yet (build/) is watched through its parent until it does.
    const key = paths.map((path) => (existsSync(dirname(path)) ? path : `${path}?`)).join("\n");
    if (entry.watch && entry.watchKey === key) return;
    entry.watch?.close();
    entry.watchKey = key;
    entry.watch = new FileWatch(paths, [], () => void this.#filesChanged(entry.name), this.#debounceMs);
  }

  async #filesChanged(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry || this.#closing) return;
    if (entry.discovered?.source === "host") {
      await this.#lock.run(name, () => this.#reloadLocked(entry)).catch(() => undefined);
    } else {
      await this.#rescan(new Set([name]));
    }
  }

  #entryFor(name: string): Entry {
    let entry = this.#entries.get(name);
    if (!entry) {
      const enabled = this.#stored.get(name) ?? this.options.plugins?.[name]?.enabled !== false;
      entry = { name, discovered: null, problem: null, enabled, plugin: null, known: null, loading: null, loadError: null, reloadError: null, lastUsed: null, loadedAt: null, memoryBytes: 0, metrics: new PluginMetrics(), watch: null, watchKey: "" };
      this.#entries.set(name, entry);
    }
    return entry;
  }

  #require(name: string): Entry {
    const entry = this.#entries.get(name);
    if (!entry) throw this.#unknown(name);
    return entry;
  }

  #unknown(name: string): PluginManagerError {
    const known = [...this.#entries.keys()].sort();
    return new PluginManagerError("E_UNKNOWN_PLUGIN", `no plugin named "${name}"; known plugins: ${known.join(", ") || "none"}`);
  }

  #refusal(entry: Entry): PluginManagerError | null {
    if (this.#closing) return new PluginManagerError("E_SHUTTING_DOWN", `the host is shutting down; plugin "${entry.name}" takes no new calls`);
    if (!entry.enabled) return new PluginManagerError("E_PLUGIN_DISABLED", `plugin "${entry.name}" is disabled; an administrator can enable it (POST /api/v1/plugins/${entry.name}/enable)`);
    if (!entry.discovered || (entry.problem && !entry.plugin)) return new PluginManagerError("E_PLUGIN_BROKEN", `plugin "${entry.name}" cannot run: ${entry.problem?.message ?? "it was not discovered"}`);
    return null;
  }

  #manifestOf(entry: Entry): Manifest | null {
    return entry.plugin?.manifest ?? entry.known ?? entry.discovered?.manifest ?? null;
  }

  #isIdle(entry: Entry, timeout: number): boolean {
    return !!entry.plugin && !entry.loading && this.#inFlight.count(entry.plugin) === 0 && this.#now() - (entry.lastUsed ?? 0) >= timeout;
  }

  #info(entry: Entry): PluginInfo {
    const status: PluginStatus = !entry.discovered || (entry.problem && !entry.plugin)
      ? "error"
      : !entry.enabled
        ? "disabled"
        : entry.loading
          ? "loading"
          : entry.plugin
            ? "loaded"
            : entry.loadError
              ? "error"
              : "discovered";
    return pluginInfo({
      name: entry.name,
      manifest: this.#manifestOf(entry),
      pid: entry.plugin?.pid ?? null,
      source: entry.discovered?.source ?? entry.problem?.source ?? "folder",
      location: entry.discovered?.location ?? entry.problem?.location ?? "",
      goatflow: entry.discovered?.goatflow ?? null,
      status,
      enabled: entry.enabled,
      loaded: !!entry.plugin,
      error: entry.problem?.message ?? entry.reloadError ?? entry.loadError ?? null,
      memoryBytes: entry.plugin ? entry.memoryBytes : 0,
      inFlight: entry.plugin ? this.#inFlight.count(entry.plugin) : 0,
      loadedAt: entry.loadedAt === null ? null : new Date(entry.loadedAt).toISOString(),
      lastUsedAt: entry.lastUsed === null ? null : new Date(entry.lastUsed).toISOString(),
      metrics: entry.metrics.snapshot(),
    });
  }

  #announce(command: PluginCommand, options: PluginCommandOptions): void {
    if (options.announce === false) return;
    for (const listener of this.#commandListeners) {
      try {
        listener(command);
      } catch {
        // A listener's failure (Redis away) is its own to report; the command has succeeded.
      }
    }
  }

  /** Emits an event and writes it to the plugin's log, where the admin UI shows it in context. */
  #emit(body: ManagerEventBody, line: string, level: "info" | "error" = "info"): void {
    this.#generation++;
    const plugin = "plugin" in body && body.plugin ? body.plugin : MANAGER_LOG;
    if (line) this.host.logs.write(plugin, level, line, { event: body.type });
    else if (body.type === "error") this.host.logs.write(plugin, "error", body.message, { event: body.type });
    this.#events.emit({ ...body, time: this.#iso() });
  }

  #now(): number {
    return this.host.services.now();
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}

function refusalResponse(error: PluginManagerError): PluginResponse {
  return errorResponseOf(error);
}

function loadFailureResponse(error: unknown): PluginResponse {
  if (error instanceof PluginManagerError) return refusalResponse(error);
  if (error instanceof PluginCallError) return errorResponseOf(error);
  return errorResponse(messageOf(error), "E_LOAD", 500);
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
