/**
 * What loading a component needs besides its instances: its core modules, compiled once per
 * runner with the plugin's memory cap and shared by every instance, and a check that it imports
 * only what the host gives plugins.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { capMemory, MemoryCapError } from "../memory-cap.js";
import { PluginCallError } from "../plugin-call-error.js";
import { providedInterfaces } from "./component-instance.js";
import type { TranspiledComponent } from "./transpile-cache.js";

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
