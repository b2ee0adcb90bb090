import { messageOf } from "../errors.js";
import { detectBinding } from "./detect-binding.js";
import { capMemory, MemoryCapError } from "./memory-cap.js";
import { PluginCallError } from "./plugin-call-error.js";
import type { WasmSource } from "./plugin-runner.js";

/**
 * Tells a module's binding and compiles it with its memory capped at `memoryMb` (a component is
 * compiled later, core module by core module, when it is transpiled). `where` names the file in
 * errors.
 */
export function wasmSource(original: Uint8Array<ArrayBuffer>, memoryMb: number, where: string): WasmSource {
  let bytes = original;
  try {
    let binding = detectBinding(bytes);
    if (binding === "component") return { binding, bytes, module: null };
    bytes = capMemory(bytes, memoryMb);
    const module = new WebAssembly.Module(bytes);
    binding = detectBinding(bytes, module);
    return { binding, bytes, module };
  } catch (error) {
    if (error instanceof MemoryCapError) throw new PluginCallError("E_LOAD", `${where}: ${error.message}`);
    throw new PluginCallError("E_LOAD", `${where}: not a valid WebAssembly module: ${messageOf(error)}`);
  }
}
