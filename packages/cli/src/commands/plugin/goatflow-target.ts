import { existsSync } from "node:fs";
/**
 * What `gk plugin check --target goatflow` and `gk plugin pack --target goatflow` share: finding
 * the module, and what our manifest asks for that GoatFlow gives differently.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { loadManifest, ManifestError, type ResolvedManifest } from "@goatkit/sdk";
import { isGoatflowModule, type GoatflowPermission, type GoatflowProblem } from "@goatkit/sdk/goatflow-runtime";
import { EXIT, GkError } from "../../errors.js";

export const TARGETS = ["goatflow"] as const;

export function checkTarget(target: string | undefined, command: string): void {
  if (target !== "goatflow") {
    throw new GkError(`${command} needs --target goatflow${target ? `, not "${target}"` : ""} (the only other host GoatKit checks against)`, EXIT.USAGE);
  }
}

export interface GoatflowInput {
  /** The module file. */
  wasmPath: string;
  bytes: Uint8Array;
  /** Our manifest, when the path is a plugin folder that has one. */
  manifest: ResolvedManifest | null;
}

/**
 * A `.wasm` file, or a plugin folder: its GoatFlow build (`build/goatflow/<name>.wasm`, what
 * `gk plugin build --target goatflow` writes) when there is one, else its manifest's module, else
 * its only `.wasm` file.
 */
export async function readGoatflowInput(path: string, wasm?: string): Promise<GoatflowInput> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new GkError(`${path}: no such file or folder`);
  let manifest: ResolvedManifest | null = null;
  let wasmPath: string;
  if (wasm) wasmPath = wasm;
  else if (info.isFile()) wasmPath = path;
  else {
    manifest = await manifestIfAny(path);
    if (manifest?.runtime === "grpc") throw new GkError(`${path}: a gRPC process plugin; GoatFlow runs WebAssembly plugins only (its process plugins speak another protocol, docs/goatflow.md)`);
    const goatflowBuild = manifest ? join(path, "build", "goatflow", `${manifest.name}.wasm`) : null;
    if (goatflowBuild && existsSync(goatflowBuild)) wasmPath = goatflowBuild;
    else wasmPath = manifest ? join(path, manifest.wasm ?? "plugin.wasm") : await onlyWasm(path);
  }
  if (wasm && info.isDirectory()) manifest = await manifestIfAny(path);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(wasmPath));
  } catch {
    throw new GkError(`${wasmPath}: no such file; build the plugin first: gk plugin build --target goatflow`);
  }
  return { wasmPath, bytes, manifest };
}

/** The folder's manifest; null when it has none (a GoatFlow plugin needs none), an error when it is invalid. */
async function manifestIfAny(dir: string): Promise<ResolvedManifest | null> {
  try {
    return (await loadManifest(dir)).manifest;
  } catch (error) {
    if (error instanceof ManifestError && error.code === "E_MANIFEST_NOT_FOUND") return null;
    throw error;
  }
}

async function onlyWasm(dir: string): Promise<string> {
  const found = (await readdir(dir)).filter((f) => f.endsWith(".wasm"));
  if (found.length === 1) return join(dir, found[0]!);
  if (found.length === 0) throw new GkError(`${dir}: no manifest and no .wasm file; give the module's path, or build it: gk plugin build --target goatflow`);
  throw new GkError(`${dir}: no manifest and ${found.length} .wasm files (${found.join(", ")}); give the module's path`);
}

/** Refuses a module that is not built for GoatFlow's ABI, naming the build that makes one. */
export function requireGoatflowModule(input: GoatflowInput): void {
  if (isGoatflowModule(input.bytes)) return;
  const where = relative(process.cwd(), input.wasmPath) || input.wasmPath;
  throw new GkError(
    `${where}: not a GoatFlow module (it neither exports gk_call and gk_malloc nor imports from "gk"; a GoatKit core-ABI module imports host.* and exports one function per handler, which GoatFlow cannot load). Build it for GoatFlow: gk plugin build --target goatflow`,
  );
}

const GOATFLOW_DEFAULT = new Set(["db:read", "cache:read", "cache:write"]);

/** What the manifest asks for that GoatFlow gives differently. */
export function manifestProblems(manifest: ResolvedManifest): GoatflowProblem[] {
  const problems: GoatflowProblem[] = [];
  const memory = manifest.limits?.memory_mb;
  if (memory !== undefined && memory > 16) {
    problems.push({ severity: "warning", where: "manifest", message: `limits.memory_mb is ${memory}, but GoatFlow gives every WebAssembly plugin 16 MiB: growing past it fails there` });
  }
  const timeout = manifest.limits?.timeout_ms;
  if (timeout !== undefined && timeout > 30_000) {
    problems.push({ severity: "warning", where: "manifest", message: `limits.timeout_ms is ${timeout}, but GoatFlow's limit is 30 s (which it does not enforce)` });
  }
  const extra = manifest.permissions.filter((p) => !GOATFLOW_DEFAULT.has(p));
  if (extra.length > 0) {
    problems.push({
      severity: "warning",
      where: "permissions",
      message: `GoatFlow grants a new plugin only db read and cache read/write; ${extra.join(", ")} must be granted by an administrator there (until then those host_calls answer 0)`,
    });
  }
  if (manifest.permissions.includes("jobs:schedule")) problems.push({ severity: "warning", where: "permissions", message: "jobs:schedule has no GoatFlow equivalent: GoatFlow runs only the jobs the registration lists" });
  return problems;
}

/** Our permission strings as GoatFlow's `resources.permissions` entries (docs/goatflow.md). */
export function goatflowPermissions(manifest: ResolvedManifest): GoatflowPermission[] {
  const perms = new Set(manifest.permissions);
  const out: GoatflowPermission[] = [];
  const access = (read: boolean, write: boolean) => (read && write ? "readwrite" : read ? "read" : "write");
  const dbRead = perms.has("db:read");
  const dbWrite = perms.has("db:write");
  if (dbRead || dbWrite) out.push({ type: "db", access: access(dbRead, dbWrite), scope: null });
  const tables = manifest.permissions.filter((p) => p.startsWith("db:write:")).map((p) => p.slice("db:write:".length));
  if (tables.length > 0 && !dbWrite) out.push({ type: "db", access: "write", scope: tables });
  const cacheRead = perms.has("cache:read");
  const cacheWrite = perms.has("cache:write");
  if (cacheRead || cacheWrite) out.push({ type: "cache", access: access(cacheRead, cacheWrite), scope: null });
  if (perms.has("http:external")) out.push({ type: "http", access: "", scope: manifest.http?.allowed_hosts ?? null });
  if (perms.has("email:send")) out.push({ type: "email", access: "", scope: null });
  return out;
}

export const stem = (file: string) => basename(file).replace(/\.wasm$/, "");
