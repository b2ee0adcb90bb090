/**
 * Runs an Extism plugin through @extism/extism on the host's thread, with the GoatKit host
 * functions in `extism:host/user`. Exports are the handlers; `gk_register` returns the
 * registration. A handler's input is the request envelope and its output the result; an error
 * it sets (`error_set`, an uncaught exception in js-pdk) fails the call with E_TRAP, as a trap
 * does. What running on the host's thread gives up: no time-out, and synchronous services only.
 * Extism's own WASI has no preopened folders or environment and discards stdout.
 */
import { messageOf } from "../../errors.js";
import { ABI_IMPORTS } from "../../host-functions/host-function-table.js";
import createPlugin, { type Plugin as ExtismPlugin } from "@extism/extism";

import { PluginCallError } from "../plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "../plugin-runner.js";
import { EXTISM_USER_NAMESPACE, extismHostFunctions } from "./extism-host-functions.js";

const EXTISM_KERNEL = "extism:host/env";
const WASI = "wasi_snapshot_preview1";
const HOST_FUNCTION_NAMES = new Set<string>(ABI_IMPORTS.keys());
const utf8 = new TextDecoder("utf-8", { fatal: true });
const PLUGIN_ERROR = /^Plugin-originated error: /;

export class ExtismRunner implements PluginRunner {
  readonly binding = "extism" as const;
  readonly exports: readonly string[];
  #plugin: Promise<ExtismPlugin> | null = null;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly options: RunnerOptions,
  ) {
    checkImports(module);
    // The guest waits on this thread: services answer with their blocking variants.
    options.calls.synchronous = true;
    this.exports = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === "function" && !e.name.startsWith("_") && e.name !== "hs_init")
      .map((e) => e.name);
  }

  async register(): Promise<string> {
    const output = await this.#call("gk_register", new Uint8Array());
    if (output === null) throw new PluginCallError("E_REGISTRATION", "gk_register set no output; it must output the registration JSON");
    try {
      return utf8.decode(output);
    } catch {
      throw new PluginCallError("E_INVALID_UTF8", "gk_register output bytes that are not valid UTF-8");
    }
  }

  async call(handler: string, request: Uint8Array): Promise<Uint8Array | null> {
    if (!this.exports.includes(handler) || handler.startsWith("gk_")) {
      throw new PluginCallError("E_UNKNOWN_HANDLER", `the plugin does not export a handler named "${handler}"`);
    }
    this.options.calls.beginCall();
    const output = await this.#call(handler, request);
    if (output !== null && output.byteLength > this.options.maxResultBytes) {
      throw new PluginCallError("E_RESULT_TOO_LARGE", `${handler} returned ${output.byteLength} bytes, more than the limit of ${this.options.maxResultBytes}; raise limits.max_result_bytes or return less`);
    }
    return output;
  }

  async close(): Promise<void> {
    const plugin = this.#plugin;
    this.#plugin = null;
    await (await plugin?.catch(() => null))?.close();
  }

  async #call(name: string, input: Uint8Array): Promise<Uint8Array | null> {
    const plugin = await (this.#plugin ??= this.#create());
    try {
      const output = (await plugin.call(name, input))?.bytes();
      // Copied: the output views the plugin's memory, which the next call reuses.
      return output === undefined || output.byteLength === 0 ? null : output.slice();
    } catch (error) {
      const message = messageOf(error);
      if (PLUGIN_ERROR.test(message)) throw new PluginCallError("E_TRAP", `${name} failed: ${message.replace(PLUGIN_ERROR, "")}`, { cause: error });
      // A trap can leave the guest's memory half-updated: the next call gets a fresh instance.
      this.#plugin = null;
      void plugin.close();
      throw new PluginCallError("E_TRAP", `${name} trapped: ${message}`, { cause: error });
    }
  }

  async #create(): Promise<ExtismPlugin> {
    const calls = this.options.calls;
    const log = (level: string) => (message: string) => calls.log(level, message, "");
    try {
      return await createPlugin(
        { wasm: [{ module: this.module }] },
        {
          useWasi: WebAssembly.Module.imports(this.module).some((i) => i.module === WASI),
          runInWorker: false,
          functions: { [EXTISM_USER_NAMESPACE]: extismHostFunctions(calls) },
          logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), log: log("info") } as unknown as Console,
          allowedHosts: [],
          allowedPaths: {},
          enableWasiOutput: false,
        },
      );
    } catch (error) {
      throw new PluginCallError("E_LOAD", `the Extism plugin failed to start: ${messageOf(error)}`, { cause: error });
    }
  }
}

/** Refuses imports the host does not provide, naming them, before Extism fails to link. */
function checkImports(module: WebAssembly.Module): void {
  const unknown = WebAssembly.Module.imports(module).filter(
    (i) => !(i.module === EXTISM_KERNEL || i.module === WASI || (i.module === EXTISM_USER_NAMESPACE && HOST_FUNCTION_NAMES.has(i.name))),
  );
  if (unknown.length > 0) {
    throw new PluginCallError(
      "E_UNKNOWN_IMPORT",
      `the Extism plugin imports ${unknown.map((i) => `"${i.module}.${i.name}"`).join(", ")}, which this host does not provide. GoatKit host functions in ${EXTISM_USER_NAMESPACE}: ${[...HOST_FUNCTION_NAMES].join(", ")}.`,
    );
  }
}
