/**
 * Errors of the TypeScript guest SDK. Host functions throw a HostError subclass when the host
 * refuses or fails a call; a handler that lets one escape answers with the error envelope
 * `{"error", "code", "status": 500}`, which is what the AssemblyScript idiom
 * `if (!rows.ok) return packError(rows.error, 500, rows.code)` produces.
 */
import { ERROR_CODES } from "../abi.js";

/** A host call failed. `code` is the host's error code (docs/abi.md#error-codes). */
export class HostError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HostError";
  }

  /** The core ABI's number for the code (1 to 4), or -1 for a code this SDK does not know. */
  get errno(): number {
    return (ERROR_CODES as Record<string, number>)[this.code] ?? -1;
  }
}

/** `E_PERMISSION_DENIED`: the manifest does not grant what the call needs; the message names the permission. */
export class PermissionDeniedError extends HostError {
  constructor(message: string) {
    super("E_PERMISSION_DENIED", message);
    this.name = "PermissionDeniedError";
  }
}

/** `E_INVALID_ARGUMENT`: an argument is malformed (bad SQL kind, bad cron, bad address, ...). */
export class InvalidArgumentError extends HostError {
  constructor(message: string) {
    super("E_INVALID_ARGUMENT", message);
    this.name = "InvalidArgumentError";
  }
}

/** `E_LIMIT_EXCEEDED`: a size, rate or count limit was hit. */
export class LimitExceededError extends HostError {
  constructor(message: string) {
    super("E_LIMIT_EXCEEDED", message);
    this.name = "LimitExceededError";
  }
}

/** `E_SERVICE`: the service behind the call failed (database error, network error). */
export class ServiceError extends HostError {
  constructor(message: string) {
    super("E_SERVICE", message);
    this.name = "ServiceError";
  }
}

/** The HostError subclass for a code; unknown (newer) codes stay plain HostErrors. */
export function hostError(code: string, message: string): HostError {
  switch (code) {
    case "E_PERMISSION_DENIED":
      return new PermissionDeniedError(message);
    case "E_INVALID_ARGUMENT":
      return new InvalidArgumentError(message);
    case "E_LIMIT_EXCEEDED":
      return new LimitExceededError(message);
    case "E_SERVICE":
      return new ServiceError(message);
    default:
      return new HostError(code, message);
  }
}

/**
 * Thrown by a handler to answer with an error envelope: `throw new PluginError("report not
 * found", 404, "NOT_FOUND")` is `return packError("report not found", 404, "NOT_FOUND")`.
 */
export class PluginError extends Error {
  constructor(
    message: string,
    readonly status: number = 500,
    readonly code: string = "",
  ) {
    super(message);
    this.name = "PluginError";
  }
}
