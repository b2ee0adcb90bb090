import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  ABI_VERSION,
  checkRegistration,
  formatIssues,
  loadManifest,
  ManifestError,
  manifestFromRegistration,
  parseRegistration,
  type Manifest,
} from "@goatkit/sdk";
import { HostCalls, messageOf, type HostServices } from "../host-api/host-calls.js";
import { grantsOf } from "../host-api/plugin-grants.js";
import { CoreAbiInstance } from "../runtime/core-abi-instance.js";
import { detectBinding, type Binding } from "../runtime/detect-binding.js";
import { PluginCallError } from "../runtime/plugin-call-error.js";
import { runMigrations } from "./migrations.js";
import { buildRequest, type RequestInput } from "./request.js";
import { errorResponse, interpretResult, InvalidResultError, type PluginResponse } from "./response.js";

export interface LoadOptions {
  /** Extra permissions granted on top of the manifest's (the CLI's `--grant`). */
  grant?: string[];
  /** Configuration values for the plugin's `config` fields. */
  config?: Record<string, unknown>;
}

/** Defaults of docs/abi.md "Limits"; a manifest's `limits` overrides them. */
export const DEFAULT_LIMITS = {
  memory_mb: 256,
  timeout_ms: 5000,
  max_request_bytes: 1024 * 1024,
  max_result_bytes: 4 * 1024 * 1024,
};

const encoder = new TextEncoder();

/**
 * A loaded plugin: its effective manifest (file merged with registration), the compiled
 * module and the instance that serves calls. Calls run one at a time per instance.
 */
export class Plugin {
  #instance: CoreAbiInstance | null = null;

  private constructor(
    readonly manifest: Manifest,
    readonly wasmPath: string,
    readonly binding: Binding,
    readonly exports: readonly string[],
    private readonly module: WebAssembly.Module,
    private readonly calls: HostCalls,
    private readonly services: HostServices,
    private readonly config: Record<string, unknown>,
  ) {}

  get name(): string {
    return this.manifest.name;
  }

  get limits(): typeof DEFAULT_LIMITS {
    return { ...DEFAULT_LIMITS, ...this.manifest.limits };
  }

