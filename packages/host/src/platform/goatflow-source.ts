import { readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { formatIssues, fromGoatflowRegistration, REGISTRATION_FIELDS, validateManifest } from "@goatkit/sdk";
import { messageOf } from "../errors.js";
import { PluginCallError } from "../runtime/plugin-call-error.js";
import { HostCalls } from "../host-functions/host-calls.js";
import type { HostServices } from "../host-functions/host-services.js";
import { GoatflowSignatureError, checkGoatflowSignature } from "../packaging/goatflow-signature.js";
import type { PublicKey } from "../packaging/keys.js";
import { createRunner } from "../runtime/create-runner.js";
import { detectBinding } from "../runtime/detect-binding.js";
import { DEFAULT_LIMITS } from "../plugin/plugin.js";
import { defaultGoatflowGrants, GoatflowYamlError, parseGoatflowYaml, type GoatflowYaml } from "./goatflow-yaml.js";
import type { DiscoveredPlugin, Discovery, DiscoveryProblem, PluginSourceKind } from "./plugin-source.js";

/**
 * GoatFlow's plugins found the way GoatFlow finds them (docs/goatflow.md, "Discovery"):
 * - a bare `<name>.wasm` in the plugins directory, named by its file stem;
 * - a folder with a `plugin.yaml` (runtime `wasm`; `grpc` is GoatFlow's go-plugin, which this
 *   host cannot run, and is reported as a problem);
 * - a folder (or an extracted upload package) with GoatFlow's `manifest.json`, a GKRegistration.
 * The module's own `gk_register` describes the plugin, as on GoatFlow; `plugin.yaml` adds its
 * name, resources and permissions. Our own manifest beside a module always wins: the folder
 * source only asks here when there is none.
 */
export interface GoatflowDiscoveryContext {
  /** Runs `gk_register` (in a worker, with no grants: every host call answers 0, as before GoatFlow's Init). */
  services: HostServices;
  /** Keys `<file>.sig` signatures are checked against. */
  trustedKeys: readonly PublicKey[];
  /** Refuse modules no trusted key signed. */
  requireSignatures: boolean;
}

/** How a GoatFlow plugin was found; shown in PluginInfo as `goatflow`. */
export type GoatflowFormat = "wasm" | "plugin.yaml" | "manifest.json";

const encoder = new TextEncoder();
/** gk_register's result by file, so a rescan does not start a worker for an unchanged module. */
const described = new Map<string, { key: string; registration: Record<string, unknown> }>();

/**
 * Whether a folder without our manifest is a GoatFlow plugin: `plugin.yaml`, or a
 * `manifest.json` that is a GKRegistration rather than our manifest. Ours is the one that
 * validates against our schema; a JSON object whose fields are all GKRegistration's is GoatFlow's.
 */
export async function goatflowFolderFormat(folder: string): Promise<"plugin.yaml" | "manifest.json" | null> {
  const isFile = async (name: string) => (await stat(join(folder, name)).catch(() => null))?.isFile() === true;
  const json = await readFile(join(folder, "manifest.json"), "utf8").catch(() => null);
  // Our manifest (JSON or YAML) wins over anything of GoatFlow's beside it.
  const otherWasm = (await readdir(folder).catch(() => [] as string[])).some((n) => n.endsWith(".wasm") && n !== "plugin.wasm");
  if ((json !== null && !isGoatflowManifestJson(json, await isFile("plugin.wasm"), otherWasm)) || (await isFile("manifest.yaml")) || (await isFile("manifest.yml"))) return null;
  if (await isFile("plugin.yaml")) return "plugin.yaml";
  return json !== null ? "manifest.json" : null;
}

/**
 * Whether a manifest.json is GoatFlow's GKRegistration (v0.6.5 upload packages) rather than ours.
 * Both need only `name` and `version`, so: one with a field only ours has (`wasm`, `runtime`,
 * `build`, ...) is ours; one our schema refuses is GoatFlow's when its fields are all
 * GKRegistration's; one valid as either is GoatFlow's only when our default module, plugin.wasm,
 * is not beside it and another `.wasm` is (GoatFlow's package holds `<name>.wasm`): a folder of
 * ours whose module is not built yet stays ours, and says so.
 */
export function isGoatflowManifestJson(text: string, pluginWasmBeside: boolean, otherWasmBeside: boolean): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const doc = value as Record<string, unknown>;
  if (Object.keys(doc).some((key) => !GKREGISTRATION_FIELDS.has(key))) return false;
  if (validateManifest(doc).ok) return !pluginWasmBeside && otherWasmBeside;
  return true;
}

