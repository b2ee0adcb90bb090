import { messageOf } from "../errors.js";
import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  checkRegistration,
  formatIssues,
  fromGoatflowRegistration,
  loadManifest,
  manifestHandlers,
  ManifestError,
  manifestFromRegistration,
  parseRegistration,
  type Manifest,
  type ResolvedManifest,
} from "@goatkit/sdk";
import { HostCalls } from "../host-functions/host-calls.js";
import type { HostServices } from "../host-functions/host-services.js";
import { grantsOf } from "../host-functions/plugin-grants.js";
import { createRunner } from "../runtime/create-runner.js";
import type { Binding } from "../runtime/detect-binding.js";
import { PluginCallError } from "../runtime/plugin-call-error.js";
import type { Isolation, PluginRunner, RunnerSource } from "../runtime/plugin-runner.js";
import { wasmSource } from "../runtime/wasm-source.js";
import { Translations } from "../packaging/i18n.js";
import { checkLimitCeilings, type PluginLimits } from "./limit-ceilings.js";
import { hostTableInMigrations, runMigrations } from "./migrations.js";
import { pluginRuntime } from "./plugin-runtime.js";
import { buildRequest, type RequestInput } from "./request.js";
import { errorResponse, errorResponseOf, interpretResult, InvalidResultError, type PluginResponse } from "./response.js";
import { poolSizeFor, type PoolSizeSetting } from "./pool-size.js";

export interface LoadOptions {
  /** Extra permissions granted on top of the manifest's (the CLI's `--grant`). */
  grant?: string[];
  /** Limits that replace the manifest's (the CLI's `--timeout`). */
  limits?: Partial<typeof DEFAULT_LIMITS>;
  /** Configuration values for the plugin's `config` fields. */
  config?: Record<string, unknown>;
  /** Overrides the host's isolation for this plugin (trusted first-party plugins, tests). */
  isolation?: Isolation;
  /** Overrides the host's worker pool size for this plugin. */
  poolSize?: PoolSizeSetting;
  /** Where derived artefacts are cached (transpiled components); default: the OS temp folder. */
  cacheDir?: string;
  /** Size limit of the transpiled components in `cacheDir` (default 1 GiB); least recently used ones go first. */
  cacheMaxBytes?: number;
  /** The most the manifest's `limits` may ask for (default DEFAULT_LIMIT_CEILINGS); `limits` above are the caller's own. */
  limitCeilings?: Readonly<PluginLimits>;
  /**
   * The manifest to load `path` (a `.wasm`) with, in place of a manifest file: a GoatFlow plugin
   * as discovery described it (platform/goatflow-source.ts). It names the plugin; the module's
   * registration must agree with its routes, widgets and jobs, and its own permissions are ignored.
   */
  manifest?: Manifest;
}

/**
 * The settings every plugin on a host loads with unless its caller overrides them, all filled:
 * the Host fills them once from HostOptions (Host.loadOptions), and the plugin manager and
 * Plugin.load take them from there.
 */
export interface PluginDefaults {
  isolation: Isolation;
  /** A number, or `auto`: resolved per plugin by poolSizeFor (plugin/pool-size.ts). */
  poolSize: PoolSizeSetting;
  maxPoolSize: number;
  cacheDir: string;
  cacheMaxBytes?: number;
  limitCeilings: Readonly<PluginLimits>;
}

/** LoadOptions with the host's defaults filled in, what Plugin.load runs with. */
export type ResolvedLoadOptions = Omit<LoadOptions, keyof PluginDefaults> & PluginDefaults;

/** Defaults of docs/abi.md "Limits"; a manifest's `limits` overrides them. */
export const DEFAULT_LIMITS = {
  memory_mb: 256,
  timeout_ms: 5000,
  max_request_bytes: 1024 * 1024,
  max_result_bytes: 4 * 1024 * 1024,
};

const encoder = new TextEncoder();

/**
 * A loaded plugin: its effective manifest (file merged with registration) and the runner that
 * serves its calls, whatever the binding.
 */
export class Plugin {
  private constructor(
    readonly manifest: ResolvedManifest,
    readonly wasmPath: string,
    private readonly runner: PluginRunner,
    private readonly services: HostServices,
    private readonly config: Record<string, unknown>,
    private readonly translations: Translations,
    /** How the plugin runs: its isolation and, in workers, how many it keeps warm. */
    readonly isolation: Isolation,
    readonly poolSize: number,
  ) {}

  get name(): string {
    return this.manifest.name;
  }

  get binding(): Binding {
    return this.runner.binding;
  }

  get exports(): readonly string[] {
    return this.runner.exports;
  }

  /** The process serving the plugin when it has one of its own (a gRPC plugin); undefined for WebAssembly plugins. */
  get pid(): number | undefined {
    return this.runner.info?.().pid;
  }

  get limits(): typeof DEFAULT_LIMITS {
    return limitsOf(this.manifest);
  }

