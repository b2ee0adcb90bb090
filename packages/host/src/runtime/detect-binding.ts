import { PluginCallError } from "./plugin-call-error.js";
import { QUICKJS_SECTION } from "@goatkit/sdk/abi";

/**
 * The guest bindings of docs/abi.md (authors never have to say which they used), and `grpc` for
 * process plugins (manifest `runtime: "grpc"`, docs/grpc.md).
 */
export type Binding = "core" | "goatflow" | "component" | "extism" | "quickjs" | "grpc";

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Tells the binding from the bytes: a component has layer 1 in its header; an Extism plugin
 * imports the Extism kernel; a QuickJS plugin carries its script in a `goatkit:quickjs`
 * custom section; a GoatFlow-ABI module exports `gk_call` and `gk_malloc` or imports from `gk`
 * (docs/goatflow.md); anything else is a core-ABI module.
 */
export function detectBinding(bytes: Uint8Array, module?: WebAssembly.Module): Exclude<Binding, "grpc"> {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new PluginCallError("E_LOAD", "not a WebAssembly binary (it does not start with \\0asm); check the path or rebuild the plugin", { fix: "check the path or rebuild the plugin" });
  }
  // Header: magic, then a u16 version and a u16 layer. Core modules are version 1, layer 0.
  if (bytes[6] === 1 && bytes[7] === 0) return "component";
  if (module && WebAssembly.Module.customSections(module, QUICKJS_SECTION).length > 0) return "quickjs";
  if (module && WebAssembly.Module.imports(module).some((i) => i.module.startsWith("extism:host/"))) return "extism";
  if (module && isGoatflowModule(module)) return "goatflow";
  return "core";
}

function isGoatflowModule(module: WebAssembly.Module): boolean {
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  return (exports.has("gk_call") && exports.has("gk_malloc")) || WebAssembly.Module.imports(module).some((i) => i.module === "gk");
}
