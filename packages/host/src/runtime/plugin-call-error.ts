import { ABI_VERSION } from "@goatkit/sdk/abi";

/** Codes of failures the host reports for a call (docs/envelopes.md, "Errors the host reports"). */
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

const HTTP_STATUS: Partial<Record<PluginErrorCode, number>> = { E_TIMEOUT: 504, E_REQUEST_TOO_LARGE: 413, E_PLUGIN_DISABLED: 503, E_UNAVAILABLE: 503 };

/** A call or load failed in a way the plugin did not answer itself. */
export class PluginCallError extends Error {
  constructor(
    readonly code: PluginErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PluginCallError";
  }

  get status(): number {
    return HTTP_STATUS[this.code] ?? 500;
  }
}

/** Refuses a module built for another ABI major version (docs/abi.md, Versioning). */
export function requireAbiVersion(abi: number): void {
  if (abi !== ABI_VERSION) throw new PluginCallError("E_ABI_VERSION", `the module was built for GoatKit ABI ${abi}; this host speaks ABI ${ABI_VERSION}; rebuild it with a matching SDK`);
}
