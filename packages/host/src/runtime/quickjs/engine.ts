/**
 * The one JavaScript engine every QuickJS-binding plugin runs on: QuickJS-ng as published on
 * npm (@jitl/quickjs-ng-wasmfile-release-sync, a 516 KiB emscripten module) driven through
 * quickjs-emscripten-core. It is compiled once per host process and the compiled
 * WebAssembly.Module is shared: workers receive it by postMessage (V8 shares the machine code),
 * and each plugin instance gets its own linear memory, capped at the plugin's limit.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import importedVariant from "@jitl/quickjs-ng-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import { readMemoryLimits } from "../memory-cap.js";
import { PluginCallError } from "../plugin-call-error.js";

const PAGE = 64 * 1024;
// The package's types are CommonJS-shaped; imported as ESM (as here) its default is the variant.
const variant = importedVariant as unknown as QuickJSSyncVariant;

export interface Engine {
  module: WebAssembly.Module;
  /** Pages the engine's memory starts with (its declared minimum). */
  initialPages: number;
}

let compiled: Promise<Engine> | null = null;

/** The engine, compiled on first use and kept for the life of the process. */
export function quickjsEngine(): Promise<Engine> {
  compiled ??= (async () => {
    const path = createRequire(import.meta.url).resolve("@jitl/quickjs-ng-wasmfile-release-sync/wasm");
    const bytes = new Uint8Array(await readFile(path));
    const limits = readMemoryLimits(bytes);
    return { module: await WebAssembly.compile(bytes), initialPages: limits?.initial ?? 256 };
  })();
  return compiled;
}

/** The smallest `limits.memory_mb` a plugin can run with: the engine's initial memory plus room to work. */
export function minimumMemoryMb(engine: Engine): number {
  return Math.ceil((engine.initialPages * PAGE) / 1048576) + 8;
}

/** One engine instance made ahead of need (see warmEngine), for the next instance of that cap. */
let warm: { memoryMb: number; instance: QuickJSWASMModule } | null = null;

/**
 * Makes an engine instance ahead of need and runs it once (a context made and freed), so that
 * the next plugin instance with that memory cap starts without paying for the engine's first run.
 */
export async function warmEngine(engine: Engine, memoryMb: number): Promise<void> {
  const instance = await newEngineInstance(engine, memoryMb);
  instance.newContext().dispose();
  warm = { memoryMb, instance };
}

/**
 * An engine instance with its own memory of at most `memoryMb`: the guest's heap, its stack and
 * the engine's data all live in it, so the cap holds whatever the script does. Each instance
 * serves one plugin instance.
 */
export async function instantiateEngine(engine: Engine, memoryMb: number): Promise<QuickJSWASMModule> {
  if (warm !== null && warm.memoryMb === memoryMb) {
    const { instance } = warm;
    warm = null;
    return instance;
  }
  return newEngineInstance(engine, memoryMb);
}

async function newEngineInstance(engine: Engine, memoryMb: number): Promise<QuickJSWASMModule> {
  const minimum = minimumMemoryMb(engine);
  if (memoryMb < minimum) {
    throw new PluginCallError("E_LOAD", `the QuickJS engine needs at least ${minimum} MiB of memory, more than the plugin's limit of ${memoryMb} MiB; raise limits.memory_mb`);
  }
  const wasmMemory = new WebAssembly.Memory({ initial: engine.initialPages, maximum: Math.floor((memoryMb * 1048576) / PAGE) });
  return newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule: engine.module, wasmMemory }));
}
