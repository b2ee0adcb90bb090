import { dirname } from "node:path";
import type { Manifest } from "@goatkit/sdk";
import type { Host } from "../host.js";
import type { Plugin } from "../plugin/plugin.js";
import type { RequestInput } from "../plugin/request.js";
import type { PluginResponse } from "../plugin/response.js";
import type { HookResult } from "./hook-dispatch.js";
import type { ManagerEventOf, ManagerEventType, UnloadReason } from "./manager-events.js";
import { MANAGER_LOG, PlatformContext, type PluginManagerOptions } from "./platform-context.js";
import { PluginCalls } from "./plugin-calls.js";
import { PluginCommands, type PluginCommand, type PluginCommandOptions } from "./plugin-commands.js";
import { PluginDiscovery } from "./plugin-discovery.js";
import { PluginEviction } from "./plugin-eviction.js";
import { entryInfo, type PluginInfo } from "./plugin-info.js";
import { PluginLifecycle } from "./plugin-lifecycle.js";
import type { LogWriter } from "./platform-ports.js";
import { manifestOf } from "./plugin-registry.js";

export { MANAGER_LOG, type PluginManagerOptions, type PluginSettings } from "./platform-context.js";
export type { PluginCommand, PluginCommandOptions } from "./plugin-commands.js";

/**
 * The platform lifecycle of seed 004 over a Host: discover plugins (manifests only), load each
 * on first use, hot-reload on file change without dropping calls, unload on idle timeout or
 * under a memory budget (least recently used first), enable/disable, and shut down after
 * running calls finish.
 *
 * The plugins live in the host's one registry (`host.registry`); while the manager runs, every
 * call (`manager.call`, `host.call`, `plugin_call`) takes the manager's call path, which counts
 * it for the plugin's metrics and in-flight tracking. This class only wires the parts:
 * discovery (plugin-discovery.ts, plugin-watcher.ts), lifecycle (plugin-lifecycle.ts), eviction
 * (plugin-eviction.ts), commands (plugin-commands.ts) and calls (plugin-calls.ts).
 *
 * @example
 * const host = await createHost();
 * const manager = await PluginManager.create({ host, pluginsDir: "./plugins", watch: true });
 * const res = await manager.call("ticket-counter", "get_counts");
 * await manager.close();
 */
export class PluginManager {
  readonly host: Host;
  readonly #ctx: PlatformContext;
  readonly #lifecycle: PluginLifecycle;
  readonly #eviction: PluginEviction;
  readonly #discovery: PluginDiscovery;
  readonly #commands: PluginCommands;
  readonly #calls: PluginCalls;
  #closed: Promise<void> | null = null;
  /** Names adopted from the host; a second adopt of one keeps its enabled state. */
  readonly #adopted = new Set<string>();

  private constructor(options: PluginManagerOptions) {
    this.host = options.host;
    this.#ctx = new PlatformContext(options);
    this.#lifecycle = new PluginLifecycle(this.#ctx, (entry) => this.#eviction.enforceBudget(entry));
    this.#eviction = new PluginEviction(this.#ctx, this.#lifecycle);
    this.#discovery = new PluginDiscovery(this.#ctx, this.#lifecycle);
    this.#commands = new PluginCommands(this.#ctx, this.#lifecycle, this.#discovery);
    this.#calls = new PluginCalls(this.#ctx, this.#lifecycle, this);
  }

  /** Creates a manager, adopts the host's plugins and discovers the sources' plugins. */
  static async create(options: PluginManagerOptions): Promise<PluginManager> {
    const manager = new PluginManager(options);
    await manager.#commands.restoreStates();
    if (options.adoptHostPlugins !== false) {
      for (const plugin of options.host.plugins) await manager.adopt(plugin);
    }
    await manager.discover();
    options.host.registry.routeCalls((plugin, handler, input) => manager.call(plugin, handler, input));
    manager.#eviction.start();
    manager.#discovery.watch();
    return manager;
  }

  /** The plugins' log, narrowed to writing: what templates and pages report their failures to. */
  get logs(): LogWriter {
    return this.host.logs;
  }

  /** Grows on every change of plugins or their state: caches of routes and widgets key on it. */
  get generation(): number {
    return this.#ctx.generation;
  }

  /** Subscribes to lifecycle events (`"*"` for all); returns the unsubscribe function. */
  on<T extends ManagerEventType>(type: T | "*", listener: (event: ManagerEventOf<T>) => void): () => void {
    return this.#ctx.events.on(type, listener);
  }

  /** Sees each enable, disable and reload that succeeded; returns the unsubscribe function. */
  onCommand(listener: (command: PluginCommand) => void): () => void {
    return this.#commands.onCommand(listener);
  }

