import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { loadManifest, ManifestError, MANIFEST_FILES, type ResolvedManifest } from "@goatkit/sdk";
import { PACKAGE_WASM } from "./layout.js";
import { PackageError } from "./package-error.js";

/** The `goatkit` field of a package.json (docs/packages.md, "npm packages"). */
export type GoatkitField = string | { plugin?: string; manifest?: string; package?: string };

interface SourceBase {
  /** The npm package's name and version. */
  packageName: string;
  packageVersion: string | null;
  packageDir: string;
  warnings: string[];
}

/** Where an npm package keeps its plugin: a folder to load, or a package zip to extract. */
export type NpmPluginSource =
  | (SourceBase & { kind: "folder"; dir: string; manifest: ResolvedManifest })
  | (SourceBase & { kind: "package"; file: string });

const FIELDS = ["plugin", "manifest", "package"] as const;

/**
 * Resolves the plugin an npm package ships, from the `goatkit` field of its package.json:
 * `"goatkit": "dist/plugin"` or `{ "plugin": "dist/plugin" }` (a plugin folder),
 * `{ "manifest": "manifest.yaml" }` (the folder of that manifest), or
 * `{ "package": "dist/faq-1.0.0.zip" }` (a package, extracted under the trust policy).
 */
export async function resolveNpmPlugin(packageDir: string): Promise<NpmPluginSource> {
  const root = resolve(packageDir);
  const json = await readPackageJson(root);
  if (!json) throw new PackageError("E_NPM_PLUGIN", `${root} has no package.json`, "give the folder of an npm package");
  const packageName = typeof json.name === "string" ? json.name : basename(root);
  const packageVersion = typeof json.version === "string" ? json.version : null;
  const fail = (problem: string, fix: string) => new PackageError("E_NPM_PLUGIN", `${packageName}: ${problem}`, fix);
  if (json.goatkit === undefined) throw fail(`package.json has no "goatkit" field`, `add "goatkit": { "plugin": "<folder with the manifest and plugin.wasm>" } to package.json`);

  const [field, target] = readField(json.goatkit, fail);
  const path = await insidePackage(root, target, field, fail);
  const base = { packageName, packageVersion, packageDir: root, warnings: [] as string[] };

  if (field === "package") {
    if (!path.endsWith(".zip")) throw fail(`goatkit.package is ${JSON.stringify(target)}, not a .zip file`, "point it at the package `gk plugin pack` wrote");
    if (!(await stat(path).catch(() => null))?.isFile()) throw fail(`goatkit.package points at ${target}, which is not in the package`, `add ${target} to package.json "files" and publish again`);
    return { ...base, kind: "package", file: path };
  }

  let dir = path;
  if (field === "manifest") {
    if (!(MANIFEST_FILES as readonly string[]).includes(basename(path))) throw fail(`goatkit.manifest is ${JSON.stringify(target)}`, `name the manifest ${MANIFEST_FILES.join(", ")}`);
    dir = dirname(path);
  }
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw fail(`goatkit.${field} points at ${target}, which is not in the package`, `add ${target} to package.json "files" (and build it before publishing)`);
  let manifest: ResolvedManifest;
  try {
    manifest = (await loadManifest(dir)).manifest;
  } catch (error) {
    if (error instanceof ManifestError) throw fail(`the plugin manifest in ${relative(root, dir) || "."} is not valid:\n${error.message}`, "fix the manifest and publish again");
    throw error;
  }
  const wasm = join(dir, manifest.wasm ?? PACKAGE_WASM);
  if (manifest.runtime === "wasm" && !(await stat(wasm).catch(() => null))?.isFile()) {
    throw fail(`the module ${relative(root, wasm)} is missing`, `build it before publishing and add it to package.json "files"`);
  }
  if (packageVersion !== null && packageVersion !== manifest.version) {
    base.warnings.push(`${packageName}: package.json version ${packageVersion} differs from the manifest's version ${manifest.version}; keep them equal so admins know which plugin they run`);
  }
  return { ...base, kind: "folder", dir, manifest };
}

