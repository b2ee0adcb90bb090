/**
 * One Extism plugin instance through @extism/extism, with the GoatKit host functions in
 * `extism:host/user`. Exports are the handlers; `gk_register` returns the registration. A
 * handler's input is the request envelope and its output the result; an error it sets
 * (`error_set`, an uncaught exception in js-pdk) fails the call with E_TRAP, as a trap does.
 * It runs wherever its runner puts it (a plugin worker, or the host's thread in-process):
 * Extism's own worker is never used, so the host's isolation is the only one. Extism's own WASI
 * has no preopened folders or environment and discards stdout.
 */
import { messageOf } from "../../errors.js";
import { ABI_VERSION } from "@goatkit/sdk/abi";
import createPlugin, { type Plugin as ExtismPlugin } from "@extism/extism";
import { ABI_IMPORTS, type GuestHostCalls } from "../../host-functions/host-function-table.js";
import type { GuestInstance, GuestOptions } from "../guest.js";
import { PluginCallError } from "../plugin-call-error.js";
import { checkResultSize } from "../result-size.js";
import { EXTISM_USER_NAMESPACE, extismHostFunctions, ownBuffer } from "./extism-host-functions.js";

const EXTISM_KERNEL = "extism:host/env";
const WASI = "wasi_snapshot_preview1";
const HOST_FUNCTION_NAMES = new Set<string>(ABI_IMPORTS.keys());
const PLUGIN_ERROR = /^Plugin-originated error: /;

export class ExtismInstance implements GuestInstance {
  broken = false;

  private constructor(
    private readonly plugin: ExtismPlugin,
    private readonly exportNames: readonly string[],
    private readonly options: GuestOptions,
  ) {}

  static async create(module: WebAssembly.Module, calls: GuestHostCalls, options: GuestOptions): Promise<ExtismInstance> {
    const log = (level: string) => (message: string) => calls.log(level, message, "");
    let plugin: ExtismPlugin;
    try {
      plugin = await createPlugin(
        { wasm: [{ module }] },
        {
          useWasi: WebAssembly.Module.imports(module).some((i) => i.module === WASI),
          // The runner chose the isolation (a plugin worker, or none): Extism's own worker would
          // put the guest out of reach of its time-out and blocking host calls.
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
    return new ExtismInstance(plugin, extismExports(module), options);
  }

  abiVersion(): number {
    // Extism plugins speak the host functions of this host's ABI; they export no version.
    return ABI_VERSION;
  }

  handlers(): string[] {
    return [...this.exportNames];
  }

  register(): Promise<Uint8Array | null> {
    return this.#call("gk_register", new Uint8Array());
  }

  async call(handler: string, request: Uint8Array): Promise<Uint8Array | null> {
    if (!this.exportNames.includes(handler) || handler.startsWith("gk_")) {
      throw new PluginCallError("E_UNKNOWN_HANDLER", `the plugin does not export a handler named "${handler}"`);
    }
    const output = await this.#call(handler, request);
    if (output !== null) checkResultSize(handler, output.byteLength, this.options.maxResultBytes);
    return output;
  }

  async dispose(): Promise<void> {
    await this.plugin.close().catch(() => {});
  }

  async #call(name: string, input: Uint8Array): Promise<Uint8Array | null> {
    try {
      const output = (await this.plugin.call(name, ownBuffer(input)))?.bytes();
      // Copied: the output views the plugin's memory, which the next call reuses.
      return output === undefined || output.byteLength === 0 ? null : output.slice();
    } catch (error) {
      const message = messageOf(error);
      if (PLUGIN_ERROR.test(message)) throw new PluginCallError("E_TRAP", `${name} failed: ${message.replace(PLUGIN_ERROR, "")}`, { cause: error });
      // A trap can leave the guest's memory half-updated: the owner replaces the instance.
      this.broken = true;
      throw new PluginCallError("E_TRAP", `${name} trapped: ${message}`, { cause: error });
    }
  }
}

/** The module's handlers and `gk_register`: its exported functions but runtime internals. */
export function extismExports(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function" && !e.name.startsWith("_") && e.name !== "hs_init")
    .map((e) => e.name);
}

/** Refuses imports the host does not provide, naming them, before Extism fails to link. */
export function checkExtismImports(module: WebAssembly.Module): void {
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
