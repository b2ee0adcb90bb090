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

/** The refusal once a handler call has made its limit of host calls (the host's and a worker's own). */
export function hostCallBudgetError(max: number): HostCallError {
  return new HostCallError("E_LIMIT_EXCEEDED", `more than ${max} host calls in one handler call; batch the work (one query for many rows) or split it across jobs`);
}

/** Whether `error` is that refusal: the rest of the call's host calls fail the same way. */
export function isHostCallBudgetError(error: HostCallError): boolean {
  return error.code === "E_LIMIT_EXCEEDED" && error.message.includes("host calls in one handler call");
}
