import { ABI_VERSION } from "@goatkit/sdk/abi";
import { GoatKitError, type GoatKitErrorOptions } from "../errors.js";

/** Codes of failures the host reports for a call (docs/errors.md); statuses in ERROR_STATUS. */
export type PluginErrorCode =
  | "E_UNKNOWN_HANDLER"
  | "E_BAD_RESULT"
  | "E_TRAP"
  | "E_TIMEOUT"
  | "E_BAD_POINTER"
  | "E_ALLOC_FAILED"
  | "E_RESULT_TOO_LARGE"
  | "E_REQUEST_TOO_LARGE"
  | "E_INVALID_UTF8"
  | "E_REGISTRATION"
  | "E_ABI_VERSION"
  | "E_UNKNOWN_IMPORT"
  | "E_LOAD"
  | "E_PLUGIN_DISABLED"
  | "E_UNAVAILABLE";

/**
 * A frame of the guest's WebAssembly call stack: the function's index in the module and the
 * byte offset of the instruction in the module (V8's `wasm-function[12]:0x4a2f`), which a
 * WebAssembly source map maps to a source line.
 */
export interface WasmFrame {
  func: number;
  offset: number;
}

export interface PluginCallErrorOptions extends GoatKitErrorOptions {
  /** Where the guest was when it aborted or trapped, innermost frame first. */
  wasmFrames?: WasmFrame[] | undefined;
}

/** A call or load failed in a way the plugin did not answer itself. */
export class PluginCallError extends GoatKitError {
  declare readonly code: PluginErrorCode;
  /** The guest's WebAssembly frames at an abort or trap (empty when unknown). */
  readonly wasmFrames: WasmFrame[];

  constructor(code: PluginErrorCode, message: string, options?: PluginCallErrorOptions) {
    super(code, message, options);
    this.name = "PluginCallError";
    this.wasmFrames = options?.wasmFrames ?? [];
  }
}

/**
 * The WebAssembly frames of a V8 stack (`at wasm://wasm/8eb67dd2:wasm-function[23]:0xcb5`),
 * innermost first; the JavaScript frames around them are left out.
 */
export function wasmFramesOf(stack: string | undefined): WasmFrame[] {
  return [...(stack ?? "").matchAll(/wasm-function\[(\d+)\]:0x([0-9a-f]+)/g)].map((m) => ({ func: Number(m[1]), offset: parseInt(m[2]!, 16) }));
}

/** Refuses a module built for another ABI major version (docs/abi.md, Versioning). */
export function requireAbiVersion(abi: number): void {
  if (abi !== ABI_VERSION) throw new PluginCallError("E_ABI_VERSION", `the module was built for GoatKit ABI ${abi}; this host speaks ABI ${ABI_VERSION}; rebuild it with a matching SDK`, { fix: "rebuild it with a matching SDK" });
}
