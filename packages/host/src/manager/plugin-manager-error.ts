/** Why a manager operation was refused; `status` is the HTTP status the admin API answers with. */
export type PluginManagerErrorCode =
  | "E_UNKNOWN_PLUGIN"
  | "E_PLUGIN_DISABLED"
  | "E_PLUGIN_BROKEN"
  | "E_SHUTTING_DOWN"
  | "E_PLUGINS_DIR"
  | "E_DUPLICATE_PLUGIN"
  | "E_RELOAD";

const HTTP_STATUS: Record<PluginManagerErrorCode, number> = {
  E_UNKNOWN_PLUGIN: 404,
  E_PLUGIN_DISABLED: 503,
  E_PLUGIN_BROKEN: 503,
  E_SHUTTING_DOWN: 503,
  E_PLUGINS_DIR: 500,
  E_DUPLICATE_PLUGIN: 409,
  E_RELOAD: 500,
};

export class PluginManagerError extends Error {
  constructor(
    readonly code: PluginManagerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PluginManagerError";
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }
}
