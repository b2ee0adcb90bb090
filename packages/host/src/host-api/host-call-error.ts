import { ERROR_CODES, type HostErrorCode } from "@goatkit/sdk/abi";

/** The error envelope a failed host call hands back to the guest. */
export interface ErrorEnvelope {
  error: string;
  code: HostErrorCode;
}

/** A host function refused or failed; bindings turn it into an error envelope or code. */
export class HostCallError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
  ) {
    super(message);
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

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
