import type { Host } from "../host.js";
import { checkLimitCeilings, limitCeilingsOf } from "../plugin/limit-ceilings.js";
import { FolderSource } from "./folder-source.js";
import type { PluginManager } from "./plugin-manager.js";
import { PluginManagerError } from "./plugin-manager-error.js";

/*
 * When a host's plugins are loaded. Lazy (the platform's default): each plugin is registered
 * from its manifest at discovery, so its routes, widgets, menu items, template functions, hooks
 * and jobs are known at once, and its module is instantiated on the first call, route, widget or
 * template `use`: the manager's ordinary path for a plugin that is not loaded (the same one that
 * brings back a plugin unloaded for idleness). Eager: every plugin is loaded at start, so a
 * module that fails to load is reported before traffic comes and migrations run first.
 */

/**
 * Plugin folders named one by one (`gk start plugins/stats`), split into sources the manager
 * discovers from their manifests (lazily loaded) and the paths that must be loaded now: `.wasm`
 * files and folders without a manifest, whose load names what is wrong. A named folder whose
 * manifest is broken, or asks for limits above the host's ceilings, stops start-up as a load
 * would; on a host that requires signatures every path is "loaded now", which refuses it.
 */
export async function namedFolderSources(paths: readonly string[], host: Pick<Host, "requiredSigners" | "limitCeilings">): Promise<{ sources: FolderSource[]; loadNow: string[] }> {
  const sources: FolderSource[] = [];
  const loadNow: string[] = [];
  const ceilings = limitCeilingsOf(host.limitCeilings);
  for (const path of paths) {
    if (path.endsWith(".wasm") || host.requiredSigners) {
      loadNow.push(path);
      continue;
    }
    const source = new FolderSource(path);
    const found = await source.discover().catch(() => null);
    if (!found || found.plugins.length !== 1 || found.plugins[0]!.loadPath !== source.location) {
      const [problem] = found?.problems ?? [];
      if (problem && problem.location === source.location) throw new PluginManagerError("E_PLUGIN_BROKEN", problem.message);
      // Not a plugin folder: loading it now gives the error that names the fix.
      loadNow.push(path);
      continue;
    }
    const { manifest } = found.plugins[0]!;
    checkLimitCeilings(manifest.name, manifest.limits, ceilings);
    sources.push(source);
  }
  return { sources, loadNow };
}

/**
 * Loads every enabled plugin that is not broken, now instead of on first use; a plugin that
 * fails is reported through `failed` and the others still load.
 */
export async function loadEagerly(manager: PluginManager, failed: (plugin: string, error: unknown) => void): Promise<void> {
  for (const plugin of manager.list()) {
    if (!plugin.enabled || plugin.status === "error" || plugin.loaded) continue;
    await manager.load(plugin.name).catch((error: unknown) => failed(plugin.name, error));
  }
}