  /**
   * Loads a plugin from a folder (manifest + wasm) or a `.wasm` file (with a manifest beside
   * it, or described by its registration alone), registers it and applies its migrations.
   * The options carry the host's defaults (Host.loadOptions).
   */
  static async load(path: string, services: HostServices, options: ResolvedLoadOptions): Promise<Plugin> {
    const { manifest: fileManifest, wasmPath } = options.manifest ? { manifest: options.manifest, wasmPath: resolve(path) } : await locate(resolve(path));
    if (fileManifest) checkLimitCeilings(fileManifest.name, fileManifest.limits, options.limitCeilings);
    const limits = { ...limitsOf(fileManifest), ...options.limits };
    let source: RunnerSource;
    if (fileManifest && pluginRuntime(fileManifest) === "grpc") {
      source = { binding: "grpc", executable: wasmPath, cwd: resolve(path), manifest: fileManifest, logs: services.logs, processes: services.grpc, maxLogBytes: services.callLimits.maxLogBytes };
    } else {
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = new Uint8Array(await readFile(wasmPath));
      } catch {
        const hint = fileManifest?.build ? `run the build (${[fileManifest.build.command, ...(fileManifest.build.args ?? [])].join(" ")})` : "build the plugin first";
        throw new PluginCallError("E_LOAD", `${wasmPath}: no such file; ${hint}`);
      }
      source = wasmSource(bytes, limits.memory_mb, wasmPath);
    }

    // The runner starts with the file manifest's grants; without one, registration names the
    // plugin first and grants follow.
    const calls = HostCalls.create(fileManifest?.name ?? "(loading)", grantsOf(fileManifest ?? { name: "loading", version: "0.0.0" }), services);
    // Instances running calls at once: the host's setting, unless the manifest asks for serial.
    const poolSize = poolSizeFor({ name: fileManifest?.name ?? wasmPath, setting: options.poolSize, maxPoolSize: options.maxPoolSize, concurrency: fileManifest?.concurrency, memoryMb: limits.memory_mb });
    const runner = await createRunner(source, {
      calls,
      maxResultBytes: limits.max_result_bytes,
      timeoutMs: limits.timeout_ms,
      memoryMb: limits.memory_mb,
      now: services.now,
      cacheDir: options.cacheDir,
      ...(options.cacheMaxBytes !== undefined ? { cacheMaxBytes: options.cacheMaxBytes } : {}),
      isolation: options.isolation,
      poolSize,
    });
    return Plugin.#registered(path, wasmPath, fileManifest, runner, calls, services, { ...options, poolSize });
  }

  /** Registers a started runner, checks it against the manifest and applies migrations and jobs. */
  static async #registered(path: string, wasmPath: string, fileManifest: Manifest | null, runner: PluginRunner, calls: HostCalls, services: HostServices, options: ResolvedLoadOptions): Promise<Plugin> {
    try {
      const goatflow = runner.binding === "goatflow";
      const registration = parseRegistration(goatflow ? goatflowRegistrationText(await runner.register(), options.manifest, fileManifest === null) : await runner.register());
      let manifest: Manifest;
      if (fileManifest) {
        manifest = fileManifest;
      } else {
        const fromRegistration = manifestFromRegistration(registration);
        if (!fromRegistration.ok) throw new PluginCallError("E_REGISTRATION", `${wasmPath}: no manifest beside it and gk_register does not describe a valid plugin:\n${formatIssues(fromRegistration.errors)}`);
        manifest = fromRegistration.manifest;
      }
      // GoatFlow's modules export only gk_call: their handlers are names it dispatches, not exports.
      const check = checkRegistration(manifest, registration, goatflow ? undefined : runner.exports);
      if (!check.ok) throw new PluginCallError("E_REGISTRATION", `${manifest.name}: gk_register disagrees with the manifest:\n${formatIssues(check.issues.filter((i) => i.severity === "error"))}`);
      // Registration may describe limits the file did not (a module loaded without a manifest).
      checkLimitCeilings(check.manifest.name, check.manifest.limits, options.limitCeilings);
      const effective: ResolvedManifest = {
        ...check.manifest,
        permissions: [...new Set([...check.manifest.permissions, ...(options.grant ?? [])])],
        ...(options.limits ? { limits: { ...check.manifest.limits, ...options.limits } } : {}),
      };

      const handlers = goatflow
        ? new Set(manifestHandlers(effective).map((ref) => ref.handler))
        : new Set(runner.exports.filter((n) => !n.startsWith("gk_") && n !== "memory" && !n.startsWith("_")));
      const grants = grantsOf(effective);
      calls.authorize(effective.name, grants, handlers);
      const hostTable = hostTableInMigrations(effective, services.db.dialect);
      if (hostTable) throw new PluginCallError("E_LOAD", hostTable);
      // The plugin's statements and migrations run as the plugin, with what its permissions grant.
      const db = await services.db.forPlugin({ plugin: effective.name, readCore: grants.capabilities.has("db:read"), writeCore: [...grants.tableGrants] });
      calls.useDatabase(db);
      await runMigrations(services.db, effective, services.now, db);
      for (const job of effective.jobs ?? []) {
        services.jobs.schedule({ id: job.id, plugin: effective.name, schedule: job.schedule, handler: job.handler, payload: null, source: "manifest" });
      }
      const translations = await Translations.load(pluginDirOf(resolve(path), wasmPath));
      // A gRPC plugin is one process: its pool setting stays unresolved.
      return new Plugin(effective, wasmPath, runner, services, options.config ?? {}, translations, options.isolation, typeof options.poolSize === "number" ? options.poolSize : 1);
    } catch (error) {
      await runner.close();
      throw error;
    }
  }

  /** Calls a handler with a request envelope; failures come back as error responses, never throws. */
  async call(handler: string, input: RequestInput = {}): Promise<PluginResponse> {
    const request = buildRequest(handler, input, this.manifest, this.config, (locale) => this.translations.strings(locale));
    const bytes = encoder.encode(JSON.stringify(request));
    if (bytes.byteLength > this.limits.max_request_bytes) {
      return this.#fail(handler, new PluginCallError("E_REQUEST_TOO_LARGE", `the request is ${bytes.byteLength} bytes, more than the plugin's limit of ${this.limits.max_request_bytes}`));
    }
    try {
      const response = interpretResult(await this.runner.call(handler, bytes, request), request.kind, (message) => this.services.logs.write(this.name, "warn", `${handler}: ${message}`, { code: "E_HEADER_DROPPED" }));
      if (response.error) this.services.logs.write(this.name, "error", `${handler}: ${response.error.message}`, { code: response.error.code, status: response.status, handler });
      return response;
    } catch (error) {
      if (error instanceof InvalidResultError) return this.#fail(handler, new PluginCallError("E_INVALID_UTF8", error.message));
      return this.#fail(handler, error instanceof PluginCallError ? error : new PluginCallError("E_TRAP", messageOf(error), { cause: error }));
    }
  }

  /** Releases the runtime (workers, instances). */
  close(): Promise<void> {
    return this.runner.close();
  }

  #fail(handler: string, error: PluginCallError): PluginResponse {
    // The frames let `gk dev` name the author's line of an abort in the standard library.
    const frames = error.wasmFrames.length > 0 ? { wasm_frames: error.wasmFrames } : {};
    this.services.logs.write(this.name, "error", `${handler}: ${error.message}`, { code: error.code, handler, ...frames });
    return errorResponseOf(error);
  }
}

