import { CoreAbiInstance } from "./core-abi-instance.js";
import { PluginCallError, requireAbiVersion } from "./plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "./plugin-runner.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Runs a core-ABI module on the calling thread (the trusted in-process mode). It gives up what
 * isolation buys: a call cannot be stopped when it loops, and host functions must answer
 * synchronously. A trap replaces the instance, so the next call starts clean.
 */
export class CoreAbiRunner implements PluginRunner {
  readonly exports: readonly string[];
  #instance: CoreAbiInstance | null = null;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly options: RunnerOptions,
    readonly binding: "core" | "goatflow" = "core",
  ) {
    this.exports = WebAssembly.Module.exports(module).map((e) => e.name);
    options.calls.synchronous = true;
  }

  async register(): Promise<string> {
    requireAbiVersion(this.#run((instance) => instance.abiVersion()));
    const bytes = this.#run((instance) => instance.register());
    if (bytes === null) throw new PluginCallError("E_REGISTRATION", "gk_register returned nothing; it must return the registration JSON");
    try {
      return utf8.decode(bytes);
    } catch {
      throw new PluginCallError("E_INVALID_UTF8", "gk_register returned bytes that are not valid UTF-8");
    }
  }

  async call(handler: string, request: Uint8Array, envelope?: object): Promise<Uint8Array | null> {
    this.options.calls.beginCall();
    return this.#run((instance) => instance.call(handler, request, envelope));
  }

  async close(): Promise<void> {
    this.#instance = null;
  }

  #run<T>(fn: (instance: CoreAbiInstance) => T): T {
    const instance = (this.#instance ??= this.#instantiate());
    try {
      return fn(instance);
    } finally {
      // A trap can leave the guest's allocator or globals half-updated: start afresh.
      if (instance.broken) this.#instance = null;
    }
  }

  #instantiate(): CoreAbiInstance {
    return CoreAbiInstance.instantiate(this.module, this.options.calls, { maxResultBytes: this.options.maxResultBytes, now: this.options.now, abi: this.binding });
  }
}