  /** Scans the sources again: new plugins appear, removed ones unload, changed manifests reload. */
  async discover(): Promise<PluginInfo[]> {
    const errors = await this.#discovery.rescan(new Set());
    const failure = errors.get(MANAGER_LOG);
    if (failure) throw failure;
    return this.list();
  }

  list(): PluginInfo[] {
    return this.#ctx.registry
      .entries()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((entry) => entryInfo(this.#ctx, entry));
  }

  info(name: string): PluginInfo {
    return entryInfo(this.#ctx, this.#ctx.registry.require(name));
  }

  has(name: string): boolean {
    return this.#ctx.registry.has(name);
  }

  /** The plugin's manifest: the effective one once loaded, else the one discovered. */
  manifest(name: string): Manifest | null {
    const entry = this.#ctx.registry.get(name);
    return entry ? manifestOf(entry) : null;
  }

  /**
   * The folder the plugin's files (templates/, static/, i18n/) are read from: its own, the one
   * a package was extracted to, or the folder of a `.wasm` file loaded on its own.
   */
  filesFolder(name: string): string {
    const entry = this.#ctx.registry.require(name);
    const path = entry.discovered?.loadPath ?? entry.problem?.location ?? "";
    return path.endsWith(".wasm") ? dirname(path) : path;
  }

  /** Whether calls to the plugin would be served (it exists, is enabled and not broken). */
  isServing(name: string): boolean {
    const entry = this.#ctx.registry.get(name);
    return !!entry && this.#ctx.refusal(entry) === null;
  }

  /**
   * Calls a handler, loading the plugin first when needed. Never throws: refusals (unknown,
   * disabled, shutting down) and failures come back as error responses.
   */
  call(name: string, handler: string, input: RequestInput = {}): Promise<PluginResponse> {
    return this.#calls.call(name, handler, input);
  }

  /** Loads a plugin now instead of on first use. */
  load(name: string, options: Pick<PluginCommandOptions, "actor"> = {}): Promise<PluginInfo> {
    return this.#commands.load(name, options);
  }

  /**
   * Loads the plugin's current files and swaps them in; the old instance closes once its
   * running calls finish. When the new version fails to load, the old one keeps serving and
   * this throws. A plugin that is not loaded only has its manifest read again.
   */
  reload(name: string, options: PluginCommandOptions = {}): Promise<PluginInfo> {
    return this.#commands.reload(name, options);
  }

  /** Releases a plugin's instance; it loads again on its next call. */
  unload(name: string, reason: UnloadReason = "admin", options: Pick<PluginCommandOptions, "actor"> = {}): Promise<boolean> {
    return this.#commands.unload(name, reason, options);
  }

  /** Enables a plugin; the state is stored (platform state), so it holds after a restart. */
  enable(name: string, options: PluginCommandOptions = {}): Promise<PluginInfo> {
    return this.#commands.enable(name, options);
  }

  /**
   * Disables a plugin: new calls are refused and its instance is released after running calls
   * finish. The state is stored (platform state), so it holds after a restart.
   */
  disable(name: string, options: PluginCommandOptions = {}): Promise<PluginInfo> {
    return this.#commands.disable(name, options);
  }

  /**
   * Fires a named event (`before_render`, `after_save`, or a `type:source:action` key) at every
   * enabled plugin that hooks it, with `kind: "hook"` and `hook: {event, data}`.
   */
  fireHook(event: string, data: unknown = null): Promise<HookResult[]> {
    return this.#calls.fireHook(event, data);
  }

  /** Unloads plugins unused for `idleTimeoutMs` (by the host clock); returns their names. */
  unloadIdle(): Promise<string[]> {
    return this.#eviction.unloadIdle();
  }

  /** Takes over a plugin loaded into the host directly (`host.load`), with the host's other plugins. */
  async adopt(plugin: Plugin): Promise<void> {
    const ctx = this.#ctx;
    const { entry, previous } = await ctx.registry.give(plugin, ctx.now());
    if (previous) await previous.close();
    // The host registered it enabled; an administrator's stored state or the settings decide here.
    if (!this.#adopted.has(plugin.name)) entry.enabled = ctx.enabledByDefault(plugin.name);
    this.#adopted.add(plugin.name);
    entry.memoryBytes = await this.#lifecycle.estimateMemory(plugin);
    this.#discovery.includeHostPlugins();
    ctx.emit({ type: "discovered", plugin: plugin.name, version: plugin.manifest.version }, `adopted version ${plugin.manifest.version} from the host`);
  }

  /**
   * Graceful shutdown: new calls are refused, running calls finish (up to `drainTimeoutMs`),
   * then every instance the manager loaded is closed. The host and the plugins loaded into it
   * directly stay open: their owner closes them.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#ctx.closing = true;
    this.#eviction.stop();
    this.#discovery.watcher.close();
    await this.#lifecycle.shutdown(this);
    this.host.registry.routeCalls(null);
  }
}