const GKREGISTRATION_FIELDS = new Set(["name", "version", "description", "author", "license", "homepage", "routes", "menu_items", "widgets", "jobs", "templates", "i18n", "error_codes", "hide_menu_items", "landing_page", "min_host_version", "permissions", "resources", "groups", "custom_fields", "uis", "cascades"]);

/** A bare `.wasm` in the plugins directory: named by its file stem, described by gk_register. */
export async function discoverGoatflowModule(wasmPath: string, context: GoatflowDiscoveryContext, source: PluginSourceKind = "folder"): Promise<Discovery> {
  const name = basename(wasmPath, ".wasm");
  return describe({ name, location: wasmPath, wasmPath, format: "wasm", yaml: null, registrationFile: null, watch: [wasmPath, `${wasmPath}.sig`], source }, context);
}

/** A folder with GoatFlow's plugin.yaml or manifest.json (see goatflowFolderFormat). */
export async function discoverGoatflowFolder(folder: string, format: "plugin.yaml" | "manifest.json", context: GoatflowDiscoveryContext, source: PluginSourceKind = "folder", location = folder): Promise<Discovery> {
  const fail = (message: string, watch: string[]): Discovery => ({ plugins: [], problems: [{ name: basename(folder), source, location, message, watchPaths: watch }] });
  if (format === "plugin.yaml") {
    const file = join(folder, "plugin.yaml");
    let yaml: GoatflowYaml;
    try {
      yaml = parseGoatflowYaml(await readFile(file, "utf8"), file);
    } catch (error) {
      return fail(error instanceof GoatflowYamlError ? error.message : `cannot read ${file}: ${messageOf(error)}`, [file]);
    }
    if (yaml.runtime === "grpc") {
      return fail(
        `${file}: plugin "${yaml.name}" is a GoatFlow gRPC plugin: a go-plugin net/rpc process (hashicorp go-plugin over yamux), which this host cannot run; build it as a WebAssembly plugin (runtime: wasm), or for this host's gRPC runtime with a manifest.json (docs/grpc.md)`,
        [file],
      );
    }
    if (yaml.runtime !== "wasm") return fail(`${file}: runtime "${yaml.runtime}" is not one this host runs; use runtime: wasm`, [file]);
    const wasmPath = join(folder, yaml.file);
    return describe({ name: yaml.name, location, wasmPath, format, yaml, registrationFile: null, watch: [file, wasmPath, `${wasmPath}.sig`], source }, context);
  }
  const file = join(folder, "manifest.json");
  let registration: Record<string, unknown>;
  try {
    registration = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    return fail(`cannot read ${file}: ${messageOf(error)}`, [file]);
  }
  const name = typeof registration.name === "string" && registration.name !== "" ? registration.name : basename(folder);
  const wasmPath = join(folder, `${name}.wasm`);
  const module = (await stat(wasmPath).catch(() => null))?.isFile() ? wasmPath : await onlyWasm(folder);
  if (!module) return fail(`${folder} has GoatFlow's manifest.json but no ${name}.wasm (or a single .wasm) beside it; add the module`, [file, wasmPath]);
  return describe({ name, location, wasmPath: module, format, yaml: null, registrationFile: registration, watch: [file, module, `${module}.sig`], source }, context);
}

interface Found {
  name: string;
  location: string;
  wasmPath: string;
  format: GoatflowFormat;
  yaml: GoatflowYaml | null;
  /** GoatFlow's manifest.json: the registration as written down, read instead of running gk_register. */
  registrationFile: Record<string, unknown> | null;
  watch: string[];
  source: PluginSourceKind;
}