  /**
   * Loads a plugin from a folder (manifest + wasm) or a `.wasm` file (with a manifest beside
   * it, or described by its registration alone), registers it and applies its migrations.
   */
  static async load(path: string, services: HostServices, options: LoadOptions = {}): Promise<Plugin> {
    const { manifest: fileManifest, wasmPath } = await locate(resolve(path));
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await readFile(wasmPath));
    } catch {
      const hint = fileManifest?.build ? `run the build (${fileManifest.build.command})` : "build the plugin first";
      throw new PluginCallError("E_LOAD", `${wasmPath}: no such file; ${hint}`);
    }
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      throw new PluginCallError("E_LOAD", `${wasmPath}: not a valid WebAssembly module: ${messageOf(error)}`);
    }
    const binding = detectBinding(bytes, module);
    if (binding !== "core") {
      throw new PluginCallError("E_LOAD", `${wasmPath}: ${binding} plugins are not supported by this host yet; build against the GoatKit core ABI`);
    }
    const exportNames = WebAssembly.Module.exports(module).map((e) => e.name);

    // Registration comes first: without a manifest file it is the only description we have.
    const probe = new HostCalls("(loading)", grantsOf(emptyManifest()), services, new Set());
    const registrationText = readRegistration(module, probe, services);
    const registration = parseRegistration(registrationText);
    let manifest: Manifest;
    if (fileManifest) {
      manifest = fileManifest;
    } else {
      const fromRegistration = manifestFromRegistration(registration);
      if (!fromRegistration.ok) throw new PluginCallError("E_REGISTRATION", `${wasmPath}: no manifest beside it and gk_register does not describe a valid plugin:\n${formatIssues(fromRegistration.errors)}`);
      manifest = fromRegistration.manifest;
    }
    const check = checkRegistration(manifest, registration, exportNames);
    if (!check.ok) throw new PluginCallError("E_REGISTRATION", `${manifest.name}: gk_register disagrees with the manifest:\n${formatIssues(check.issues)}`);
    const effective: Manifest = { ...check.manifest, permissions: [...new Set([...(check.manifest.permissions ?? []), ...(options.grant ?? [])])] };

    const handlers = new Set(exportNames.filter((n) => !n.startsWith("gk_") && n !== "memory" && !n.startsWith("_")));
    const calls = new HostCalls(effective.name, grantsOf(effective), services, handlers);
    const plugin = new Plugin(effective, wasmPath, binding, exportNames, module, calls, services, options.config ?? {});
    await runMigrations(services.db, effective, services.now);
    for (const job of effective.jobs ?? []) {
      services.jobs.schedule({ id: job.id, plugin: effective.name, schedule: job.schedule, handler: job.handler, payload: null, source: "manifest" });
    }
    plugin.#instance = plugin.#newInstance();
    return plugin;
  }

  /** Calls a handler with a request envelope; failures come back as error responses, never throws. */
  async call(handler: string, input: RequestInput = {}): Promise<PluginResponse> {
    const request = buildRequest(handler, input, this.manifest, this.config);
    const bytes = encoder.encode(JSON.stringify(request));
    if (bytes.byteLength > this.limits.max_request_bytes) {
      return this.#fail(handler, new PluginCallError("E_REQUEST_TOO_LARGE", `the request is ${bytes.byteLength} bytes, more than the plugin's limit of ${this.limits.max_request_bytes}`));
    }
    try {
      const instance = (this.#instance ??= this.#newInstance());
      this.calls.beginCall();
      let result: Uint8Array | null;
      try {
        result = instance.call(handler, bytes);
      } finally {
        // A trap can leave the guest's allocator or globals half-updated: start afresh.
        if (instance.broken) this.#instance = null;
      }
      const response = interpretResult(result, request.kind);
      if (response.error) this.services.logs.write(this.name, "error", `${handler}: ${response.error.message}`, { code: response.error.code, status: response.status });
      return response;
    } catch (error) {
      if (error instanceof InvalidResultError) return this.#fail(handler, new PluginCallError("E_INVALID_UTF8", error.message));
      return this.#fail(handler, error instanceof PluginCallError ? error : new PluginCallError("E_TRAP", messageOf(error), { cause: error }));
    }
  }

  #fail(handler: string, error: PluginCallError): PluginResponse {
    this.services.logs.write(this.name, "error", `${handler}: ${error.message}`, { code: error.code });
    return errorResponse(error.message, error.code, error.status);
  }

  #newInstance(): CoreAbiInstance {
    const instance = CoreAbiInstance.instantiate(this.module, this.calls, { maxResultBytes: this.limits.max_result_bytes, now: this.services.now });
    const abi = instance.abiVersion();
    if (abi !== ABI_VERSION) throw new PluginCallError("E_ABI_VERSION", `${this.name} was built for GoatKit ABI ${abi}; this host speaks ABI ${ABI_VERSION}`);
    return instance;
  }
}

/** Finds the manifest and the wasm for a folder or a `.wasm` path. */
async function locate(path: string): Promise<{ manifest: Manifest | null; wasmPath: string }> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new PluginCallError("E_LOAD", `${path}: no such file or folder`);
  if (info.isFile()) {
    if (!path.endsWith(".wasm")) throw new PluginCallError("E_LOAD", `${path}: expected a plugin folder or a .wasm file`);
    const beside = await loadManifest(dirname(path)).catch((error: unknown) => {
      if (isMissingManifest(error)) return null;
      throw error;
    });
    return { manifest: beside?.manifest ?? null, wasmPath: path };
  }
  const { manifest } = await loadManifest(path);
  const wasm = manifest.wasm ?? manifest.build?.output ?? "plugin.wasm";
  return { manifest, wasmPath: join(path, wasm) };
}

function isMissingManifest(error: unknown): boolean {
  return error instanceof ManifestError && error.code === "E_MANIFEST_NOT_FOUND";
}

function readRegistration(module: WebAssembly.Module, probe: HostCalls, services: HostServices): string {
  const instance = CoreAbiInstance.instantiate(module, probe, { maxResultBytes: DEFAULT_LIMITS.max_result_bytes, now: services.now });
  const bytes = instance.register();
  if (bytes === null) throw new PluginCallError("E_REGISTRATION", "gk_register returned nothing; it must return the registration JSON");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PluginCallError("E_INVALID_UTF8", "gk_register returned bytes that are not valid UTF-8");
  }
}

function emptyManifest(): Manifest {
  return { name: "loading", version: "0.0.0", permissions: [] } as unknown as Manifest;
}

