import { ERROR_CODES, type HostErrorCode } from "@goatkit/sdk/abi";
import { GoatKitError, type GoatKitErrorOptions } from "../errors.js";

/** The error envelope a failed host call hands back to the guest. */
export interface ErrorEnvelope {
  error: string;
  code: HostErrorCode;
}

/** A host function refused or failed; bindings turn it into an error envelope or code. */
export class HostCallError extends GoatKitError {
  declare readonly code: HostErrorCode;

  constructor(code: HostErrorCode, message: string, options?: GoatKitErrorOptions) {
    super(code, message, options);
    this.name = "HostCallError";
  }

  get envelope(): ErrorEnvelope {
    return { error: this.message, code: this.code };
  }

  /** The i32 code of `cache_set` / `cache_delete`. */
  get numericCode(): number {
    return ERROR_CODES[this.code];
  }
}