async function describe(found: Found, context: GoatflowDiscoveryContext): Promise<Discovery> {
  const problem = (message: string): Discovery => ({ plugins: [], problems: [{ name: found.name, source: found.source, location: found.location, message, watchPaths: found.watch }] });
  try {
    const signature = await checkGoatflowSignature(found.wasmPath, context.trustedKeys, context.requireSignatures);
    const registration = found.registrationFile ?? (await registrationOf(found.wasmPath, found.name, context.services));
    const manifest = goatflowManifest(found, registration);
    const checked = validateManifest(manifest);
    if (!checked.ok) return problem(`${found.location}: GoatFlow plugin "${found.name}" does not describe a plugin this host can serve:\n${formatIssues(checked.errors)}`);
    const plugin: DiscoveredPlugin = { name: found.name, source: found.source, location: found.location, loadPath: found.wasmPath, manifest: checked.manifest, wasmPath: found.wasmPath, watchPaths: found.watch, signature, goatflow: found.format };
    return { plugins: [plugin], problems: [] };
  } catch (error) {
    if (error instanceof GoatflowSignatureError) return problem(error.message);
    return problem(`${found.location}: ${messageOf(error)}`);
  }
}

/**
 * Our manifest for a GoatFlow plugin: its registration in our terms, named as GoatFlow names it
 * (file stem, or plugin.yaml's name), with plugin.yaml's grants and limits. GoatFlow ignores a
 * registration's own `permissions` once a plugin.yaml governs it; without either, its default.
 */
export function goatflowManifest(found: Pick<Found, "name" | "yaml" | "wasmPath">, registration: Record<string, unknown>): Record<string, unknown> {
  const { yaml } = found;
  const converted = fromGoatflowRegistration(registration);
  const manifest: Record<string, unknown> = { ...converted, name: found.name, version: yaml?.version ?? converted.version ?? "0.0.0", wasm: basename(found.wasmPath) };
  for (const key of ["description", "author", "license", "homepage"] as const) {
    const value = yaml?.[key] ?? registration[key];
    if (typeof value === "string" && value !== "") manifest[key] = value;
  }
  if (yaml) {
    manifest.permissions = yaml.resources.permissions ?? defaultGoatflowGrants();
    if (yaml.resources.allowedHosts.length > 0) manifest.http = { allowed_hosts: yaml.resources.allowedHosts };
    if (Object.keys(yaml.resources.limits).length > 0) manifest.limits = yaml.resources.limits;
  }
  return Object.fromEntries(Object.entries(manifest).filter(([key]) => REGISTRATION_FIELDS.includes(key) || ["author", "license", "homepage", "wasm", "http", "limits"].includes(key)));
}

/** Runs the module's gk_register once in a worker (time-out and memory cap as for any call). */
async function registrationOf(wasmPath: string, name: string, services: HostServices): Promise<Record<string, unknown>> {
  const info = await stat(wasmPath).catch(() => null);
  if (!info?.isFile()) throw new PluginCallError("E_LOAD", `${wasmPath}: no such file`);
  const key = `${info.size}:${info.mtimeMs}`;
  const cached = described.get(wasmPath);
  if (cached?.key === key) return cached.registration;
  const bytes = new Uint8Array(await readFile(wasmPath));
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (error) {
    throw new PluginCallError("E_LOAD", `not a valid WebAssembly module: ${messageOf(error)}`, { cause: error });
  }
  const binding = detectBinding(bytes, module);
  if (binding !== "goatflow") {
    throw new PluginCallError("E_LOAD", `a ${binding} module without a manifest: only GoatFlow-ABI modules (gk_call, gk_malloc, imports from "gk") are described by gk_register alone; put it in a plugin folder with a manifest.json (docs/manifest.md)`);
  }
  const calls = HostCalls.create(name, { capabilities: new Set(), tableGrants: new Set(), allowedHosts: [] }, services);
  const runner = await createRunner({ binding: "goatflow", bytes, module }, {
    calls,
    maxResultBytes: DEFAULT_LIMITS.max_result_bytes,
    timeoutMs: DEFAULT_LIMITS.timeout_ms,
    memoryMb: DEFAULT_LIMITS.memory_mb,
    now: services.now,
    cacheDir: join(tmpdir(), "goatkit-cache"),
    isolation: "worker",
    poolSize: 1,
  });
  try {
    const text = await runner.register();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new PluginCallError("E_REGISTRATION", `gk_register returned ${encoder.encode(text).byteLength} bytes that are not JSON; it must return GoatFlow's registration (GKRegistration)`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new PluginCallError("E_REGISTRATION", "gk_register must return a JSON object (GKRegistration)");
    const registration = value as Record<string, unknown>;
    described.set(wasmPath, { key, registration });
    return registration;
  } finally {
    await runner.close();
  }
}

async function onlyWasm(folder: string): Promise<string | null> {
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith(".wasm"));
  return names.length === 1 ? join(folder, names[0]!) : null;
}
