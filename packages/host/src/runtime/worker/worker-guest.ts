import { pathToFileURL } from "node:url";
import type { GuestHostCalls } from "../../host-functions/host-calls.js";
import type { Instantiate } from "../component/component-instance.js";
import { CoreAbiInstance } from "../core-abi-instance.js";
import { PluginCallError } from "../plugin-call-error.js";
import type { Engine } from "../quickjs/engine.js";
import { resultBytes } from "../quickjs/result-bytes.js";

/** What a worker runs: a compiled core module, a transpiled component on disk, or a script for the shared engine. */
export type GuestSource =
  | { kind: "core"; module: WebAssembly.Module }
  | { kind: "goatflow"; module: WebAssembly.Module }
  | { kind: "component"; gluePath: string; dir: string; memoryMb: number }
  | { kind: "quickjs"; engine: Engine; script: string; memoryMb: number };

/** One instance inside a worker, whatever its binding. */
export interface WorkerGuest {
  abiVersion(): number;
  register(): Uint8Array | null;
  handlers(): string[];
  call(handler: string, request: Uint8Array): Uint8Array | null;
  /** After a trap the instance must be replaced. */
  readonly broken: boolean;
}

export interface GuestOptions {
  maxResultBytes: number;
  now: () => number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * Loads what the binding's runtime needs before the plugin's own time starts (the worker
 * reports "booted" after this): for QuickJS, the engine's glue and one engine instance, which
 * the plugin's first instance takes when its memory cap is the one it was made with.
 */
export async function prepareRuntime(source: GuestSource): Promise<void> {
  if (source.kind !== "quickjs") return;
  const { warmEngine } = await import("../quickjs/engine.js");
  await import("../quickjs/quickjs-instance.js");
  await warmEngine(source.engine, source.memoryMb);
}

/** Returns a factory of fresh instances for the source (a component's glue is imported once). */
export async function guestFactory(source: GuestSource, calls: GuestHostCalls, options: GuestOptions): Promise<() => Promise<WorkerGuest>> {
  if (source.kind === "core" || source.kind === "goatflow") {
    const abi = source.kind;
    return async () => {
      const instance = CoreAbiInstance.instantiate(source.module, calls, { ...options, abi });
      return {
        abiVersion: () => instance.abiVersion(),
        register: () => instance.register(),
        handlers: () => instance.exportNames,
        call: (handler, request) => instance.call(handler, request),
        get broken() {
          return instance.broken;
        },
      };
    };
  }
  if (source.kind === "quickjs") {
    const { QuickjsInstance, STACK_BYTES } = await import("../quickjs/quickjs-instance.js");
    return async () => {
      const instance = await QuickjsInstance.create(source.engine, source.script, calls, { memoryMb: source.memoryMb, now: options.now, maxStackBytes: STACK_BYTES.worker });
      return {
        abiVersion: () => 1,
        register: () => encoder.encode(instance.register()),
        handlers: () => instance.handlers(),
        call: (handler, request) => resultBytes(handler, instance.call(handler, utf8.decode(request)), options.maxResultBytes),
        get broken() {
          return instance.broken;
        },
      };
    };
  }
  // Loaded only for components: their WASI shims would slow every core worker's boot.
  const [{ compiledModules }, { ComponentInstance }] = await Promise.all([import("../component/component-runner.js"), import("../component/component-instance.js")]);
  const { instantiate } = (await import(pathToFileURL(source.gluePath).href)) as { instantiate: Instantiate };
  const getCoreModule = compiledModules(source.dir, source.memoryMb);
  return async () => {
    const instance = await ComponentInstance.create(instantiate, getCoreModule, calls, { now: options.now });
    return {
      abiVersion: () => 1,
      register: () => encoder.encode(instance.register()),
      handlers: () => instance.handlers(),
      call: (handler, request) => resultBytes(handler, instance.call(handler, utf8.decode(request)), options.maxResultBytes),
      get broken() {
        return instance.broken;
      },
    };
  };
}
