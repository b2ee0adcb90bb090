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

/** A call or load failed in a way the plugin did not answer itself. */
export class PluginCallError extends GoatKitError {
  declare readonly code: PluginErrorCode;

  constructor(code: PluginErrorCode, message: string, options?: GoatKitErrorOptions) {
    super(code, message, options);
    this.name = "PluginCallError";
  }
}

/** Refuses a module built for another ABI major version (docs/abi.md, Versioning). */
export function requireAbiVersion(abi: number): void {
  if (abi !== ABI_VERSION) throw new PluginCallError("E_ABI_VERSION", `the module was built for GoatKit ABI ${abi}; this host speaks ABI ${ABI_VERSION}; rebuild it with a matching SDK`, { fix: "rebuild it with a matching SDK" });
}
