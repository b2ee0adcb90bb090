/**
 * Runs a component plugin (wit/goatkit-plugin.wit) through jco's transpiled JavaScript, on the
 * host's thread. The transpile output is cached on disk by content hash, so only the first load
 * of a given component pays for jco; core modules are compiled once per runner and every
 * instance shares them. What running on the host's thread gives up: a call cannot be stopped
 * when it loops (no time-out), and host functions must answer synchronously.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { capMemory, MemoryCapError } from "../memory-cap.js";
import { PluginCallError } from "../plugin-call-error.js";
import type { PluginRunner, RunnerOptions } from "../plugin-runner.js";
import { ComponentInstance, providedInterfaces, type Instantiate } from "./component-instance.js";
import { transpiled, type TranspiledComponent } from "./transpile-cache.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export class ComponentRunner implements PluginRunner {
  readonly binding = "component" as const;
  #instance: ComponentInstance | null;

  private constructor(
    /** The plugin's handler names (what a core module exports as functions). */
    readonly exports: readonly string[],
    instance: ComponentInstance,
    private readonly newInstance: () => Promise<ComponentInstance>,
    private readonly options: RunnerOptions,
    private readonly release: () => void,
  ) {
    this.#instance = instance;
  }

  static async create(options: RunnerOptions): Promise<ComponentRunner> {
    // The guest waits on this thread: services answer with their blocking variants.
    options.calls.synchronous = true;
    const component = await transpiled(options.bytes, options.cacheDir, options.cacheMaxBytes);
    try {
      await checkImports(component);
      const { instantiate } = (await import(pathToFileURL(component.gluePath).href)) as { instantiate: Instantiate };
      const getCoreModule = compiledModules(component.dir, options.memoryMb);
      const newInstance = () => ComponentInstance.create(instantiate, getCoreModule, options.calls, { now: options.now });
      const instance = await newInstance();
      return new ComponentRunner(instance.handlers(), instance, newInstance, options, component.release);
    } catch (error) {
      component.release();
      throw error;
    }
  }

  async register(): Promise<string> {
    return (await this.#current()).register();
  }

  async call(handler: string, request: Uint8Array): Promise<Uint8Array | null> {
    const instance = await this.#current();
    this.options.calls.beginCall();
    let text: string;
    try {
      text = instance.call(handler, utf8.decode(request));
    } finally {
      // A trapped component instance cannot be entered again: the next call gets a new one.
      if (instance.broken) this.#instance = null;
    }
    if (text === "") return null;
    const bytes = encoder.encode(text);
    if (bytes.byteLength > this.options.maxResultBytes) {
      throw new PluginCallError("E_RESULT_TOO_LARGE", `${handler} returned ${bytes.byteLength} bytes, more than the limit of ${this.options.maxResultBytes}; raise limits.max_result_bytes or return less`);
    }
    return bytes;
  }

  async close(): Promise<void> {
    this.#instance = null;
    this.release();
  }

  async #current(): Promise<ComponentInstance> {
    this.#instance ??= await this.newInstance();
    return this.#instance;
  }
}

/** Compiles each core module once, with its memory capped at the plugin's limit. */
export function compiledModules(dir: string, memoryMb: number): (name: string) => Promise<WebAssembly.Module> {
  const modules = new Map<string, Promise<WebAssembly.Module>>();
  return (name) => {
    let module = modules.get(name);
    if (module === undefined) {
      module = readFile(join(dir, name)).then((bytes) => {
        try {
          return WebAssembly.compile(capMemory(new Uint8Array(bytes), memoryMb));
        } catch (error) {
          if (error instanceof MemoryCapError) throw new PluginCallError("E_LOAD", `the component's ${name}: ${error.message}`);
          throw error;
        }
      });
      modules.set(name, module);
    }
    return module;
  };
}

export async function checkImports(component: TranspiledComponent): Promise<void> {
  const provided = await providedInterfaces();
  const unknown = component.imports.filter((name) => !provided.has(name));
  if (unknown.length > 0) {
    throw new PluginCallError(
      "E_UNKNOWN_IMPORT",
      `the component imports ${unknown.map((n) => `"${n}"`).join(", ")}, which this host does not give plugins (they get goatkit:plugin/host and a sandboxed WASI without files, sockets or HTTP); reach the network through http_request and rebuild with buildPlugin (gk plugin build)`,
    );
  }
}
