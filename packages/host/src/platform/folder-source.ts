import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { loadManifest, ManifestError, MANIFEST_FILES, type Manifest } from "@goatkit/sdk";
import { pluginRuntime } from "../plugin/plugin-runtime.js";
import { discoverGoatflowFolder, discoverGoatflowModule, goatflowFolderFormat, type GoatflowDiscoveryContext } from "./goatflow-source.js";
import { PluginManagerError } from "./plugin-manager-error.js";
import type { DiscoveredPlugin, Discovery, DiscoveryProblem, PluginSource } from "./plugin-source.js";

/**
 * A plugins directory: every sub-folder holding a manifest is a plugin (seed 004's
 * `plugins/`). A directory that is itself a plugin folder is that one plugin, so a dev server
 * can point at the folder being worked on. GoatFlow's plugins are found here too, as GoatFlow
 * finds them (goatflow-source.ts): bare `.wasm` files, and folders with a `plugin.yaml` or
 * GoatFlow's `manifest.json` and no manifest of ours.
 */
export class FolderSource implements PluginSource {
  readonly kind = "folder" as const;
  readonly location: string;
  /** Sub-folders without a manifest at the last scan: a plugin being copied in, or scaffolded. */
  #pending: string[] = [];
  #goatflow: GoatflowDiscoveryContext | null = null;

  constructor(directory: string) {
    this.location = resolve(directory);
  }

  get watchRoots(): readonly string[] {
    return [this.location, ...this.#pending];
  }

  attach(context: GoatflowDiscoveryContext): void {
    this.#goatflow = context;
  }

  async discover(): Promise<Discovery> {
    const info = await stat(this.location).catch(() => null);
    if (!info?.isDirectory()) {
      throw new PluginManagerError("E_PLUGINS_DIR", `the plugins directory ${this.location} does not exist${info ? " (it is a file)" : ""}; create it, or point pluginsDir at the folder that holds your plugin folders`);
    }
    if (await hasManifest(this.location)) return discoverFolder(this.location);

    const found: Discovery = { plugins: [], problems: [] };
    const pending: string[] = [];
    const entries = await readdir(this.location, { withFileTypes: true });
    const add = (one: Discovery) => {
      found.plugins.push(...one.plugins);
      found.problems.push(...one.problems);
    };
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isFile() && entry.name.endsWith(".wasm") && this.#goatflow) {
        add(await discoverGoatflowModule(join(this.location, entry.name), this.#goatflow));
        continue;
      }
      if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const folder = join(this.location, entry.name);
      const goatflow = this.#goatflow && (await goatflowFolderFormat(folder));
      if (goatflow) {
        add(await discoverGoatflowFolder(folder, goatflow, this.#goatflow!));
        continue;
      }
      if (!(await hasManifest(folder))) {
        pending.push(folder);
        if (await hasWasm(folder)) {
          found.problems.push(problem(entry.name, folder, `${folder} has a .wasm module but no manifest`, manifestPaths(folder), "add manifest.json (see docs/manifest.md) so the host can discover the plugin without loading it"));
        }
        continue;
      }
      add(await discoverFolder(folder));
    }
    this.#pending = pending;
    return found;
  }
}

/** Reads one plugin folder's manifest. */
async function discoverFolder(folder: string): Promise<Discovery> {
  try {
    const { manifest } = await loadManifest(folder);
    const wasmPath = wasmPathOf(folder, manifest);
    const plugin: DiscoveredPlugin = { name: manifest.name, source: "folder", location: folder, loadPath: folder, manifest, wasmPath, watchPaths: [...manifestPaths(folder), wasmPath] };
    return { plugins: [plugin], problems: [] };
  } catch (error) {
    const message = error instanceof ManifestError ? error.message : `cannot read the plugin in ${folder}: ${String(error)}`;
    return { plugins: [], problems: [problem(basename(folder), folder, message, manifestPaths(folder))] };
  }
}

/**
 * The file a manifest names, resolved against its folder: the module (docs/manifest.md,
 * `wasm`), or a gRPC plugin's executable (`grpc.binary`). Watching it is what hot reload needs.
 */
export function wasmPathOf(folder: string, manifest: Manifest): string {
  if (pluginRuntime(manifest) === "grpc" && manifest.grpc) return join(folder, manifest.grpc.binary);
  return join(folder, manifest.wasm ?? manifest.build?.output ?? "plugin.wasm");
}

/**
 * The plugin folder a loaded module came from: the nearest folder at or above it whose manifest
 * names that module. Null for a module loaded without a manifest.
 */
export async function pluginFolderOf(wasmPath: string): Promise<string | null> {
  let folder = dirname(resolve(wasmPath));
  for (let depth = 0; depth < 4; depth++) {
    if (await hasManifest(folder)) {
      const loaded = await loadManifest(folder).catch(() => null);
      if (loaded && wasmPathOf(folder, loaded.manifest) === resolve(wasmPath)) return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return null;
}

function manifestPaths(folder: string): string[] {
  return MANIFEST_FILES.map((name) => join(folder, name));
}

async function hasManifest(folder: string): Promise<boolean> {
  for (const name of MANIFEST_FILES) {
    if ((await stat(join(folder, name)).catch(() => null))?.isFile()) return true;
  }
  return false;
}

async function hasWasm(folder: string): Promise<boolean> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.some((n) => n.endsWith(".wasm"));
}

function problem(name: string, location: string, message: string, watchPaths: string[], fix?: string): DiscoveryProblem {
  return { name, source: "folder", location, message: fix ? `${message}; ${fix}` : message, watchPaths };
}
