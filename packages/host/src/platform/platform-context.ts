import type { Host } from "../host.js";
import type { LoadOptions, Plugin } from "../plugin/plugin.js";
import type { PluginLimits } from "../plugin/limit-ceilings.js";
import type { Isolation } from "../runtime/plugin-runner.js";
import { InFlightCalls } from "./in-flight-calls.js";
import { KeyedLock } from "./keyed-lock.js";
import { ManagerEvents, type ManagerEventBody } from "./manager-events.js";
import type { MemoryEstimator } from "./memory-estimate.js";
import { PluginManagerError } from "./plugin-manager-error.js";
import type { PluginEntry, PluginRegistry } from "./plugin-registry.js";
import type { PluginSource } from "./plugin-source.js";

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

/** Log lines about plugin management that concern no single plugin go here. */
export const MANAGER_LOG = "@manager";

/**
 * What every part of the platform shares: the host's registry, the per-plugin lock, the
 * running calls, the event channel and whether the platform is shutting down.
 */
export class PlatformContext {
  readonly host: Host;
  readonly registry: PluginRegistry;
  readonly lock = new KeyedLock();
  readonly events = new ManagerEvents();
  /** Calls running on each instance, so a replaced or unloaded one closes after them. */
  readonly inFlight = new InFlightCalls<Plugin>();
  /** Enabled states stored by the platform state before this manager started. */
  readonly stored = new Map<string, boolean>();
  closing = false;
  /** Grows on every change of plugins or their state: caches of routes and widgets key on it. */
  generation = 0;

  constructor(readonly options: PluginManagerOptions) {
    this.host = options.host;
    this.registry = options.host.registry;
  }

  /** The entry of `name`; a new one starts enabled as stored, else as the settings say. */
  entryFor(name: string): PluginEntry {
    return this.registry.entryFor(name, () => this.enabledByDefault(name));
  }

  enabledByDefault(name: string): boolean {
    // An administrator's last enable or disable outlives restarts: it overrides plugins[].enabled.
    return this.stored.get(name) ?? this.options.plugins?.[name]?.enabled !== false;
  }

  /** Why calls to the plugin are refused now, or null when they are served. */
  refusal(entry: PluginEntry): PluginManagerError | null {
    if (this.closing) return new PluginManagerError("E_SHUTTING_DOWN", `the host is shutting down; plugin "${entry.name}" takes no new calls`);
    if (!entry.enabled) return new PluginManagerError("E_PLUGIN_DISABLED", `plugin "${entry.name}" is disabled; an administrator can enable it (POST /api/v1/plugins/${entry.name}/enable)`);
    if (!entry.discovered || (entry.problem && !entry.plugin)) return new PluginManagerError("E_PLUGIN_BROKEN", `plugin "${entry.name}" cannot run: ${entry.problem?.message ?? "it was not discovered"}`);
    return null;
  }

  /** Emits an event and writes it to the plugin's log, where the admin UI shows it in context. */
  emit(body: ManagerEventBody, line: string, level: "info" | "error" = "info"): void {
    this.generation++;
    const plugin = "plugin" in body && body.plugin ? body.plugin : MANAGER_LOG;
    if (line) this.host.logs.write(plugin, level, line, { event: body.type });
    else if (body.type === "error") this.host.logs.write(plugin, "error", body.message, { event: body.type });
    this.events.emit({ ...body, time: this.iso() });
  }

  get drainMs(): number {
    return this.options.drainTimeoutMs ?? 10_000;
  }

  now(): number {
    return this.host.services.now();
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }
}
