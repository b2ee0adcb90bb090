import { messageOf } from "../errors.js";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { discoverNpmPlugins } from "../packaging/npm-source.js";
import { extractPackage } from "../packaging/extract.js";
import type { TrustOptions } from "../packaging/verify.js";
import { extractGoatflowZip, goatflowZipEntries, goatflowZipFile } from "../packaging/goatflow-zip.js";
import { wasmPathOf } from "./folder-source.js";
import { discoverGoatflowFolder, isGoatflowManifestJson, type GoatflowDiscoveryContext } from "./goatflow-source.js";
import type { DiscoveredPlugin, Discovery, DiscoveryProblem, PluginSource } from "./plugin-source.js";

export interface PackageSourceOptions {
  /** Signature policy and trusted keys (default policy `warn`). */
  trust?: TrustOptions;
  /** Where packages are extracted; default `<directory>/.extracted`. */
  extractDir?: string;
}

/**
 * A directory of plugin packages (seed 004's `.zip`): each is checked (integrity, signature
 * under the trust policy, safe names and sizes) and extracted to a folder of its own, named by
 * its content hash so a changed package never reuses an old folder. A refused package is a
 * problem the admin UI shows, with the message that names what is wrong.
 */
export class PackageSource implements PluginSource {
  readonly kind = "zip" as const;
  readonly location: string;
  readonly #extractDir: string;
  #goatflow: GoatflowDiscoveryContext | null = null;

  constructor(
    directory: string,
    private readonly options: PackageSourceOptions = {},
  ) {
    this.location = resolve(directory);
    this.#extractDir = resolve(options.extractDir ?? join(this.location, ".extracted"));
  }

  get watchRoots(): readonly string[] {
    return [this.location];
  }

  attach(context: GoatflowDiscoveryContext): void {
    this.#goatflow = context;
  }

  async discover(): Promise<Discovery> {
    const found: Discovery = { plugins: [], problems: [] };
    const names = (await readdir(this.location).catch(() => [] as string[])).filter((n) => n.endsWith(".zip")).sort();
    for (const name of names) {
      const file = join(this.location, name);
      const goatflow = this.#goatflow && (await extractGoatflowOne(file, this.#extractDir, this.#goatflow));
      if (goatflow) {
        found.plugins.push(...goatflow.plugins);
        found.problems.push(...goatflow.problems);
        continue;
      }
      const one = await extractOne(file, this.#extractDir, this.options.trust);
      if ("plugin" in one) found.plugins.push(one.plugin);
      else found.problems.push(one.problem);
    }
    return found;
  }
}

/**
 * One package file named on its own (`gk start plugins/x-0.1.0.zip`), checked and extracted
 * like a PackageSource's, to `.extracted` beside it.
 */
export class PackageFileSource implements PluginSource {
  readonly kind = "zip" as const;
  readonly location: string;

  constructor(
    file: string,
    private readonly options: PackageSourceOptions = {},
  ) {
    this.location = resolve(file);
  }

  get watchRoots(): readonly string[] {
    return [];
  }

  async discover(): Promise<Discovery> {
    const one = await extractOne(this.location, resolve(this.options.extractDir ?? join(dirname(this.location), ".extracted")), this.options.trust);
    return "plugin" in one ? { plugins: [one.plugin], problems: [] } : { plugins: [], problems: [one.problem] };
  }
}

async function extractOne(file: string, extractDir: string, trust: TrustOptions | undefined): Promise<{ plugin: DiscoveredPlugin } | { problem: DiscoveryProblem }> {
  try {
    const bytes = new Uint8Array(await readFile(file));
    const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    const target = join(extractDir, `${basename(file, ".zip")}-${hash}`);
    const result = await extractPackage(bytes, target, { label: basename(file), replace: true, ...(trust ? { trust } : {}) });
    const wasmPath = wasmPathOf(result.dir, result.manifest);
    return { plugin: { name: result.manifest.name, source: "zip", location: file, loadPath: result.dir, manifest: result.manifest, wasmPath, watchPaths: [file], signature: result.signature } };
  } catch (error) {
    return { problem: { name: basename(file), source: "zip", location: file, message: messageOf(error), watchPaths: [file] } };
  }
}

/**
 * A GoatFlow upload zip (goatflow-zip.ts), extracted like ours (to a folder named by its content
 * hash) and discovered as a GoatFlow plugin folder; null when the zip is not GoatFlow's.
 */
async function extractGoatflowOne(file: string, extractDir: string, context: GoatflowDiscoveryContext): Promise<Discovery | null> {
  const bytes = new Uint8Array(await readFile(file).catch(() => new Uint8Array()));
  const label = basename(file);
  const zip = goatflowZipEntries(bytes, label);
  if (!zip) return null;
  try {
    let format: "plugin.yaml" | "manifest.json";
    if (zip.names.has("plugin.yaml")) format = "plugin.yaml";
    else {
      const text = new TextDecoder().decode(goatflowZipFile(bytes, zip.entries, "manifest.json", label) ?? new Uint8Array());
      const otherWasm = [...zip.names].some((n) => n.endsWith(".wasm") && n !== "plugin.wasm" && !n.includes("/"));
      if (!isGoatflowManifestJson(text, zip.names.has("plugin.wasm"), otherWasm)) return null;
      format = "manifest.json";
    }
    const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    const target = join(extractDir, `${basename(file, ".zip")}-${hash}`);
    await extractGoatflowZip(bytes, zip.entries, target, label);
    const found = await discoverGoatflowFolder(target, format, context, "zip", file);
    return { plugins: found.plugins.map((p) => ({ ...p, watchPaths: [file] })), problems: found.problems.map((p) => ({ ...p, watchPaths: [file] })) };
  } catch (error) {
    return { plugins: [], problems: [{ name: label, source: "zip", location: file, message: error instanceof Error ? error.message : String(error), watchPaths: [file] }] };
  }
}

/**
 * The plugins installed as npm packages: every package in a `node_modules` folder whose
 * package.json has a `goatkit` field. A package that ships a zip is extracted like a
 * PackageSource's.
 */
export class NpmSource implements PluginSource {
  readonly kind = "npm" as const;
  readonly location: string;

  constructor(
    nodeModules: string,
    private readonly options: PackageSourceOptions = {},
  ) {
    this.location = resolve(nodeModules);
  }

  get watchRoots(): readonly string[] {
    return [this.location];
  }

  async discover(): Promise<Discovery> {
    const { plugins, problems } = await discoverNpmPlugins(this.location);
    const found: Discovery = {
      plugins: [],
      problems: problems.map((p) => ({ name: basename(p.packageDir), source: "npm" as const, location: p.packageDir, message: p.error.message, watchPaths: [join(p.packageDir, "package.json")] })),
    };
    for (const source of plugins) {
      if (source.kind === "folder") {
        const wasmPath = wasmPathOf(source.dir, source.manifest);
        found.plugins.push({ name: source.manifest.name, source: "npm", location: source.packageDir, loadPath: source.dir, manifest: source.manifest, wasmPath, watchPaths: [wasmPath, join(source.packageDir, "package.json")] });
      } else {
        const one = await extractOne(source.file, this.options.extractDir ?? join(this.location, ".goatkit-extracted"), this.options.trust);
        if ("plugin" in one) found.plugins.push({ ...one.plugin, source: "npm", location: source.packageDir });
        else found.problems.push({ ...one.problem, source: "npm", location: source.packageDir });
      }
    }
    return found;
  }
}
