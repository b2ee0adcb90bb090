import { join } from "node:path";
import { MANIFEST_FILES, type Manifest } from "@goatkit/sdk";
import type { Plugin } from "../plugin/plugin.js";
import type { RequestInput } from "../plugin/request.js";
import { errorResponse, type PluginResponse } from "../plugin/response.js";
import { pluginFolderOf } from "./folder-source.js";
import { PluginManagerError } from "./plugin-manager-error.js";
import { PluginMetrics } from "./plugin-metrics.js";
import type { DiscoveredPlugin, Discovery, DiscoveryProblem, PluginSource } from "./plugin-source.js";

/** One plugin as the host knows it: where it was found, whether it runs, and how it has done. */
export interface PluginEntry {
  name: string;
  discovered: DiscoveredPlugin | null;
  problem: DiscoveryProblem | null;
  enabled: boolean;
  plugin: Plugin | null;
  /**
   * Whose plugin it is: one given with `host.load` is the host's, and stays loaded (reloaded or
   * not) when a platform over the host shuts down; the platform closes only its own.
   */
  owner: "host" | "platform";
  /** The last effective manifest (registration merged in), kept while unloaded. */
  known: Manifest | null;
  loading: Promise<void> | null;
  loadError: string | null;
  reloadError: string | null;
  lastUsed: number | null;
  loadedAt: number | null;
  memoryBytes: number;
  metrics: PluginMetrics;
}

type CallRoute = (plugin: string, handler: string, input: RequestInput) => Promise<PluginResponse>;

/**
 * The host's one registry of plugins: those given to it directly (`host.load`) and those a
 * platform (PluginManager) discovers and loads on demand. Every call, from outside or from
 * another plugin (`plugin_call`), enters through `call`; a platform over the host takes that
 * path over so calls load, count and refuse in one place.
 *
 * It is also the `host` plugin source: the plugins given to it by path, which a platform
 * discovers and reloads like those of any other source.
 */
export class PluginRegistry implements PluginSource {
  readonly kind = "host" as const;
  readonly location = "host";
  readonly watchRoots: readonly string[] = [];
  readonly #entries = new Map<string, PluginEntry>();
  /** The plugins given by path, by name: what this registry discovers as a source. */
  readonly #given = new Map<string, DiscoveredPlugin>();
  #route: CallRoute | null = null;

  get(name: string): PluginEntry | undefined {
    return this.#entries.get(name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  entries(): PluginEntry[] {
    return [...this.#entries.values()];
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** The loaded instances, whoever opened them. */
  loaded(): Plugin[] {
    return this.entries().flatMap((entry) => (entry.plugin ? [entry.plugin] : []));
  }

  /** The entry of `name`, created (enabled as `enabled` says) when there is none yet. */
  entryFor(name: string, enabled: () => boolean = () => true): PluginEntry {
    let entry = this.#entries.get(name);
    if (!entry) {
      entry = { name, discovered: null, problem: null, enabled: enabled(), plugin: null, owner: "platform", known: null, loading: null, loadError: null, reloadError: null, lastUsed: null, loadedAt: null, memoryBytes: 0, metrics: new PluginMetrics() };
      this.#entries.set(name, entry);
    }
    return entry;
  }

  require(name: string): PluginEntry {
    const entry = this.#entries.get(name);
    if (!entry) throw this.unknown(name);
    return entry;
  }

  unknown(name: string): PluginManagerError {
    const known = this.names().sort();
    return new PluginManagerError("E_UNKNOWN_PLUGIN", `no plugin named "${name}"; known plugins: ${known.join(", ") || "none"}`);
  }

  delete(name: string): void {
    this.#entries.delete(name);
    this.#given.delete(name);
  }

  /**
   * Registers an instance loaded outside a platform (`host.load`, `PluginManager.adopt`); answers
   * the instance it replaces, which its caller closes.
   */
  async give(plugin: Plugin, now: number): Promise<{ entry: PluginEntry; previous: Plugin | null }> {
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
    this.#given.set(plugin.name, discovered);
    const entry = this.entryFor(plugin.name);
    const previous = entry.plugin && entry.plugin !== plugin ? entry.plugin : null;
    entry.discovered = discovered;
    entry.problem = null;
    entry.plugin = plugin;
    entry.owner = "host";
    entry.known = plugin.manifest;
    entry.loadError = entry.reloadError = null;
    entry.loadedAt = entry.lastUsed = now;
    return { entry, previous };
  }

  async discover(): Promise<Discovery> {
    return { plugins: [...this.#given.values()], problems: [] };
  }

  /** Sends every call through `route` from now on (a platform over the host); null goes back to the loaded instances. */
  routeCalls(route: CallRoute | null): void {
    this.#route = route;
  }

  /** Calls a handler through the platform when one runs, else on the loaded instance. */
  call(name: string, handler: string, input: RequestInput = {}): Promise<PluginResponse> {
    if (this.#route) return this.#route(name, handler, input);
    const plugin = this.#entries.get(name)?.plugin;
    if (!plugin) {
      const loaded = this.loaded().map((p) => p.name);
      return Promise.resolve(errorResponse(`no plugin named "${name}" is loaded; loaded: ${loaded.join(", ") || "none"}`, "E_UNKNOWN_PLUGIN"));
    }
    return plugin.call(handler, input);
  }
}

/** The manifest a plugin is known by: the effective one once loaded, else the last one read. */
export function manifestOf(entry: PluginEntry): Manifest | null {
  return entry.plugin?.manifest ?? entry.known ?? entry.discovered?.manifest ?? null;
}