/**
 * A GoatFlow registration (GKRegistration) rewritten in our registration's field names and
 * values. GoatFlow's default permissions stand in for a manifest only; with a given manifest
 * (plugin.yaml's), named as that manifest names the plugin and without permissions of its own
 * (the manifest's grants are the plugin's, as plugin.yaml's are on GoatFlow).
 */
function goatflowRegistrationText(text: string, given: Manifest | undefined, withoutManifest: boolean): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // parseRegistration names the problem
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return text;
  const registration = fromGoatflowRegistration(value as Record<string, unknown>, { defaultPermissions: withoutManifest && !given });
  if (given) Object.assign(registration, { name: given.name, version: given.version, permissions: undefined });
  return JSON.stringify(registration);
}

/** The folder a plugin was loaded from: the given folder, or the `.wasm` file's. */
function pluginDirOf(path: string, wasmPath: string): string {
  return path.endsWith(".wasm") ? dirname(wasmPath) : path;
}

function limitsOf(manifest: Manifest | null): typeof DEFAULT_LIMITS {
  return { ...DEFAULT_LIMITS, ...manifest?.limits };
}

/** Finds the manifest and the wasm for a folder or a `.wasm` path. */
async function locate(path: string): Promise<{ manifest: Manifest | null; wasmPath: string }> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new PluginCallError("E_LOAD", `${path}: no such file or folder`);
  if (info.isFile()) {
    if (!path.endsWith(".wasm")) throw new PluginCallError("E_LOAD", `${path}: expected a plugin folder or a .wasm file`);
    const beside = await loadManifest(dirname(path)).catch((error: unknown) => {
      if (error instanceof ManifestError && error.code === "E_MANIFEST_NOT_FOUND") return null;
      throw error;
    });
    return { manifest: beside?.manifest ?? null, wasmPath: path };
  }
  const { manifest } = await loadManifest(path);
  if (pluginRuntime(manifest) === "grpc" && manifest.grpc) return { manifest, wasmPath: join(path, manifest.grpc.binary) };
  const wasm = manifest.wasm ?? manifest.build?.output ?? "plugin.wasm";
  return { manifest, wasmPath: join(path, wasm) };
}