/** A package in node_modules whose `goatkit` field could not be resolved. */
export interface NpmPluginProblem {
  packageDir: string;
  error: Error;
}

/**
 * Finds the npm packages in a node_modules folder (scoped ones included) that declare a
 * `goatkit` field; one broken package does not hide the others.
 */
export async function discoverNpmPlugins(nodeModulesDir: string): Promise<{ plugins: NpmPluginSource[]; problems: NpmPluginProblem[] }> {
  const root = resolve(nodeModulesDir);
  const candidates: string[] = [];
  for (const name of await listFolders(root)) {
    if (name.startsWith("@")) {
      for (const scoped of await listFolders(join(root, name))) candidates.push(join(root, name, scoped));
    } else {
      candidates.push(join(root, name));
    }
  }
  const plugins: NpmPluginSource[] = [];
  const problems: NpmPluginProblem[] = [];
  for (const packageDir of candidates.sort()) {
    const json = await readPackageJson(packageDir).catch(() => null);
    if (json?.goatkit === undefined) continue;
    try {
      plugins.push(await resolveNpmPlugin(packageDir));
    } catch (error) {
      problems.push({ packageDir, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return { plugins, problems };
}

function readField(value: unknown, fail: (problem: string, fix: string) => PackageError): [(typeof FIELDS)[number], string] {
  if (typeof value === "string") return ["plugin", nonEmpty(value, "goatkit", fail)];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail(`"goatkit" is ${Array.isArray(value) ? "a list" : JSON.stringify(value)}`, `write "goatkit": { "plugin": "dist/plugin" } (or "manifest", or "package")`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === "wasm") throw fail(`goatkit.wasm is not read`, `the manifest's "wasm" field names the module; point goatkit.manifest (or goatkit.plugin) at the manifest's folder and remove goatkit.wasm`);
    if (!(FIELDS as readonly string[]).includes(key)) throw fail(`goatkit has an unknown field ${JSON.stringify(key)}`, `use exactly one of ${FIELDS.map((f) => `"${f}"`).join(", ")}`);
  }
  const present = FIELDS.filter((f) => record[f] !== undefined);
  if (present.length !== 1) throw fail(present.length === 0 ? "goatkit names no plugin" : `goatkit sets ${present.join(" and ")}`, `use exactly one of ${FIELDS.map((f) => `"${f}"`).join(", ")}`);
  const field = present[0]!;
  return [field, nonEmpty(record[field], `goatkit.${field}`, fail)];
}

function nonEmpty(value: unknown, what: string, fail: (problem: string, fix: string) => PackageError): string {
  if (typeof value !== "string" || value.trim() === "") throw fail(`${what} is ${JSON.stringify(value)}, not a path`, `give a path relative to package.json, e.g. "dist/plugin"`);
  return value;
}

async function insidePackage(root: string, target: string, field: string, fail: (problem: string, fix: string) => PackageError): Promise<string> {
  const outside = () => fail(`goatkit.${field} ${JSON.stringify(target)} leads outside the package`, "give a path inside the package, relative to package.json");
  if (isAbsolute(target) || /^[A-Za-z]:/.test(target) || target.includes("\\")) throw outside();
  const path = resolve(root, target);
  if (escapes(root, path)) throw outside();
  // A symlink inside the package must not lead out of it either.
  const [realRoot, realPath] = await Promise.all([realpath(root), realpath(path).catch(() => null)]);
  if (realPath && escapes(realRoot, realPath)) throw outside();
  return path;
}

function escapes(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside);
}

async function readPackageJson(dir: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(join(dir, "package.json"), "utf8");
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PackageError("E_NPM_PLUGIN", `${join(dir, "package.json")} is not valid JSON: ${(error as Error).message}`, "fix package.json");
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

async function listFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    // pnpm links packages in with symlinks.
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await stat(join(dir, entry.name)).catch(() => null))?.isDirectory())) names.push(entry.name);
  }
  return names;
}
