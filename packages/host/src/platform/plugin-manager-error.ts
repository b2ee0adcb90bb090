import { GoatKitError, type GoatKitErrorOptions } from "../errors.js";

/** Why a manager operation was refused; `status` (ERROR_STATUS) is what the admin API answers with. */
export type PluginManagerErrorCode =
  | "E_UNKNOWN_PLUGIN"
  | "E_PLUGIN_DISABLED"
  | "E_PLUGIN_BROKEN"
  | "E_SHUTTING_DOWN"
  | "E_PLUGINS_DIR"
  | "E_DUPLICATE_PLUGIN"
  | "E_RELOAD";

export class PluginManagerError extends GoatKitError {
  declare readonly code: PluginManagerErrorCode;

  constructor(code: PluginManagerErrorCode, message: string, options?: GoatKitErrorOptions) {
    super(code, message, options);
    this.name = "PluginManagerError";
  }
}
