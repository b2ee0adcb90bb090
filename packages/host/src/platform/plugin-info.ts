import { resolveHook, routeMountPath, type Job, type Manifest, type MenuItem, type Route, type Widget } from "@goatkit/sdk";
import { pluginRuntime } from "../plugin/plugin-runtime.js";
import type { PluginMetricsSnapshot } from "./plugin-metrics.js";
import type { GoatflowFormat } from "./goatflow-source.js";
import type { PluginSourceKind } from "./plugin-source.js";
import type { InFlightCalls } from "./in-flight-calls.js";
import { manifestOf, type PluginEntry } from "./plugin-registry.js";
import type { Plugin } from "../plugin/plugin.js";

/**
 * Where a plugin is in its lifecycle: `discovered` (manifest read, module not loaded: it loads
 * on first use), `loading`, `loaded`, `disabled` (by an administrator), `error` (its manifest
 * is broken or its last load failed; `error` says why).
 */
export type PluginStatus = "discovered" | "loading" | "loaded" | "disabled" | "error";

/** A plugin as the admin API and dashboard show it. */
export interface PluginInfo {
  name: string;
  version: string | null;
  description: string | null;
  author: string | null;
  license: string | null;
  source: PluginSourceKind;
  location: string;
  /**
   * Whether the plugin has a manifest of ours: `false` for GoatFlow's plugins, described from
   * their `gk_register` (and plugin.yaml) instead (docs/goatflow.md).
   */
  hasManifest: boolean;
  /** How a GoatFlow plugin was found (a bare `.wasm`, `plugin.yaml`, GoatFlow's `manifest.json`); null for ours. */
  goatflow: GoatflowFormat | null;
  /** `wasm`, or `grpc` for a process plugin (docs/grpc.md). */
  runtime: "wasm" | "grpc";
  /** The process serving a loaded gRPC plugin; null otherwise. */
  pid: number | null;
  status: PluginStatus;
  enabled: boolean;
  loaded: boolean;
  /** Why the plugin is broken, or why its last reload failed while the previous version serves. */
  error: string | null;
  permissions: string[];
  routes: Array<Route & { mountPath: string }>;
  widgets: Widget[];
  jobs: Job[];
  /** Hook keys: event names, or `type:source:action`. */
  hooks: string[];
  menuItems: MenuItem[];
  /** Estimated memory of the loaded instance (see memory-estimate.ts); 0 when not loaded. */
  memoryBytes: number;
  inFlight: number;
  loadedAt: string | null;
  lastUsedAt: string | null;
  metrics: PluginMetricsSnapshot;
}

export interface PluginInfoInput {
  name: string;
  manifest: Manifest | null;
  pid: number | null;
  source: PluginSourceKind;
  location: string;
  goatflow: GoatflowFormat | null;
  status: PluginStatus;
  enabled: boolean;
  loaded: boolean;
  error: string | null;
  memoryBytes: number;
  inFlight: number;
  loadedAt: string | null;
  lastUsedAt: string | null;
  metrics: PluginMetricsSnapshot;
}

/** What GoatFlow's `GET /api/v1/plugins` shows every signed-in user; the rest is for administrators. */
export type PublicPluginInfo = Pick<PluginInfo, "name" | "version" | "description" | "author" | "license" | "routes" | "widgets" | "jobs" | "menuItems" | "enabled" | "loaded">;

export function publicPluginInfo(info: PluginInfo): PublicPluginInfo {
  const { name, version, description, author, license, routes, widgets, jobs, menuItems, enabled, loaded } = info;
  return { name, version, description, author, license, routes, widgets, jobs, menuItems, enabled, loaded };
}

/** Spreads a manifest's contributions into the admin view, routes with their mount paths. */
export function pluginInfo(input: PluginInfoInput): PluginInfo {
  const { manifest, ...rest } = input;
  return {
    ...rest,
    hasManifest: input.goatflow === null,
    runtime: pluginRuntime(manifest),
    version: manifest?.version ?? null,
    description: manifest?.description ?? null,
    author: manifest?.author ?? null,
    license: manifest?.license ?? null,
    permissions: manifest?.permissions ?? [],
    routes: (manifest?.routes ?? []).map((route) => ({ ...route, mountPath: routeMountPath(input.name, route.path) })),
    widgets: manifest?.widgets ?? [],
    jobs: manifest?.jobs ?? [],
    hooks: (manifest?.hooks ?? []).map((hook) => resolveHook(hook).key),
    menuItems: manifest?.menu_items ?? [],
  };
}

/** The admin view of a registry entry; `inFlight` counts the calls running on its instance. */
export function entryInfo({ inFlight }: { inFlight: InFlightCalls<Plugin> }, entry: PluginEntry): PluginInfo {
  const broken = !entry.discovered || (entry.problem && !entry.plugin);
  const status: PluginStatus = broken ? "error" : !entry.enabled ? "disabled" : entry.loading ? "loading" : entry.plugin ? "loaded" : entry.loadError ? "error" : "discovered";
  return pluginInfo({
    name: entry.name,
    manifest: manifestOf(entry),
    pid: entry.plugin?.pid ?? null,
    source: entry.discovered?.source ?? entry.problem?.source ?? "folder",
    location: entry.discovered?.location ?? entry.problem?.location ?? "",
    goatflow: entry.discovered?.goatflow ?? null,
    status,
    enabled: entry.enabled,
    loaded: !!entry.plugin,
    error: entry.problem?.message ?? entry.reloadError ?? entry.loadError ?? null,
    memoryBytes: entry.plugin ? entry.memoryBytes : 0,
    inFlight: entry.plugin ? inFlight.count(entry.plugin) : 0,
    loadedAt: entry.loadedAt === null ? null : new Date(entry.loadedAt).toISOString(),
    lastUsedAt: entry.lastUsed === null ? null : new Date(entry.lastUsed).toISOString(),
    metrics: entry.metrics.snapshot(),
  });
}
