/**
 * One instance of a transpiled component plugin: its `goatkit:plugin/host` imports bound to the
 * host functions, its WASI limited (wasi-imports.ts), and the world's exports `register`,
 * `handlers` and `call` (wit/goatkit-plugin.wit). After a trap the instance cannot be entered
 * again, so `broken` tells the owner to replace it.
 */
import { messageOf } from "../../errors.js";
import type { GuestHostCalls } from "../../host-functions/host-calls.js";

import { PluginCallError } from "../plugin-call-error.js";
import { componentHostImports, HOST_INTERFACE } from "./component-host-imports.js";
import { wasiImports, type WasiImports } from "./wasi-imports.js";

/** The world's exports as jco's glue presents them. */
interface PluginExports {
  register(): string;
  handlers(): string[];
  call(handler: string, request: string): string;
}

/** The `instantiate` function of jco's glue (async instantiation). */
export type Instantiate = (getCoreModule: (name: string) => Promise<WebAssembly.Module>, imports: Record<string, object>) => Promise<PluginExports>;

export interface ComponentInstanceOptions {
  /** The host clock, for the guest's wall clock. */
  now: () => number;
}

/** The interfaces a component plugin may import; anything else fails the load. */
export async function providedInterfaces(): Promise<Set<string>> {
  const wasi = await wasiImports({ now: Date.now, log: () => {} });
  return new Set([HOST_INTERFACE, ...Object.keys(wasi.imports)]);
}

export class ComponentInstance {
  broken = false;

  private constructor(
    private readonly exports: PluginExports,
    private readonly wasi: WasiImports,
  ) {}

  static async create(
    instantiate: Instantiate,
    getCoreModule: (name: string) => Promise<WebAssembly.Module>,
    calls: GuestHostCalls,
    options: ComponentInstanceOptions,
  ): Promise<ComponentInstance> {
    const wasi = await wasiImports({
      now: options.now,
      log: (stream, line) => calls.log(stream === "stdout" ? "info" : "error", line, JSON.stringify({ stream })),
    });
    try {
      const exports = await instantiate(getCoreModule, { ...wasi.imports, [HOST_INTERFACE]: componentHostImports(calls) });
      return new ComponentInstance(exports, wasi);
    } catch (error) {
      throw new PluginCallError("E_LOAD", `the component failed to start: ${messageOf(error)}`, { cause: error });
    }
  }

  register(): string {
    return this.#guard("register", () => this.exports.register());
  }

  handlers(): string[] {
    return this.#guard("handlers", () => this.exports.handlers());
  }

  /** Calls a handler with the request envelope; returns the result text ("" for nothing). */
  call(handler: string, request: string): string {
    return this.#guard(handler, () => this.exports.call(handler, request));
  }

  #guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      const payload = (error as { payload?: { tag?: string; val?: unknown } } | null)?.payload;
      if (payload?.tag === "unknown-handler") throw new PluginCallError("E_UNKNOWN_HANDLER", `the plugin has no handler named "${what}"`);
      if (payload?.tag === "uncaught") throw new PluginCallError("E_TRAP", `${what} threw ${String(payload.val)}`, { cause: error });
      this.broken = true;
      throw new PluginCallError("E_TRAP", `${what} trapped: ${messageOf(error)}`, { cause: error });
    } finally {
      this.wasi.flush();
    }
  }
}
