import { resolveHook, routeMountPath, type Job, type Manifest, type MenuItem, type Route, type Widget } from "@goatkit/sdk";
import { pluginRuntime } from "../plugin/plugin-runtime.js";
import type { PluginMetricsSnapshot } from "./plugin-metrics.js";
import type { GoatflowFormat } from "./goatflow-source.js";
import type { PluginSourceKind } from "./plugin-source.js";

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
