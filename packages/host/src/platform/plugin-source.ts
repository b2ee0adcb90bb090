import type { Manifest } from "@goatkit/sdk";
import type { SignatureCheck } from "../packaging/verify.js";
import type { GoatflowDiscoveryContext, GoatflowFormat } from "./goatflow-source.js";

/**
 * Where plugins come from. `folder` is a directory of plugin folders (folder-source.ts);
 * `zip` and `npm` are packages (src/packaging/), which extract to a folder the host can load;
 * `host` is a plugin given to the Host directly (`host.load`): the host's registry lists those
 * as a source of their own (plugin-registry.ts).
 */
export type PluginSourceKind = "folder" | "zip" | "npm" | "host";

/** A plugin a source found: known by its manifest, not loaded yet. */
export interface DiscoveredPlugin {
  name: string;
  source: PluginSourceKind;
  /** Where the plugin lives as the administrator sees it (a folder, a .zip, a package name). */
  location: string;
  /** What `Plugin.load` is given: a plugin folder, or a .wasm file with its manifest beside it. */
  loadPath: string;
  /** The manifest as read from the source (registration may add to it once loaded). */
  manifest: Manifest;
  wasmPath: string;
  /** Files whose change means "reload this plugin" (the module, the manifest, a package file). */
  watchPaths: string[];
  /** A package's signature as checked when it was extracted, or a GoatFlow `<file>.sig`; absent for plugin folders. */
  signature?: SignatureCheck;
  /**
   * Set for GoatFlow's plugins, which have no manifest of ours: how it was found. `manifest` was
   * then described from `gk_register` (and plugin.yaml), and is what the plugin loads with.
   */
  goatflow?: GoatflowFormat;
}

/** Something a source could not turn into a plugin; shown in the admin UI until fixed. */
export interface DiscoveryProblem {
  /** The plugin's name when known, else the folder or file name. */
  name: string;
  source: PluginSourceKind;
  location: string;
  message: string;
  /** Files whose change may fix the problem. */
  watchPaths: string[];
}

export interface Discovery {
  plugins: DiscoveredPlugin[];
  problems: DiscoveryProblem[];
}

/**
 * A place plugins are discovered in. Discovery reads manifests only; modules are loaded on
 * first use. The manager calls `discover` again when a watched path changes.
 */
export interface PluginSource {
  readonly kind: PluginSourceKind;
  /** What the source scans, for messages and the admin UI. */
  readonly location: string;
  discover(): Promise<Discovery>;
  /**
   * Folders whose entries appearing or disappearing mean "discover again"; read after each
   * discovery, so it may change (a folder being filled with a plugin).
   */
  readonly watchRoots: readonly string[];
  /** Given by the manager before the first discovery: what describing GoatFlow's plugins needs. */
  attach?(context: GoatflowDiscoveryContext): void;
}
