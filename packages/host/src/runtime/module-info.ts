import { HOST_MODULE, QUICKJS_CODE_SECTION, QUICKJS_SECTION, type QuickjsPluginMeta } from "@goatkit/sdk/abi";
import { ABI_IMPORTS } from "../host-functions/host-function-table.js";
import { detectBinding, type Binding } from "./detect-binding.js";
import { GOATFLOW_MODULE, WASI_MODULE } from "./goatflow-abi.js";
import { readMemoryLimits, readU32, sections, type MemoryLimits } from "./memory-cap.js";

export interface ModuleImport {
  module: string;
  name: string;
  kind: string;
  /** For GoatKit host functions: the permission a call needs (null: always allowed). */
  permission?: string | null;
  /** True when this host provides the import. */
  known: boolean;
}

export interface ModuleInfo {
  binding: Binding;
  size: number;
  exports: { name: string; kind: string }[];
  imports: ModuleImport[];
  memory: MemoryLimits | null;
  customSections: { name: string; size: number }[];
  /** For the QuickJS binding: the engine the script is for, its handlers and its size. */
  script?: { engine: string; handlers: string[]; bytes: number };
}

const decoder = new TextDecoder();
const HOST_SPECS = ABI_IMPORTS;
const AS_ENV = new Set(["abort", "trace", "seed", "Date.now"]);

/** What a `.wasm` is: binding, exports, imports with their permissions, memory, custom sections. */
export function inspectModule(bytes: Uint8Array<ArrayBuffer>): ModuleInfo {
  const binding = detectBinding(bytes);
  if (binding === "component") {
    return { binding, size: bytes.byteLength, exports: [], imports: [], memory: null, customSections: [] };
  }
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module).map((i): ModuleImport => {
    if (i.module === HOST_MODULE) {
      const spec = HOST_SPECS.get(i.name);
      return { ...i, known: spec !== undefined, ...(spec ? { permission: spec.permission } : {}) };
    }
    if (i.module === GOATFLOW_MODULE) return { ...i, known: i.name === "host_call" || i.name === "log" };
    // GoatFlow-ABI modules get WASI preview1 (functions this host does not implement answer ENOSYS).
    if (i.module === WASI_MODULE) return { ...i, known: true };
    return { ...i, known: i.module === "env" && AS_ENV.has(i.name) };
  });
  const customSections = sections(bytes)
    .filter((s) => s.id === 0)
    .map((s) => {
      const nameLength = readU32(bytes, s.contentStart);
      return { name: decoder.decode(bytes.subarray(nameLength.next, nameLength.next + nameLength.value)), size: s.end - s.contentStart };
    });
  const moduleBinding = detectBinding(bytes, module);
  return {
    binding: moduleBinding,
    ...(moduleBinding === "quickjs" ? { script: scriptInfo(module) } : {}),
    size: bytes.byteLength,
    exports: WebAssembly.Module.exports(module),
    imports,
    memory: readMemoryLimits(bytes),
    customSections,
  };
}

function scriptInfo(module: WebAssembly.Module): ModuleInfo["script"] {
  const [meta] = WebAssembly.Module.customSections(module, QUICKJS_SECTION);
  const [script] = WebAssembly.Module.customSections(module, QUICKJS_CODE_SECTION);
  let parsed: Partial<QuickjsPluginMeta> = {};
  try {
    parsed = JSON.parse(decoder.decode(meta)) as QuickjsPluginMeta;
  } catch {
    // A damaged description: the load says so; inspection shows what it can.
  }
  return { engine: String(parsed.engine ?? "unknown"), handlers: Array.isArray(parsed.handlers) ? parsed.handlers.map(String) : [], bytes: script?.byteLength ?? 0 };
}
