/** Codes of failures the host reports for a call (docs/envelopes.md, "Errors the host reports"). */
export type PluginErrorCode =
  | "E_UNKNOWN_HANDLER"
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
  | "E_PLUGIN_DISABLED";

const HTTP_STATUS: Partial<Record<PluginErrorCode, number>> = { E_TIMEOUT: 504, E_REQUEST_TOO_LARGE: 413, E_PLUGIN_DISABLED: 503 };

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
