/**
 * A guest instance, whatever its binding: what a runner calls, in a plugin worker or on the
 * host's thread. Runners own the instances' life (start, replace after a trap or time-out,
 * dispose); instances only run the guest.
 */
import { pathToFileURL } from "node:url";
import type { GuestHostCalls } from "../host-functions/host-calls.js";
import type { MaybePromise } from "../services/types.js";
import type { Instantiate } from "./component/component-instance.js";
import { CoreAbiInstance } from "./core-abi-instance.js";
import { PluginCallError } from "./plugin-call-error.js";
import type { Isolation } from "./plugin-runner.js";
import type { Engine } from "./quickjs/engine.js";
import { resultBytes } from "./result-size.js";

/** What an instance is made from: a compiled module, a transpiled component on disk, or a script for the shared engine. */
export type GuestSource =
  | { kind: "core"; module: WebAssembly.Module }
  | { kind: "goatflow"; module: WebAssembly.Module }
  | { kind: "extism"; module: WebAssembly.Module }
  | { kind: "component"; gluePath: string; dir: string; memoryMb: number }
  | { kind: "quickjs"; engine: Engine; script: string; memoryMb: number };

/** One instance of a plugin, whatever its binding. */
export interface GuestInstance {
  abiVersion(): number;
  register(): MaybePromise<Uint8Array | null>;
  handlers(): string[];
  /** `envelope` is `request` as an object, given on the host's thread (GoatFlow's dispatch reads its fields). */
  call(handler: string, request: Uint8Array, envelope?: object): MaybePromise<Uint8Array | null>;
  /** After a trap (or a time-out the guest stopped itself) the instance must be replaced. */
  readonly broken: boolean;
  /** Frees what the instance holds outside the JavaScript heap. */
  dispose?(): MaybePromise<void>;
}

export interface GuestOptions {
  maxResultBytes: number;
  now: () => number;
  /** Where the instance runs: in `in-process` nothing outside the guest can stop it. */
  isolation: Isolation;
  /** In-process only: a guest that can stop itself (QuickJS) does so after this long. */
  timeoutMs?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** The handler names a source's module exports, or null when only an instance can tell. */
export async function exportsOf(source: GuestSource): Promise<readonly string[] | null> {
  if (source.kind === "core" || source.kind === "goatflow") return WebAssembly.Module.exports(source.module).map((e) => e.name);
  if (source.kind === "extism") return (await import("./extism/extism-instance.js")).extismExports(source.module);
  return null;
}

/**
 * Loads what the binding's runtime needs before the plugin's own time starts (the worker
 * reports "booted" after this): for QuickJS, the engine's glue and one engine instance, which
 * the plugin's first instance takes when its memory cap is the one it was made with; for
 * Extism, @extism/extism.
 */
export async function prepareRuntime(source: GuestSource): Promise<void> {
  if (source.kind === "extism") {
    await import("./extism/extism-instance.js");
    return;
  }
  if (source.kind !== "quickjs") return;
  const { warmEngine } = await import("./quickjs/engine.js");
  await import("./quickjs/quickjs-instance.js");
  await warmEngine(source.engine, source.memoryMb);
}

/** Returns a factory of fresh instances for the source (a component's glue is imported once). */
export async function guestFactory(source: GuestSource, calls: GuestHostCalls, options: GuestOptions): Promise<() => Promise<GuestInstance>> {
  if (source.kind === "core" || source.kind === "goatflow") {
    const abi = source.kind;
    return async () => {
      const instance = CoreAbiInstance.instantiate(source.module, calls, { maxResultBytes: options.maxResultBytes, now: options.now, abi });
      return {
        abiVersion: () => instance.abiVersion(),
        register: () => instance.register(),
        handlers: () => instance.exportNames,
        call: (handler, request, envelope) => instance.call(handler, request, envelope),
        get broken() {
          return instance.broken;
        },
      };
    };
  }
  // Loaded only for their bindings: Extism's runtime and components' WASI shims would slow every core worker's boot.
  if (source.kind === "extism") {
    const { ExtismInstance } = await import("./extism/extism-instance.js");
    return () => ExtismInstance.create(source.module, calls, options);
  }
  if (source.kind === "quickjs") {
    const { QuickjsInstance, STACK_BYTES } = await import("./quickjs/quickjs-instance.js");
    const timeout = options.isolation === "in-process" && options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
    return async () => {
      const instance = await QuickjsInstance.create(source.engine, source.script, calls, { memoryMb: source.memoryMb, now: options.now, maxStackBytes: STACK_BYTES[options.isolation], ...timeout });
      return textGuest(instance, options.maxResultBytes, () => instance.dispose());
    };
  }
  const [{ compiledModules }, { ComponentInstance }] = await Promise.all([import("./component/component-modules.js"), import("./component/component-instance.js")]);
  const { instantiate } = (await import(pathToFileURL(source.gluePath).href)) as { instantiate: Instantiate };
  const getCoreModule = compiledModules(source.dir, source.memoryMb);
  return async () => {
    const instance = await ComponentInstance.create(instantiate, getCoreModule, calls, { now: options.now });
    return textGuest(instance, options.maxResultBytes);
  };
}

/** The request envelope as text, for guests that take text (QuickJS, components). */
/** An instance that speaks text (QuickJS, components) as a GuestInstance: bytes in and out. */
interface TextInstance {
  register(): string;
  handlers(): string[];
  call(handler: string, request: string): string;
  readonly broken: boolean;
}

function textGuest(instance: TextInstance, maxResultBytes: number, dispose?: () => MaybePromise<void>): GuestInstance {
  return {
    abiVersion: () => 1,
    register: () => encoder.encode(instance.register()),
    handlers: () => instance.handlers(),
    call: (handler, request) => resultBytes(handler, instance.call(handler, requestText(request)), maxResultBytes),
    get broken() {
      return instance.broken;
    },
    ...(dispose ? { dispose } : {}),
  };
}

function requestText(request: Uint8Array): string {
  try {
    return utf8.decode(request);
  } catch {
    throw new PluginCallError("E_INVALID_UTF8", "the request is not valid UTF-8");
  }
}

/**
 * Holds a runner's current instance: makes one when a call needs it, and replaces one that a
 * trap or time-out left broken (its memory or allocator may be half-updated), so the next call
 * starts clean. Worker and in-process runners both keep their instance here.
 */
export class GuestHolder {
  #current: Promise<GuestInstance> | null = null;

  constructor(private readonly newInstance: () => Promise<GuestInstance>) {}

  async use<T>(fn: (instance: GuestInstance) => MaybePromise<T>): Promise<T> {
    const current = (this.#current ??= this.newInstance());
    let instance: GuestInstance;
    try {
      instance = await current;
    } catch (error) {
      // A failed start is tried again by the next call.
      if (this.#current === current) this.#current = null;
      throw error;
    }
    try {
      return await fn(instance);
    } finally {
      if (instance.broken && this.#current === current) {
        this.#current = null;
        // Disposing is best effort: the instance is dropped either way.
        void Promise.resolve()
          .then(() => instance.dispose?.())
          .catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    const current = this.#current;
    this.#current = null;
    await (await current?.catch(() => null))?.dispose?.();
  }
}
